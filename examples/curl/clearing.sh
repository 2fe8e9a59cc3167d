#!/usr/bin/env bash
# A clearing (capture of a two-step payment) through the freedompay-sidecar with curl,
# retried safely (`gateway-full` preset).
#
#   SIDECAR_URL=http://127.0.0.1:18080 clearing.sh ORDER_ID PAYMENT_ID AMOUNT
#
# Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
set -euo pipefail
(($# == 3)) || { echo "usage: $0 ORDER_ID PAYMENT_ID AMOUNT" >&2; exit 2; }
order_id=$1 payment_id=$2 amount=$3
url="${SIDECAR_URL:-http://127.0.0.1:18080}/v5/g2g/edit"
max_attempts=4

# A payment is cleared once: the key names that operation, so every attempt (a retry here,
# a rerun after a crash, another replica) maps to the same X-Request-Id and Freedom Pay
# answers a repeat with the original result instead of capturing twice.
key="order-$order_id-clearing"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ((attempt = 1; ; attempt++)); do
  # 000 = no HTTP answer at all (refused, reset, timed out): retryable like 502/503/504.
  status="$(curl -sS --connect-timeout 5 --max-time 30 -o "$tmp/body" -D "$tmp/headers" \
    -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-Action: gateway.payment.clearing' \
    -H "Idempotency-Key: $key" --data-binary "{\"id\":\"$payment_id\",\"amount\":$amount}" "$url")" || status=000
  case "$status" in
    502 | 503 | 504 | 000) ((attempt < max_attempts)) || break ;;
    *) break ;; # any other answer is final: a 4xx will not change by resending it
  esac
  delay_ms=$((500 * (1 << (attempt - 1)) * (50 + RANDOM % 100) / 100))
  echo "attempt $attempt: status $status; retrying in ${delay_ms} ms with the same key" >&2
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
