#!/usr/bin/env python3
"""A loopback front for the sidecar that loses the first answers, to prove clients retry.

For each Idempotency-Key, by attempt:
  1. the request is read and the connection closed without an answer (a network error);
  2. the request is forwarded to the sidecar (so the refund happens upstream), the answer is
     dropped and the client gets 504 upstream_timeout instead (an outcome it cannot know);
  3+ the request is forwarded and the sidecar's answer passed on.
A client that retries with the same key gets, on attempt 3, the same X-Request-Id as on
attempt 2 and so the original answer: one refund, not two.

    lossy_front.py --target http://127.0.0.1:PORT [--port 0] [--port-file FILE]

One line per request on stderr: key=… attempt=N outcome=reset|lost|passed x_request_id=…
"""

import argparse
import os
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PASSED_HEADERS = ("Content-Type", "X-Request-Id", "X-Request-Status", "X-Sidecar-Error")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        with self.server.lock:
            attempt = self.server.attempts.get(key, 0) + 1
            self.server.attempts[key] = attempt
        if attempt == 1:
            self.log(key, attempt, "reset", "-")
            self.close_connection = True
            return
        request = urllib.request.Request(
            self.server.target + self.path,
            data=body,
            method="POST",
            headers={name: self.headers[name] for name in ("Content-Type", "Idempotency-Key") if name in self.headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, answer = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, answer = error.code, error.headers, error.read()
        request_id = headers.get("X-Request-Id", "-")
        if attempt == 2:
            self.log(key, attempt, "lost", request_id)
            status, answer = 504, b'{"error":{"code":"upstream_timeout","message":"answer lost by lossy_front.py"}}'
            headers = {"Content-Type": "application/json", "X-Sidecar-Error": "upstream_timeout"}
        else:
            self.log(key, attempt, "passed", request_id)
        self.send_response(status)
        for name in PASSED_HEADERS:
            if headers.get(name) is not None:
                self.send_header(name, headers.get(name))
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log(self, key, attempt, outcome, request_id):
        print(f"key={key} attempt={attempt} outcome={outcome} x_request_id={request_id}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.target = args.target.rstrip("/")
    server.attempts = {}
    server.lock = threading.Lock()
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
