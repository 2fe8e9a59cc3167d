#!/usr/bin/env bash
# Quick start: builds the sidecar and runs it against the embedded Freedom Pay emulator on
# 127.0.0.1:18080 (admin on 127.0.0.1:19090), with a demo key created in .sandbox/.
# Extra arguments go to `freedompay-sidecar serve`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
swift build --product freedompay-sidecar

mkdir -p .sandbox
if [[ ! -s .sandbox/demo-key ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >.sandbox/demo-key)
fi
chmod 600 .sandbox/demo-key

exec .build/debug/freedompay-sidecar serve --upstream sandbox --auth-id 123456 \
  --key-file .sandbox/demo-key "$@"
