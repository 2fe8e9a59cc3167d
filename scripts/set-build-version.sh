#!/usr/bin/env sh
# Writes VERSION into Sources/Sidecar/BuildVersion.swift, so that `--version`, the start-up
# log, User-Agent and /metrics report the version of this build instead of a literal:
#   scripts/set-build-version.sh VERSION [ROOT]
# The Dockerfile's build stage runs it with its VERSION build argument; scripts/test.sh
# runs it for the release build and restores the file afterwards. POSIX sh: it also runs
# in the Swift build image. VERSION: 1-64 characters of [0-9A-Za-z.+_-] (it ends up in an
# HTTP header and a Prometheus label, so nothing else is accepted).
set -eu

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 VERSION [ROOT]" >&2; exit 2; }
version="$1"
root="${2:-$(cd "$(dirname "$0")/.." && pwd)}"
case "$version" in
  "" | *[!0-9A-Za-z.+_-]*)
    echo "set-build-version: invalid version '$version' (allowed: [0-9A-Za-z.+_-], 1-64 characters)" >&2
    exit 2
    ;;
esac
[ "${#version}" -le 64 ] || { echo "set-build-version: version longer than 64 characters" >&2; exit 2; }
file="$root/Sources/Sidecar/BuildVersion.swift"
[ -f "$file" ] || { echo "set-build-version: no $file" >&2; exit 2; }

cat >"$file" <<SWIFT
/// The version \`--version\`, the start-up log line, \`User-Agent\` and \`/metrics\` report.
/// Written by scripts/set-build-version.sh for this build; the committed file holds the
/// development default.
let buildVersion = "$version"
SWIFT
echo "set-build-version: $version"
