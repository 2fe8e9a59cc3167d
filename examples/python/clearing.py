#!/usr/bin/env python3
"""A clearing (capture of a two-step payment) through the freedompay-sidecar with
requests, retried safely (`gateway-full` preset).

    SIDECAR_URL=http://127.0.0.1:18080 clearing.py ORDER_ID PAYMENT_ID AMOUNT

Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
"""

import json
import os
import random
import sys
import time

import requests

SIDECAR_URL = os.environ.get("SIDECAR_URL", "http://127.0.0.1:18080").rstrip("/")
RETRYABLE = {502, 503, 504}
MAX_ATTEMPTS = 4


def clearing(order_id: str, payment_id: str, amount) -> requests.Response:
    # A payment is cleared once: the key names that operation, so every attempt maps to the
    # same X-Request-Id and Freedom Pay answers a repeat with the original result.
    key = f"order-{order_id}-clearing"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = requests.post(
                f"{SIDECAR_URL}/v5/g2g/edit",
                json={"id": payment_id, "amount": amount},
                headers={"X-Action": "gateway.payment.clearing", "Idempotency-Key": key},
                timeout=(5, 30),
            )
        except requests.RequestException as error:
            if attempt == MAX_ATTEMPTS:
                raise
            reason = type(error).__name__
        else:
            if response.status_code not in RETRYABLE or attempt == MAX_ATTEMPTS:
                return response
            reason = f"status {response.status_code} {response.headers.get('X-Sidecar-Error', '')}"
        delay = 0.5 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        print(f"attempt {attempt}: {reason}; retrying in {delay:.2f} s with the same key", file=sys.stderr)
        time.sleep(delay)
    raise AssertionError("unreachable")


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    order_id, payment_id, amount = sys.argv[1:]
    try:
        response = clearing(order_id, payment_id, json.loads(amount))
    except requests.RequestException as error:
        print(f"gave up after {MAX_ATTEMPTS} attempts: {error}", file=sys.stderr)
        return 1
    print(f"HTTP {response.status_code}")
    print(f"x-request-id: {response.headers.get('x-request-id', '')}")
    print(response.text)
    return 0 if 200 <= response.status_code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
