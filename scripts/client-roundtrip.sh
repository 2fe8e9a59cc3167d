#!/usr/bin/env bash
# End-to-end: curl and the Python, Node and Java example clients send unsigned refunds
# through a real freedompay-sidecar to scripts/verifying_upstream.py, which recomputes
# every signature independently. All on loopback; both processes are always stopped.
#
#   scripts/client-roundtrip.sh [BINARY]      (default .build/debug/freedompay-sidecar)
#
# Needs python3, node (>= 18), java (>= 17) and curl; installs nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$root/.build/debug/freedompay-sidecar}"
auth_id=123456

die() { echo "client-roundtrip: $*" >&2; exit 1; }

[[ -x "$binary" ]] || die "no executable sidecar at $binary (build it, or pass its path)"
missing=()
for tool in python3 node java curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing ${missing[*]} (Debian: apt-get install python3 nodejs openjdk-17-jdk-headless curl)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  die "node $(node --version) is too old: the Node client needs fetch (node >= 18)"

work="$(mktemp -d)"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0)); then
    for log in sidecar.log upstream.log; do
      [[ -s "$work/$log" ]] && { echo "--- $log (last 40 lines)"; tail -n 40 "$work/$log"; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_uuid() { cat /proc/sys/kernel/random/uuid; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

key="$work/merchant-key"
(umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$key")
chmod 600 "$key"

python3 "$root/scripts/verifying_upstream.py" --port 0 --port-file "$work/upstream.port" \
  --auth-id "$auth_id" --key-file "$key" --alg HS256 2>"$work/upstream.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/upstream.port" ]] && break; sleep 0.1; done
[[ -s "$work/upstream.port" ]] || die "verifying_upstream.py did not start within 10 s"
upstream_port="$(cat "$work/upstream.port")"

listen_port="$(free_port)"
admin_port="$(free_port)"
while [[ "$admin_port" == "$listen_port" ]]; do admin_port="$(free_port)"; done

"$binary" serve --upstream "http://127.0.0.1:$upstream_port" --auth-id "$auth_id" \
  --key-file "$key" --listen "127.0.0.1:$listen_port" --admin-listen "127.0.0.1:$admin_port" \
  >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
pids+=("$sidecar_pid")

deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; do
  kill -0 "$sidecar_pid" 2>/dev/null || die "the sidecar exited before it was ready"
  ((SECONDS < deadline)) || die "the sidecar was not ready within 20 s"
  sleep 0.2
done
echo "sidecar ready on 127.0.0.1:$listen_port (admin $admin_port), upstream 127.0.0.1:$upstream_port"

export SIDECAR_URL="http://127.0.0.1:$listen_port"
passed=0
failed=0
check() {
  local name="$1"; shift
  echo "== $name"
  if "$@" >"$work/$name.out" 2>&1; then
    passed=$((passed + 1))
    sed 's/^/   /' "$work/$name.out"
  else
    failed=$((failed + 1))
    sed 's/^/   /' "$work/$name.out"
    echo "   FAILED: $name" >&2
  fi
}

has_refund_status() {
  python3 -c 'import json, sys
answer = json.load(open(sys.argv[1]))
sys.exit(0 if answer["refund_payment"].get("status") is not None else 1)' "$1"
}

# POST with curl; $1 = idempotency key, $2 = output prefix. Prints status, headers, body.
curl_refund() {
  local code
  code="$(curl -sS --max-time 30 -o "$work/$2.body" -D "$work/$2.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $1" \
    --data-binary "{\"id\":\"$payment_id\",\"amount\":250}" "$SIDECAR_URL/v5/g2g/edit")"
  cat "$work/$2.headers" "$work/$2.body"
  echo
  [[ "$code" == 200 ]] && has_refund_status "$work/$2.body"
}

header_value() { tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -n 1; }

# The same Idempotency-Key twice: the sidecar must derive the same X-Request-Id, so the
# upstream (idempotent per request id) returns the original answer again.
idempotent_replay() {
  local key
  key="$(new_uuid)"
  curl_refund "$key" first && curl_refund "$key" second || return 1
  local first_id second_id
  first_id="$(header_value "$work/first.headers" x-request-id)"
  second_id="$(header_value "$work/second.headers" x-request-id)"
  echo "x-request-id: $first_id / $second_id"
  [[ -n "$first_id" && "$first_id" == "$second_id" ]] && cmp -s "$work/first.body" "$work/second.body"
}

# Every request the upstream saw carried a valid signature.
upstream_verified_all() {
  local ok bad
  ok="$(grep -c 'signature=ok result=200' "$work/upstream.log" || true)"
  bad="$(grep -c 'result=40' "$work/upstream.log" || true)"
  echo "upstream: $ok verified, $bad rejected"
  ((ok >= 6 && bad == 0))
}

payment_id="$(new_uuid)"
check curl curl_refund "$(new_uuid)" curl
check idempotent-replay idempotent_replay
check python python3 "$root/scripts/clients/refund_client.py" --id "$payment_id" --amount 100 --idempotency-key "$(new_uuid)"
check node node "$root/scripts/clients/refund_client.js" --id "$payment_id" --amount 100 --idempotency-key "$(new_uuid)"
check java java "$root/scripts/clients/RefundClient.java" --id "$payment_id" --amount 100 --idempotency-key "$(new_uuid)"
check upstream-verified-all upstream_verified_all

echo "client-roundtrip: $passed passed, $failed failed"
((failed == 0))
