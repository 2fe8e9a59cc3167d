#!/usr/bin/env python3
"""A loopback stand-in for Freedom Pay's g2g API that checks every signature.

It shares no code with the sidecar: for each POST it rebuilds the JOSE header from its
own settings, signs the raw body it received, and compares the result with
X-JWS-Signature in constant time. It also checks X-Action (per path: ACTIONS) and
X-Request-Id. Mismatch: 401 JSON. Match: 200 with a body like the real API's (a refund,
a clearing, a payment status). A repeated X-Request-Id gets the original response back
(the API's documented idempotency).

    verifying_upstream.py --key-file KEY [--auth-id 123456] [--alg HS256] [--kid K]
                          [--port 0] [--port-file FILE]

One line per request goes to stderr. With --port 0 the chosen port is written to
--port-file (written only once the socket listens).
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
REFUND_ACTION = "gateway.payment.refund"
CLEARING_ACTION = "gateway.payment.clearing"
STATUS_ACTION = "gateway.payment.status"
ACTIONS = {"/v5/g2g/edit": {REFUND_ACTION, CLEARING_ACTION}, "/v5/g2g/read": {STATUS_ACTION}}
ROUTES = set(ACTIONS)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jose_header(uri: str, auth_id: str, method: str, alg: str, kid: str | None) -> str:
    """The header JSON exactly as Freedom Pay specifies it: compact, in this field order."""
    fields = [("uri", uri), ("auth_id", auth_id), ("method", method), ("params", ""), ("alg", alg)]
    if kid:
        fields.append(("kid", kid))
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in fields) + "}"


def detached_jws(header: str, body: bytes, key: bytes, alg: str) -> str:
    protected = b64url(header.encode("utf-8"))
    signing_input = f"{protected}.{b64url(body)}".encode("ascii")
    signature = hmac.new(key, signing_input, HASHES[alg]).digest()
    return f"{protected}..{b64url(signature)}"


def read_key(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read().rstrip(b" \t\r\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "verifying-upstream/1"

    def log_message(self, fmt, *args):  # silence the default access log
        pass

    def log(self, **fields):
        line = " ".join(f"{k}={v}" for k, v in fields.items())
        sys.stderr.write(f"verifying_upstream: {line}\n")
        sys.stderr.flush()

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_json(self, status: int, payload, extra_headers=()):
        body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status: int, code: str, message: str):
        self.send_json(status, {"error": {"code": code, "message": message}})

    def do_GET(self):
        if self.path == "/healthz":
            self.send_json(200, {"status": "ok"})
        else:
            self.error(404, "not_found", "unknown route")

    def do_POST(self):
        cfg = self.server.cfg
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        if path not in ROUTES:
            self.log(path=path, result="404")
            return self.error(404, "not_found", "unknown route")

        request_id = self.headers.get("X-Request-Id", "")
        action = self.headers.get("X-Action", "")
        received = self.headers.get("X-JWS-Signature", "")
        header = jose_header(path, cfg.auth_id, "POST", cfg.alg, cfg.kid)
        expected = detached_jws(header, body, cfg.key, cfg.alg)
        signature_ok = hmac.compare_digest(received.encode("ascii", "replace"), expected.encode("ascii"))

        problems = []
        if not signature_ok:
            problems.append("signature")
            received_header = received.split(".", 1)[0]
            if received_header != expected.split(".", 1)[0]:
                try:
                    decoded = base64.urlsafe_b64decode(received_header + "=" * (-len(received_header) % 4))
                    problems.append(f"header={decoded.decode('utf-8', 'replace')!r}")
                except ValueError:
                    problems.append("header=undecodable")
        if action not in ACTIONS[path]:
            problems.append(f"x-action={action!r}")
        if not UUID_RE.match(request_id):
            problems.append(f"x-request-id={request_id!r}")

        self.log(
            path=path,
            request_id=request_id or "-",
            action=action or "-",
            body_bytes=len(body),
            signature="ok" if signature_ok else "MISMATCH",
            result="401" if problems else "200",
            **({"problems": ";".join(problems)} if problems else {}),
        )
        if problems:
            return self.error(401, "unauthorized", "request verification failed: " + ", ".join(p.split("=")[0] for p in problems))

        with self.server.lock:
            stored = self.server.responses.get(request_id)
            if stored is None:
                try:
                    fields = json.loads(body)
                    if action == STATUS_ACTION:
                        answer = {"id": fields.get("id") or str(uuid.uuid4()), "status": "paid", "amount": 10000}
                        if "order_id" in fields:
                            answer["order_id"] = fields["order_id"]
                    elif action == CLEARING_ACTION:
                        answer = {"id": fields["id"], "status": "paid", "amount": 10000, "clearing_amount": fields["amount"]}
                    else:
                        payment_id, amount = fields["id"], fields["amount"]
                        answer = {
                            "id": payment_id,
                            "amount": 10000,
                            "refund_payment": {"id": str(uuid.uuid4()), "status": "process", "amount": -amount},
                        }
                except (ValueError, KeyError, TypeError, AttributeError):
                    return self.error(400, "bad_request", "unexpected body for " + action)
                stored = json.dumps(answer, separators=(",", ":")).encode()
                self.server.responses[request_id] = stored
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.send_json(
            200,
            stored,
            [("x-request-id", request_id), ("x-request-status", "success"), ("x-datetime", now)],
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--auth-id", default="123456")
    parser.add_argument("--key-file", required=True)
    parser.add_argument("--alg", default="HS256", choices=sorted(HASHES))
    parser.add_argument("--kid")
    cfg = parser.parse_args()
    cfg.key = read_key(cfg.key_file)
    if not cfg.key:
        parser.error("the key file is empty")

    server = ThreadingHTTPServer(("127.0.0.1", cfg.port), Handler)
    server.daemon_threads = True
    server.cfg = cfg
    server.lock = threading.Lock()
    server.responses = {}
    port = server.server_address[1]
    if cfg.port_file:
        tmp = cfg.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, cfg.port_file)
    sys.stderr.write(f"verifying_upstream: listening on 127.0.0.1:{port} auth_id={cfg.auth_id} alg={cfg.alg}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
