#!/usr/bin/env bash
# End-to-end: the callback handlers in examples/ (Python and Node) behind a real
# freedompay-sidecar's callback listener, driven by scripts/callback_client.py, which
# signs the callbacks and verifies the sidecar's signed XML answers with its own code.
# All on loopback; every process is stopped.
#
#   scripts/callback-roundtrip.sh [BINARY]      (default .build/debug/freedompay-sidecar)
#
# Per language: a Check (ok), a Check for an unknown order (rejected), a Result (recorded),
# the same Result again (the app sees X-FreedomPay-Repeat and answers "already recorded"),
# a Result with a wrong pg_sig (403, the app sees nothing), a payout post_link (passed
# through). A missing node is installed from Debian's packages; if it cannot be, the run fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$root/.build/debug/freedompay-sidecar}"
secret="callback-roundtrip-secret"
auth_id=123456

die() { echo "callback-roundtrip: $*" >&2; exit 1; }
[[ -x "$binary" ]] || die "no executable sidecar at $binary (build it, or pass its path)"
if ! command -v node >/dev/null; then
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then die "node is missing and cannot be installed here"; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0)); then
    for log in "$work"/*.log; do [[ -s "$log" ]] && { echo "--- $log (last 30 lines)"; tail -n 30 "$log"; }; done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { # $1 command, $2 what
  for _ in $(seq 100); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$2 did not start within 10 s"
}

(umask 077 && printf '%s' "$secret" >"$work/key")

run() { # $1 language, then the app's command (PORT and READY_FILE are appended)
  local language="$1"; shift
  local app_port callback_port admin_port listen_port
  app_port="$(free_port)"; callback_port="$(free_port)"; admin_port="$(free_port)"; listen_port="$(free_port)"
  "$@" "$app_port" "$work/$language.ready" 2>"$work/$language-app.log" &
  pids+=($!)
  wait_for "[[ -s '$work/$language.ready' ]]" "the $language app"
  cat >"$work/$language.json" <<JSON
{
  "listen": "127.0.0.1:$listen_port",
  "adminListen": "127.0.0.1:$admin_port",
  "callbackListen": "127.0.0.1:$callback_port",
  "callbacks": [
    {"path": "/freedompay/check", "forwardTo": "http://127.0.0.1:$app_port/freedompay/check"},
    {"path": "/freedompay/result", "forwardTo": "http://127.0.0.1:$app_port/freedompay/result"},
    {"path": "/freedompay/payout", "forwardTo": "http://127.0.0.1:$app_port/freedompay/payout", "answer": "pass-through"}
  ]
}
JSON
  "$binary" serve --config "$work/$language.json" --upstream sandbox --auth-id "$auth_id" --key-file "$work/key" \
    >"$work/$language-sidecar.log" 2>&1 &
  pids+=($!)
  wait_for "curl -fsS http://127.0.0.1:$admin_port/readyz" "the sidecar for $language"

  local base="http://127.0.0.1:$callback_port/freedompay" client=("python3" "$root/scripts/callback_client.py")
  local description
  "${client[@]}" "$base/check" check "$secret" ok pg_order_id=23 pg_payment_id=901 pg_amount=25 pg_currency=KZT pg_salt=s1 >/dev/null ||
    die "$language: check (ok)"
  "${client[@]}" "$base/check" check "$secret" rejected pg_order_id=99 pg_payment_id=902 pg_amount=25 pg_currency=KZT pg_salt=s2 >/dev/null ||
    die "$language: check (rejected)"
  local result=(pg_order_id=23 pg_payment_id=901 pg_amount=25 pg_currency=KZT pg_result=1 "pg_payment_date=2026-12-04 21:30:00" pg_salt=s3)
  description="$("${client[@]}" "$base/result" result "$secret" ok "${result[@]}")" || die "$language: result"
  [[ "$description" == "payment recorded" ]] || die "$language: result answered '$description'"
  description="$("${client[@]}" "$base/result" result "$secret" ok "${result[@]}")" || die "$language: repeated result"
  [[ "$description" == "already recorded" ]] || die "$language: repeated result answered '$description'"
  "${client[@]}" "$base/result" result "$secret" 403 pg_order_id=24 pg_amount=100 pg_result=1 pg_salt=s4 || die "$language: forged result"
  local forwarded
  forwarded="$(grep -c 'POST /freedompay/result' "$work/$language-app.log" || true)"
  [[ "$forwarded" == 2 ]] || die "$language: the app saw $forwarded result callbacks, expected 2 (the forged one must not arrive)"
  local payout
  payout="$(curl -sS -o - -w ' %{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "$(python3 -c 'import sys, urllib.parse; sys.path.insert(0, sys.argv[1]); from callback_client import pg_sig
f = [("pg_payment_id", "77"), ("pg_status", "ok"), ("pg_merchant_id", sys.argv[3]), ("pg_salt", "s5")]
print(urllib.parse.urlencode(f + [("pg_sig", pg_sig("payout", f, sys.argv[2]))]))' "$root/scripts" "$secret" "$auth_id")" \
    "$base/payout")"
  [[ "$payout" == *'"received": true'*' 200' || "$payout" == *'"received":true'*' 200' ]] || die "$language: payout answered '$payout'"
  echo "callback-roundtrip: $language ok (check ok/rejected, result, repeat, forged 403, payout pass-through)"
}

run python python3 "$root/examples/python/callback_app.py"
run node node "$root/examples/node/callback-app.js"
echo "callback-roundtrip: all passed"
