#!/usr/bin/env bash
# The refund path on loopback: the sidecar against nginx proxy_pass (2 workers, keep-alive
# upstream pool), both in front of the same nginx standing in for Freedom Pay (a static
# 200 refund answer), measured alternately at 1, 16 and 64 connections; then start-up
# time, memory, idle wake-ups and binary size. The report (Markdown) goes to stdout,
# progress and the build's output to stderr.
#
#   bench/run.sh [SECONDS]      seconds per measured point (default 5)
#
# Environment:
#   SIDECAR_BIN=path            use this binary; no build
#   SCRATCH=dir                 --scratch-path for the release build (default .build)
#   BENCH_ROUNDS=3              rounds; each measures every point, sidecar then nginx
#   BENCH_CONNECTIONS="1 16 64"
#   BENCH_READY_RUNS=5          starts timed from exec to the first answered refund
#   BENCH_IDLE_SECONDS=10       idle window for counting wake-ups (after a 2 s settle)
#
# Installs wrk, nginx-light and python3 with apt when missing (Debian's nginx package may
# also start its own service on port 80 where systemd runs; the benchmark does not use it).
# All servers listen on loopback ports the kernel picks; all are stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${1:-5}"
if [[ ! "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bench/run.sh [SECONDS]   (whole seconds per point, at least 1)" >&2
  exit 2
fi

nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x "$nginx_bin" ]] || missing+=(nginx-light)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  echo "bench: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ -n "${SIDECAR_BIN:-}" ]]; then
  bin="$SIDECAR_BIN"
  label="$bin (given with SIDECAR_BIN)"
else
  swift=swift
  command -v swift >/dev/null || swift=/opt/swift/usr/bin/swift
  build=(build -c release --static-swift-stdlib --product freedompay-sidecar -Xlinker --strip-debug)
  [[ -z "${SCRATCH:-}" ]] || build+=(--scratch-path "$SCRATCH")
  echo "bench: $swift ${build[*]}" >&2
  "$swift" "${build[@]}" >&2
  bin="$("$swift" "${build[@]}" --show-bin-path)/freedompay-sidecar"
  label="release build of $(git describe --always --dirty --abbrev=7 2>/dev/null || echo 'this checkout')"
  sources="$(git log -1 --format=%h -- Sources Package.swift 2>/dev/null || true)"
  [[ -z "$sources" ]] || label+=" (last change to Sources/ or Package.swift: $sources)"
fi
if [[ ! -x "$bin" ]]; then
  echo "bench: $bin is not an executable" >&2
  exit 1
fi

exec python3 -B bench/bench.py --sidecar "$bin" --nginx "$nginx_bin" --label "$label" \
  --seconds "$seconds" --rounds "${BENCH_ROUNDS:-3}" --connections "${BENCH_CONNECTIONS:-1 16 64}" \
  --ready-runs "${BENCH_READY_RUNS:-5}" --idle-seconds "${BENCH_IDLE_SECONDS:-10}"
