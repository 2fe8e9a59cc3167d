"""Tests for scripts/verifying_upstream.py: a known answer, then requests signed by hand.

    python3 -m unittest discover -s scripts/tests -v
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)
import verifying_upstream  # noqa: E402

KEY = b"test-merchant-secret"
# Exactly the header the sidecar must send for a refund (DESIGN.md), as a literal.
EDIT_HEADER = b'{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256"}'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_by_hand(body: bytes, key: bytes = KEY, header: bytes = EDIT_HEADER) -> str:
    signing_input = f"{b64(header)}.{b64(body)}".encode()
    return f"{b64(header)}..{b64(hmac.new(key, signing_input, hashlib.sha256).digest())}"


class KnownAnswer(unittest.TestCase):
    def test_card_api_vector(self):
        # Freedom Pay's Card API documentation example (HS512, key "secret").
        header = verifying_upstream.jose_header("/v5/card-api/request/status", "123456", "POST", "HS512", None)
        self.assertEqual(
            header, '{"uri":"/v5/card-api/request/status","auth_id":"123456","method":"POST","params":"","alg":"HS512"}'
        )
        jws = verifying_upstream.detached_jws(
            header, b'{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}', b"secret", "HS512"
        )
        self.assertEqual(
            jws.split("..")[1],
            "f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez-vnQMVHodLBDVEyh5Xm2-3MjQ",
        )

    def test_kid_follows_alg(self):
        header = verifying_upstream.jose_header("/v5/g2g/edit", "1", "POST", "HS256", "k1")
        self.assertTrue(header.endswith(',"alg":"HS256","kid":"k1"}'))


class AgainstServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        key_file = os.path.join(cls.tmp.name, "key")
        with open(key_file, "wb") as f:
            f.write(KEY + b"\n")  # the trailing newline is not part of the key
        port_file = os.path.join(cls.tmp.name, "port")
        cls.log = open(os.path.join(cls.tmp.name, "upstream.log"), "wb")
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(SCRIPTS, "verifying_upstream.py"), "--key-file", key_file,
             "--port-file", port_file],
            stderr=cls.log,
        )
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline or cls.proc.poll() is not None:
                raise RuntimeError("verifying_upstream.py did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            cls.base = f"http://127.0.0.1:{f.read().strip()}"

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(5)
        cls.log.close()
        cls.tmp.cleanup()

    def post(self, body: bytes, signature: str, action="gateway.payment.refund",
             request_id="0192a6f2-7c1e-7c3a-9f00-000000000001", path="/v5/g2g/edit"):
        req = urllib.request.Request(self.base + path, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Action": action, "X-Request-Id": request_id,
            "X-JWS-Signature": signature,
        })
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def test_good_signature_is_accepted(self):
        body = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":100}'
        status, headers, answer = self.post(body, sign_by_hand(body))
        self.assertEqual(status, 200, answer)
        self.assertEqual(headers["x-request-id"], "0192a6f2-7c1e-7c3a-9f00-000000000001")
        self.assertEqual(headers["x-request-status"], "success")
        self.assertRegex(headers["x-datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(answer["id"], "0192a6f2-0000-7000-8000-00000000abcd")
        self.assertEqual(answer["refund_payment"]["status"], "process")
        self.assertEqual(answer["refund_payment"]["amount"], -100)

    def test_same_request_id_returns_the_original_answer(self):
        rid = "0192a6f2-7c1e-7c3a-9f00-000000000002"
        body = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":5}'
        first = self.post(body, sign_by_hand(body), request_id=rid)[2]
        second = self.post(body, sign_by_hand(body), request_id=rid)[2]
        self.assertEqual(first, second)

    def test_body_bytes_matter(self):
        signed = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":100}'
        sent = b'{"id": "0192a6f2-0000-7000-8000-00000000abcd", "amount": 100}'  # same JSON, other bytes
        self.assertEqual(self.post(sent, sign_by_hand(signed))[0], 401)

    def test_wrong_key_is_rejected(self):
        body = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":100}'
        self.assertEqual(self.post(body, sign_by_hand(body, key=b"other"))[0], 401)

    def test_wrong_header_is_rejected(self):
        body = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":100}'
        reordered = b'{"auth_id":"123456","uri":"/v5/g2g/edit","method":"POST","params":"","alg":"HS256"}'
        self.assertEqual(self.post(body, sign_by_hand(body, header=reordered))[0], 401)

    def test_action_and_request_id_are_checked(self):
        body = b'{"id":"0192a6f2-0000-7000-8000-00000000abcd","amount":100}'
        self.assertEqual(self.post(body, sign_by_hand(body), action="gateway.payment.reverse")[0], 401)
        self.assertEqual(self.post(body, sign_by_hand(body), request_id="not-a-uuid")[0], 401)

    def test_unknown_route(self):
        self.assertEqual(self.post(b"{}", "x", path="/v5/g2g/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()
