#!/usr/bin/env bash
# A payment status read (read payment) by the merchant's order id, through the
# freedompay-sidecar with curl (`gateway-full` preset).
#
#   SIDECAR_URL=http://127.0.0.1:18080 status.sh ORDER_ID
#
# Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 ORDER_ID" >&2; exit 2; }
order_id=$1
url="${SIDECAR_URL:-http://127.0.0.1:18080}/v5/g2g/read"
max_attempts=4

# A read moves no money: resending it is always safe, so it needs no Idempotency-Key (each
# attempt gets a fresh X-Request-Id). The order id goes into the JSON through python3's
# json module, not by pasting it into a string.
body="$(python3 -c 'import json, sys; print(json.dumps({"order_id": sys.argv[1]}))' "$order_id")"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ((attempt = 1; ; attempt++)); do
  # 000 = no HTTP answer at all (refused, reset, timed out): retryable like 502/503/504.
  status="$(curl -sS --connect-timeout 5 --max-time 30 -o "$tmp/body" -D "$tmp/headers" \
    -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-Action: gateway.payment.status' \
    --data-binary "$body" "$url")" || status=000
  case "$status" in
    502 | 503 | 504 | 000) ((attempt < max_attempts)) || break ;;
    *) break ;; # any other answer is final
  esac
  delay_ms=$((500 * (1 << (attempt - 1)) * (50 + RANDOM % 100) / 100))
  echo "attempt $attempt: status $status; retrying in ${delay_ms} ms" >&2
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
done

if [[ "$status" == 000 ]]; then
  echo "gave up after $max_attempts attempts" >&2
  exit 1
fi
echo "HTTP $status"
echo "x-request-id: $(tr -d '\r' <"$tmp/headers" 2>/dev/null | sed -n 's/^x-request-id: *//Ip' | tail -n 1)"
cat "$tmp/body"
echo
[[ "$status" == 2?? ]]
