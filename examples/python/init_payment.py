#!/usr/bin/env python3
"""A Merchant API payment (init_payment.php) through the freedompay-sidecar with requests.

The app sends the fields; the sidecar adds pg_merchant_id, pg_salt and pg_sig (the app holds
no key) and says in X-FreedomPay-Signature whether Freedom Pay's answer verified.

    SIDECAR_URL=http://127.0.0.1:18080 init_payment.py ORDER_ID AMOUNT DESCRIPTION

Prints the status, X-FreedomPay-Signature and the XML body; exits 0 on a 200 whose
signature verified, 1 otherwise.
"""

import os
import random
import sys
import time

import requests

SIDECAR_URL = os.environ.get("SIDECAR_URL", "http://127.0.0.1:18080").rstrip("/")
MAX_ATTEMPTS = 4


def init_payment(order_id: str, amount: str, description: str) -> requests.Response:
    # The Merchant API echoes no request id, so a payment is created again if this request
    # is resent after it reached Freedom Pay. Resend only what surely did not: the sidecar
    # refused the connection, or answered 503 (overloaded or not ready: nothing forwarded).
    # After a 502/504 or a timeout the outcome is unknown: look the order up
    # (get_status3.php with pg_order_id) instead of paying again.
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = requests.post(
                f"{SIDECAR_URL}/init_payment.php",
                data={"pg_order_id": order_id, "pg_amount": amount, "pg_description": description},
                headers={"Idempotency-Key": f"order-{order_id}-create"},
                timeout=(5, 30),  # longer than the sidecar's upstream timeout (20 s)
            )
        except requests.ConnectionError as error:
            if "refused" not in str(error) or attempt == MAX_ATTEMPTS:
                raise
            reason = "connection refused"
        else:
            if response.status_code != 503 or attempt == MAX_ATTEMPTS:
                return response
            reason = "503: nothing was forwarded"
        print(f"attempt {attempt}: {reason}; retrying", file=sys.stderr)
        time.sleep(random.uniform(0.2, 0.8))
    raise AssertionError("unreachable")


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[5], file=sys.stderr)
        return 2
    try:
        response = init_payment(*sys.argv[1:])
    except requests.RequestException as error:
        print(f"no answer: the payment may exist; check its status by pg_order_id ({error})", file=sys.stderr)
        return 1
    signature = response.headers.get("X-FreedomPay-Signature", "")
    print(f"HTTP {response.status_code}")
    print(f"X-FreedomPay-Signature: {signature}")
    print(response.text)
    return 0 if response.status_code == 200 and signature == "verified" else 1


if __name__ == "__main__":
    sys.exit(main())
