#!/usr/bin/env python3
"""A payment status read (read payment) by the merchant's order id, through the
freedompay-sidecar with requests (`gateway-full` preset).

    SIDECAR_URL=http://127.0.0.1:18080 status.py ORDER_ID

Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
"""

import os
import random
import sys
import time

import requests

SIDECAR_URL = os.environ.get("SIDECAR_URL", "http://127.0.0.1:18080").rstrip("/")
RETRYABLE = {502, 503, 504}
MAX_ATTEMPTS = 4


def status(order_id: str) -> requests.Response:
    # A read moves no money: resending it is always safe, so it needs no Idempotency-Key.
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = requests.post(
                f"{SIDECAR_URL}/v5/g2g/read",
                json={"order_id": order_id},
                headers={"X-Action": "gateway.payment.status"},
                timeout=(5, 30),
            )
        except requests.RequestException as error:
            if attempt == MAX_ATTEMPTS:
                raise
            reason = type(error).__name__
        else:
            if response.status_code not in RETRYABLE or attempt == MAX_ATTEMPTS:
                return response
            reason = f"status {response.status_code}"
        delay = 0.5 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        print(f"attempt {attempt}: {reason}; retrying in {delay:.2f} s", file=sys.stderr)
        time.sleep(delay)
    raise AssertionError("unreachable")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    try:
        response = status(sys.argv[1])
    except requests.RequestException as error:
        print(f"gave up after {MAX_ATTEMPTS} attempts: {error}", file=sys.stderr)
        return 1
    print(f"HTTP {response.status_code}")
    print(f"x-request-id: {response.headers.get('x-request-id', '')}")
    print(response.text)
    return 0 if 200 <= response.status_code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
