#!/usr/bin/env python3
"""Freedom Pay's callbacks, as an app behind the freedompay-sidecar's callback listener.

    callback_app.py PORT [READY_FILE]

The sidecar verified pg_sig before forwarding: this app holds no key and checks no
signature. It trusts a request only when the sidecar says so (X-FreedomPay-Signature:
verified, a header the sidecar removes from what Freedom Pay or anyone else sends), reads
the fields from the same form Freedom Pay sent, and answers JSON; the sidecar turns the
JSON into the signed XML Freedom Pay expects. Standard library only.

Listens on 127.0.0.1 only: the sidecar is the only client.
"""

import json
import sys
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Orders this shop sells, and what it has recorded as paid (an app keeps these in its database).
ORDERS = {"23": "25", "24": "100"}
paid = {}
lock = threading.Lock()


def form_fields(content_type: str, body: bytes, query: str) -> dict:
    """The callback's fields: the query string of a GET, else the urlencoded or multipart body."""
    if not body:
        return dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        return {part.get_param("name", header="content-disposition"): part.get_content() for part in message.iter_parts()}
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class CallbackHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.handle_callback()

    def do_POST(self):
        self.handle_callback()

    def handle_callback(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        # Only the sidecar sets this, after it checked pg_sig with the merchant's secret.
        if self.headers.get("X-FreedomPay-Signature") != "verified":
            return self.send_json(403, {"error": "not verified by the sidecar"})
        url = urlsplit(self.path)
        fields = form_fields(self.headers.get("Content-Type", ""), body, url.query)
        repeat = self.headers.get("X-FreedomPay-Repeat") == "true"
        order, amount = fields.get("pg_order_id"), fields.get("pg_amount")
        if url.path.endswith("/check"):
            # "Check request": can this order still be paid, for this amount?
            if ORDERS.get(order) == amount:
                return self.send_json(200, {"pg_status": "ok", "pg_description": "order can be paid"})
            return self.send_json(200, {"pg_status": "rejected", "pg_description": "unknown order or amount"})
        if url.path.endswith("/result"):
            # "Result notify": record the outcome once; a repeat gets the same answer.
            with lock:
                first = order not in paid
                if first and fields.get("pg_result") == "1":
                    paid[order] = fields.get("pg_payment_id")
            description = "already recorded" if repeat or not first else "payment recorded"
            return self.send_json(200, {"pg_status": "ok", "pg_description": description})
        if url.path.endswith("/payout"):
            # "Payout notify" asks only for a 200; the sidecar passes this answer through.
            return self.send_json(200, {"received": True})
        if url.path.endswith("/success"):
            # "Redirect back": the buyer's browser; the Result URL, not this, is what counts.
            return self.send_json(200, {"order": order, "thanks": True})
        return self.send_json(404, {"error": "no such callback"})

    def send_json(self, status: int, value: dict):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write("callback_app: " + (format % args) + "\n")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), CallbackHandler)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as ready:
            ready.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
