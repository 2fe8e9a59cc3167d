"""A schemathesis check that OpenAPI cannot express (loaded by scripts/openapi-check.sh).

The spec describes each status as "the sidecar's error, or Freedom Pay's answer": which one
is told by the `X-Sidecar-Error` header. This check ties them together: with the header, the
body is exactly {"error": {"code": <the header>, "message": <string>}} and the status is the
code's (the ErrorNNN schema in openapi.yaml that lists the code); without it, the response
is the upstream's and its body must not look like a sidecar error.
"""

import json
import pathlib

import schemathesis
import yaml

_SPEC = yaml.safe_load((pathlib.Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())


def _status_of_codes(spec):
    statuses = {}
    for name, schema in spec["components"]["schemas"].items():
        if not (name.startswith("Error") and name[5:].isdigit()):
            continue
        code = schema["allOf"][1]["properties"]["error"]["properties"]["code"]
        for value in code.get("enum", [code.get("const")]):
            statuses[value] = int(name[5:])
    return statuses


STATUS_OF_CODE = _status_of_codes(_SPEC)
ALL_CODES = set(_SPEC["components"]["schemas"]["ErrorCode"]["enum"])
assert set(STATUS_OF_CODE) == ALL_CODES, "openapi.yaml: ErrorNNN schemas and ErrorCode disagree"


@schemathesis.check
def sidecar_error_consistency(ctx, response, case):
    """X-Sidecar-Error, the error body's code and the status agree."""
    values = response.headers.get("x-sidecar-error", [])
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if not values:
        code = body.get("error", {}).get("code") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
        if code in ALL_CODES:
            raise AssertionError(f"a sidecar error body (code {code!r}) without X-Sidecar-Error")
        return None
    if len(values) != 1:
        raise AssertionError(f"X-Sidecar-Error repeated: {values}")
    code = values[0]
    if code not in STATUS_OF_CODE:
        raise AssertionError(f"X-Sidecar-Error {code!r} is not a documented code")
    if response.status_code != STATUS_OF_CODE[code]:
        raise AssertionError(f"X-Sidecar-Error {code} with status {response.status_code}, documented {STATUS_OF_CODE[code]}")
    if not (isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], dict)
            and set(body["error"]) == {"code", "message"} and body["error"]["code"] == code
            and isinstance(body["error"]["message"], str)):
        raise AssertionError(f"X-Sidecar-Error {code} with body {response.content[:200]!r}")
    return None
