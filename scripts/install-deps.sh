#!/usr/bin/env bash
# Installs the system packages the build and tests need, only when missing (Debian/Ubuntu).
#   build:   libssl-dev (TLS of the upstream client), curl, openssl (the command line: tests
#            check ES256 signatures with `openssl dgst -verify`)
#   tests:   python3, node >= 18, java >= 17 (scripts/client-roundtrip.sh installs the rest of
#            what examples/ needs: python3-requests, node-typescript, php-cli php-curl, golang-go),
#            prometheus (its promtool checks deploy/monitoring/alerts.yaml)
set -euo pipefail

missing=()
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
if [[ "${1:-}" == "--tests" ]]; then
  command -v python3 >/dev/null || missing+=(python3 python3-venv)
  command -v node >/dev/null || missing+=(nodejs)
  command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
  command -v promtool >/dev/null || missing+=(prometheus)
fi
((${#missing[@]} == 0)) && exit 0

sudo=()
[[ $EUID -eq 0 ]] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
