"""The processes of the benchmark: nginx standing in for Freedom Pay, nginx proxy_pass, the
sidecar. Each runs in its own session so that stopping it also stops its children."""

import http.client
import os
import signal
import socket
import subprocess
import time
import uuid

import procfs

REFUND_PATH = "/v5/g2g/edit"
REFUND_BODY = b'{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'
REFUND_ANSWER = ('{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100,'
                 '"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000",'
                 '"status":"process","amount":-100}}')

# Every temporary path nginx would otherwise create under /var/lib/nginx goes to the work
# directory, so that nginx runs without root and leaves nothing behind.
_COMMON = """daemon off;
master_process on;
pid @WORK@/@NAME@.pid;
error_log @WORK@/@NAME@-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path @WORK@/@NAME@-tmp-body;
  proxy_temp_path @WORK@/@NAME@-tmp-proxy;
  fastcgi_temp_path @WORK@/@NAME@-tmp-fastcgi;
  uwsgi_temp_path @WORK@/@NAME@-tmp-uwsgi;
  scgi_temp_path @WORK@/@NAME@-tmp-scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
@HTTP@
}
"""

# Freedom Pay's answer to a refund: a static JSON body and the three x- headers.
# $time_iso8601 is local time; nginx runs with TZ=UTC and the map turns +00:00 into Z.
_UPSTREAM = """worker_processes 1;
  map $time_iso8601 $fp_datetime {
    "~^(?<utc>.{19})\\+00:00$" "${utc}Z";
    default $time_iso8601;
  }
  server {
    listen 127.0.0.1:@PORT@;
    location = @PATH@ {
      default_type application/json;
      add_header x-request-id $http_x_request_id always;
      add_header x-request-status success always;
      add_header x-datetime $fp_datetime always;
      return 200 '@ANSWER@';
    }
    location / { return 404; }
  }"""

# The reverse proxy a platform team would otherwise run: 2 workers, HTTP/1.1 keep-alive
# pool to the upstream.
_PROXY = """worker_processes 2;
  upstream freedompay {
    server 127.0.0.1:@UPSTREAM_PORT@;
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:@PORT@;
    location / {
      proxy_pass http://freedompay;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }"""


def free_port():
    """A loopback port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_config(work, name, port, upstream_port=None):
    if upstream_port is None:
        worker_line, http = _UPSTREAM.split("\n", 1)
    else:
        worker_line, http = _PROXY.split("\n", 1)
    text = worker_line + "\n" + _COMMON.replace("@HTTP@", http)
    for key, value in (("@WORK@", work), ("@NAME@", name), ("@PORT@", str(port)),
                       ("@UPSTREAM_PORT@", str(upstream_port)), ("@PATH@", REFUND_PATH),
                       ("@ANSWER@", REFUND_ANSWER)):
        text = text.replace(key, value)
    path = os.path.join(work, f"{name}.conf")
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    return path


class Process:
    """A started server. `pids()` is the set whose CPU, switches and memory are measured."""

    def __init__(self, name, argv, log_path, with_children=False, env=None):
        self.name = name
        self.with_children = with_children
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.log_path = log_path
        self.started = time.monotonic()
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True, env=env)

    def pids(self):
        pid = self.popen.pid
        return [pid] + (procfs.children(pid) if self.with_children else [])

    def check_alive(self):
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited with status {self.popen.returncode}; "
                               f"its output:\n{self.tail()}")

    def tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to the process group, SIGKILL after 5 s."""
        group = self.popen.pid  # its own session: the group id is its pid
        try:
            if self.popen.poll() is None:
                try:
                    os.killpg(group, signal.SIGTERM)
                    self.popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(group, signal.SIGKILL)
                    self.popen.wait()
            elif self.with_children:
                # The nginx master died on its own: its workers may still be in its group
                # (a group id is not reused while the group has members).
                os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._log.close()


def refund_request(port, timeout=2.0):
    """POST the refund body once, with a fresh Idempotency-Key (a refund without one is a
    428); the HTTP status, or None when nothing listens yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", REFUND_PATH, body=REFUND_BODY,
                     headers={"Content-Type": "application/json",
                              "Idempotency-Key": "bench-ready-" + uuid.uuid4().hex})
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionRefusedError, ConnectionResetError):
        return None
    finally:
        conn.close()


def wait_first_answer(process, port, limit=30.0):
    """Poll in a tight loop until a refund is answered 200; seconds since the exec."""
    while True:
        if refund_request(port) == 200:
            return time.monotonic() - process.started
        process.check_alive()
        if time.monotonic() - process.started > limit:
            raise RuntimeError(f"{process.name} did not answer a refund within {limit:.0f} s; "
                               f"its output:\n{process.tail()}")
        time.sleep(0.0005)
