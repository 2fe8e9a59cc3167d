#!/usr/bin/env python3
"""Sends one unsigned refund to the sidecar: POST $SIDECAR_URL/v5/g2g/edit.

    SIDECAR_URL=http://127.0.0.1:18080 refund_client.py [--id UUID] [--amount N] [--idempotency-key K]

Prints the status, response headers and body. Exits 0 only on HTTP 200 with a JSON body
that has refund_payment.status.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--id", default=str(uuid.uuid4()), help="payment id (a UUID)")
    parser.add_argument("--amount", type=int, default=100)
    parser.add_argument("--idempotency-key", default=str(uuid.uuid4()))
    args = parser.parse_args()

    base = os.environ.get("SIDECAR_URL", "http://127.0.0.1:18080").rstrip("/")
    body = json.dumps({"id": args.id, "amount": args.amount}, separators=(",", ":")).encode()
    request = urllib.request.Request(
        f"{base}/v5/g2g/edit",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": args.idempotency_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # a non-2xx answer still has headers and a body
        status, headers, raw = error.code, error.headers, error.read()
    except (urllib.error.URLError, OSError) as error:
        print(f"request failed: {error}", file=sys.stderr)
        return 1

    print(f"HTTP {status}")
    for name, value in headers.items():
        print(f"{name}: {value}")
    print()
    print(raw.decode("utf-8", "replace"))

    try:
        answer = json.loads(raw)
        refund_status = answer["refund_payment"]["status"]
    except (ValueError, KeyError, TypeError):
        refund_status = None
    if status != 200 or refund_status is None:
        print("refund_client.py: FAILED (want HTTP 200 with refund_payment.status)", file=sys.stderr)
        return 1
    print(f"refund_client.py: OK, refund_payment.status={refund_status}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
