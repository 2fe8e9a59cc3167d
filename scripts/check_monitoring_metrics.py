#!/usr/bin/env python3
"""Every metric named in the dashboard and alert rules appears in a real sidecar's /metrics.

Usage: check_monitoring_metrics.py BINARY DASHBOARD.json RULES.yaml

Starts BINARY on the sandbox upstream with ephemeral ports, sends one refund and one request
the sidecar refuses (so that labelled series exist too), reads /metrics, and checks that
each `freedompay_sidecar_*` name in the files is a metric family there (a histogram's
`_bucket`, `_sum` and `_count` belong to its family) and, for the label values the files
match on exactly (`source`, `result`, `code`), that the sidecar can emit them.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

NAME = re.compile(r"\bfreedompay_sidecar_[a-z0-9_]+")
SUFFIXES = ("_bucket", "_sum", "_count")


def named_metrics(*paths):
    names = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if path.endswith(".json"):
            json.loads(text)  # the dashboard must be valid JSON
        names.update(NAME.findall(text))
    return names


def start_sidecar(binary, key_path):
    process = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--upstream", "sandbox",
         "--auth-id", "123456", "--key-file", key_path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("FREEDOMPAY_")})
    for line in process.stdout:
        event = json.loads(line)
        if event.get("message") == "sidecar started":
            return process, event["listen"], event["admin_listen"]
        if event.get("level") == "critical":
            break
    process.kill()
    raise SystemExit(f"check-monitoring: the sidecar did not start: {process.stderr.read()}")


def post(listen, headers, body):
    request = urllib.request.Request(f"http://{listen}/v5/g2g/edit", data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    binary, *files = sys.argv[1:]
    wanted = named_metrics(*files)
    if not wanted:
        raise SystemExit("check-monitoring: no freedompay_sidecar_* metric named in " + ", ".join(files))
    with tempfile.TemporaryDirectory() as directory:
        key_path = os.path.join(directory, "key")
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as key:
            key.write(os.urandom(32).hex().encode())
        process, listen, admin = start_sidecar(binary, key_path)
        try:
            body = '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'
            assert post(listen, {"Idempotency-Key": "check-monitoring-1"}, body) == 200
            assert post(listen, {"Idempotency-Key": "check-monitoring-2", "X-Action": "gateway.payment.reverse"}, body) == 403
            with urllib.request.urlopen(f"http://{admin}/metrics", timeout=10) as response:
                exposition = response.read().decode()
        finally:
            process.terminate()
            process.wait(timeout=30)
    families = {}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            families[name] = kind
    missing = []
    for name in sorted(wanted):
        family = name
        for suffix in SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in families:
                family = name[: -len(suffix)]
        if family not in families:
            missing.append(name)
        elif family != name and families[family] != "histogram":
            missing.append(f"{name} ({family} is a {families[family]}, not a histogram)")
    if missing:
        raise SystemExit("check-monitoring: named in the dashboard or rules but not in /metrics: " + ", ".join(missing))
    for series in ['source="upstream"', 'source="sidecar"', 'result="failure"', 'code="action_not_allowed"']:
        if series not in exposition:
            raise SystemExit(f"check-monitoring: no series with {series} in /metrics")
    # Each X-Sidecar-Error code the files match on is one the sidecar has.
    codes_source = os.path.join(os.path.dirname(__file__), "..", "Sources", "Sidecar", "SidecarErrorCode.swift")
    with open(codes_source, encoding="utf-8") as handle:
        source = handle.read()
    known_codes = set(re.findall(r'case \w+ = "([a-z0-9_]+)"', source)) | set(re.findall(r"case (\w+)$", source, re.M))
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for code in re.findall(r'code=\\?"([a-z0-9_]+)\\?"', handle.read()):
                if code not in known_codes:
                    raise SystemExit(f"check-monitoring: {path} matches code=\"{code}\", which is no X-Sidecar-Error code")
    print(f"check-monitoring: all {len(wanted)} metric names of the dashboard and rules are in /metrics: {', '.join(sorted(wanted))}")


if __name__ == "__main__":
    main()
