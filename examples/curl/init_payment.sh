#!/usr/bin/env bash
# A Merchant API payment (init_payment.php) through the freedompay-sidecar with curl: the
# app sends the fields; the sidecar adds pg_merchant_id, pg_salt and pg_sig (the app holds
# no key) and says in X-FreedomPay-Signature whether Freedom Pay's answer verified.
#
#   SIDECAR_URL=http://127.0.0.1:18080 init_payment.sh ORDER_ID AMOUNT DESCRIPTION
#
# Prints the status, X-FreedomPay-Signature and the XML body; exits 0 on a 200 whose
# signature verified, 1 otherwise.
set -euo pipefail
(($# == 3)) || { echo "usage: $0 ORDER_ID AMOUNT DESCRIPTION" >&2; exit 2; }
order_id=$1 amount=$2 description=$3
url="${SIDECAR_URL:-http://127.0.0.1:18080}/init_payment.php"
max_attempts=4

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ((attempt = 1; ; attempt++)); do
  # The Merchant API echoes no request id, so a payment is created again if this request is
  # resent after it reached Freedom Pay. Resend only what surely did not: the sidecar could
  # not be reached (curl exit 7), or it answered 503 (overloaded or not ready: nothing was
  # forwarded). After a 502/504 or a timeout the outcome is unknown: look the order up
  # (get_status3.php with pg_order_id) instead of paying again.
  rc=0
  status="$(curl -sS --connect-timeout 5 --max-time 30 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
    -H "Idempotency-Key: order-$order_id-create" \
    --data-urlencode "pg_order_id=$order_id" --data-urlencode "pg_amount=$amount" \
    --data-urlencode "pg_description=$description" "$url")" || rc=$?
  if ((rc == 7)) || [[ "$status" == 503 ]]; then
    ((attempt < max_attempts)) || break
    echo "attempt $attempt: nothing was sent (curl exit $rc, status $status); retrying" >&2
    sleep "0.$((2 + RANDOM % 6))"
    continue
  fi
  break
done
if ((rc != 0)); then
  echo "no answer (curl exit $rc): the payment may exist; check its status by pg_order_id" >&2
  exit 1
fi
signature="$(sed -n 's/^[Xx]-[Ff]reedom[Pp]ay-[Ss]ignature: *\([a-z]*\).*/\1/p' "$tmp/headers")"
echo "HTTP $status"
echo "X-FreedomPay-Signature: $signature"
cat "$tmp/body"
echo
[[ "$status" == 200 && "$signature" == verified ]]
