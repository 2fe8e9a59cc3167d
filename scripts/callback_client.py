#!/usr/bin/env python3
"""Plays Freedom Pay against the sidecar's callback listener, with its own pg_sig code.

    callback_client.py URL SCRIPT SECRET EXPECT [FIELD=VALUE ...]

Signs the fields as "Signature generation" describes (md5 of the script name, the values
sorted by name, and the secret, joined with ';'), POSTs them urlencoded to URL, and checks
the answer: EXPECT 'ok'/'rejected'/'error' wants a 200 XML <response> with that pg_status,
our pg_salt echoed and a pg_sig that verifies for SCRIPT; EXPECT '403' sends a wrong pg_sig
and wants a 403. Prints pg_description; exits 0 when the answer is as expected.
Independent of the sidecar's code, so that the round trip checks it from outside.
"""

import hashlib
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree


def pg_sig(script: str, fields: list, secret: str) -> str:
    values = [value for _, value in sorted(((n, v) for n, v in fields if n != "pg_sig"), key=lambda f: f[0])]
    return hashlib.md5(";".join([script, *values, secret]).encode("utf-8")).hexdigest()


def main() -> int:
    url, script, secret, expect = sys.argv[1:5]
    fields = [tuple(arg.split("=", 1)) for arg in sys.argv[5:]]
    signature = pg_sig(script, fields, secret)
    if expect == "403":
        signature = "0" * 32
    body = urllib.parse.urlencode(fields + [("pg_sig", signature)]).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    if expect == "403":
        if status != 403:
            print(f"expected 403, got {status}: {data[:200]!r}", file=sys.stderr)
            return 1
        return 0
    if status != 200:
        print(f"expected 200, got {status}: {data[:200]!r}", file=sys.stderr)
        return 1
    root = ElementTree.fromstring(data)
    answer = [(child.tag, child.text or "") for child in root]
    given = dict(answer)
    salt = dict(fields).get("pg_salt")
    checks = [
        (root.tag == "response", "the root is <response>"),
        (given.get("pg_status") == expect, f"pg_status is {expect}"),
        (given.get("pg_salt") == salt, "our pg_salt is echoed"),
        (given.get("pg_sig") == pg_sig(script, answer, secret), "pg_sig verifies"),
    ]
    for passed, what in checks:
        if not passed:
            print(f"answer check failed: {what}: {data!r}", file=sys.stderr)
            return 1
    print(given.get("pg_description", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
