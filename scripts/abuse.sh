#!/usr/bin/env bash
# Issue #16's two attacks against a release sidecar on the sandbox emulator, with figures
# (scripts/abuse.py says what each does and prints them): memory under 1,000 connections
# holding 64 KiB-minus-one-byte bodies, and probes and a refund under 1,300 silent
# connections. Exits 1 when a target is missed. Bounded: it stops by itself (about a minute
# once built) and stops the sidecar on exit.
#
#   scripts/abuse.sh
#
# Environment:
#   SIDECAR_BIN=path   use this binary; no build (default: swift build -c release)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v python3 >/dev/null || {
  echo "abuse.sh: needs python3 (apt-get install python3)" >&2
  exit 2
}
bin="${SIDECAR_BIN:-}"
if [[ -z "$bin" ]]; then
  swift build -c release --product freedompay-sidecar >&2
  bin=.build/release/freedompay-sidecar
fi

# 1,300 attacker sockets in this shell's python plus the sidecar's side of them.
ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= 4096)) || {
  echo "abuse.sh: needs at least 4096 open files (ulimit -Hn is $(ulimit -Hn))" >&2
  exit 2
}

work="$(mktemp -d)"
sidecar=""
cleanup() {
  if [[ -n "$sidecar" ]]; then
    kill "$sidecar" 2>/dev/null || true
    wait "$sidecar" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$work/key")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
signing_port="$(free_port)"
admin_port="$(free_port)"

"$bin" serve --upstream sandbox --auth-id 123456 --key-file "$work/key" --log-level error \
  --listen "127.0.0.1:$signing_port" --admin-listen "127.0.0.1:$admin_port" >"$work/log" 2>&1 &
sidecar=$!
for _ in $(seq 1 100); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$admin_port),timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done

echo "sidecar $("$bin" --version 2>/dev/null || echo) pid $sidecar, signing :$signing_port, admin :$admin_port, default settings"
timeout 180 python3 scripts/abuse.py "$sidecar" "$signing_port" "$admin_port"
