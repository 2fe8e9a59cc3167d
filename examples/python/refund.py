#!/usr/bin/env python3
"""A refund through the freedompay-sidecar with requests, retried safely.

    SIDECAR_URL=http://127.0.0.1:18080 refund.py ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT

Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
"""

import json
import os
import random
import sys
import time

import requests

SIDECAR_URL = os.environ.get("SIDECAR_URL", "http://127.0.0.1:18080").rstrip("/")
RETRYABLE = {502, 503, 504}  # upstream unreachable/bad answer, overloaded/not ready, timeout
MAX_ATTEMPTS = 4


def refund(order_id: str, refund_number: str, payment_id: str, amount) -> requests.Response:
    # The key names the business operation, not the HTTP request: every attempt at this
    # refund (a retry here, a rerun after a crash, another replica) sends the same key, the
    # sidecar maps it to the same X-Request-Id, and Freedom Pay answers a repeated id with
    # the original result instead of refunding twice. A fresh uuid4() per call would not.
    key = f"order-{order_id}-refund-{refund_number}"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = requests.post(
                f"{SIDECAR_URL}/v5/g2g/edit",
                json={"id": payment_id, "amount": amount},
                headers={"Idempotency-Key": key},
                timeout=(5, 30),  # longer than the sidecar's upstream timeout (20 s)
            )
        except requests.RequestException as error:  # refused, reset, timed out
            if attempt == MAX_ATTEMPTS:
                raise
            reason = type(error).__name__
        else:
            # Any other answer is final: a 4xx will not change by resending it.
            if response.status_code not in RETRYABLE or attempt == MAX_ATTEMPTS:
                return response
            reason = f"status {response.status_code} {response.headers.get('X-Sidecar-Error', '')}"
        # Exponential backoff (0.5 s, 1 s, 2 s) with jitter so replicas spread out.
        delay = 0.5 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        print(f"attempt {attempt}: {reason}; retrying in {delay:.2f} s with the same key", file=sys.stderr)
        time.sleep(delay)
    raise AssertionError("unreachable")


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    order_id, refund_number, payment_id, amount = sys.argv[1:]
    try:
        response = refund(order_id, refund_number, payment_id, json.loads(amount))
    except requests.RequestException as error:
        print(f"gave up after {MAX_ATTEMPTS} attempts: {error}", file=sys.stderr)
        return 1
    print(f"HTTP {response.status_code}")
    print(f"x-request-id: {response.headers.get('x-request-id', '')}")
    print(response.text)
    return 0 if 200 <= response.status_code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
