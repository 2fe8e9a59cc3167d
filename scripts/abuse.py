#!/usr/bin/env python3
"""The two attacks of issue #16 against a running sidecar, with figures (scripts/abuse.sh
starts the sidecar and calls this).

  abuse.py PID SIGNING_PORT ADMIN_PORT

1. Memory: 1,000 connections each send a refund head declaring a 65,536-byte body and then
   65,535 bytes of it (one short), pushed as fast as the sidecar takes them for 12 s (past
   the 10 s header timeout). Sampled every 100 ms: the sidecar's RSS and the receive queues
   of its sockets on the signing port (/proc/net/tcp rx_queue, bytes the kernel holds
   unread). Meanwhile another caller sends a refund every 200 ms on a fresh connection and
   must get 200, or 503 `overloaded`, within 5 s. Then the attackers close, and idle RSS is
   read 5 s later.
2. Slots and probes: 1,100 connections that never send a byte on the signing listener and
   200 on the admin listener; after 1.2 s (so that they count as silent), /healthz and
   /readyz must answer 200 within 1 s and a refund must succeed, all while they stay open.

Prints one line per figure and exits 1 if a target is missed. Bounded: about 35 s.
"""

import os
import selectors
import socket
import sys
import threading
import time
import uuid

RSS_TARGET = 64 << 20
RSS_PLUS_QUEUES_TARGET = 96 << 20
IDLE_RSS_TARGET = 24 << 20
PAYMENT_ID = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"


def rss_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def receive_queue_bytes(port):
    """Unread bytes the kernel holds for sockets whose local port is `port` (IPv4)."""
    total = 0
    with open("/proc/net/tcp", encoding="ascii") as f:
        next(f)
        for line in f:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            if local_port == port and fields[3] != "0A":  # not the listening socket
                total += int(fields[4].split(":")[1], 16)
    return total


def refund_request(key):
    body = ('{"id":"%s","amount":1}' % PAYMENT_ID).encode()
    head = (
        "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def exchange(port, request, timeout):
    """Sends `request` on a new connection; returns (status, seconds) or (None, seconds)."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(request)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
            code = None
            if status == 503:
                while b"X-Sidecar-Error" not in data and time.monotonic() - started < timeout:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                for line in data.split(b"\r\n"):
                    if line.lower().startswith(b"x-sidecar-error:"):
                        code = line.split(b":", 1)[1].strip().decode()
            return status, code, time.monotonic() - started
    except OSError:
        return None, None, time.monotonic() - started


def other_caller(port, stop, results):
    n = 0
    while not stop.is_set():
        n += 1
        status, code, seconds = exchange(port, refund_request(f"abuse-other-{uuid.uuid4()}"), timeout=5)
        results.append((status, code, seconds))
        stop.wait(0.2)


def memory_attack(pid, port, connections=1000, push_seconds=12.0):
    baseline = rss_bytes(pid)
    head = (
        "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Idempotency-Key: abuse-memory\r\nContent-Length: 65536\r\n\r\n"
    ).encode()
    payload = head + b"{" * 65535
    sel = selectors.DefaultSelector()
    offsets = {}
    for _ in range(connections):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        offsets[s] = 0
        sel.register(s, selectors.EVENT_WRITE)
    stop = threading.Event()
    answers = []
    caller = threading.Thread(target=other_caller, args=(port, stop, answers))
    caller.start()
    peak_rss = peak_sum = peak_queues = 0
    started = time.monotonic()
    next_sample = started
    while time.monotonic() - started < push_seconds:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                sent = s.send(payload[offsets[s]:])
                offsets[s] += sent
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                sent = -1
            if sent < 0 or offsets[s] >= len(payload):
                sel.unregister(s)
        if time.monotonic() >= next_sample:
            next_sample += 0.1
            rss, queues = rss_bytes(pid), receive_queue_bytes(port)
            peak_rss, peak_queues, peak_sum = max(peak_rss, rss), max(peak_queues, queues), max(peak_sum, rss + queues)
    stop.set()
    caller.join()
    fully_sent = sum(1 for s, o in offsets.items() if o >= len(payload))
    for s in offsets:
        s.close()
    sel.close()
    time.sleep(5)  # the figure is idle memory 5 s after the attack, not a synchronization
    idle = rss_bytes(pid)
    return baseline, peak_rss, peak_queues, peak_sum, idle, answers, fully_sent


def silent_connections(port, count):
    opened = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        opened.append(s)
    return opened


def still_open(sockets):
    """Connections the sidecar has not closed (a closed one reads EOF or a reset)."""
    n = 0
    for s in sockets:
        try:
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            n += 1
            continue
        except OSError:
            continue
    return n


def probe(port, path):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    status, _, seconds = exchange(port, request, timeout=5)
    return status, seconds


def slots_attack(pid, signing_port, admin_port):
    before = rss_bytes(pid)
    signing = silent_connections(signing_port, 1100)
    admin = silent_connections(admin_port, 200)
    time.sleep(1.2)  # the attackers must have been silent for 1 s to count as such
    health = probe(admin_port, "/healthz")
    ready = probe(admin_port, "/readyz")
    refund_status, _, refund_seconds = exchange(signing_port, refund_request(f"abuse-slots-{uuid.uuid4()}"), timeout=5)
    open_signing, open_admin = still_open(signing), still_open(admin)
    during = rss_bytes(pid)
    for s in signing + admin:
        s.close()
    return health, ready, (refund_status, refund_seconds), open_signing, open_admin, before, during


def mib(n):
    return f"{n / (1 << 20):.1f} MiB"


def main():
    pid, signing_port, admin_port = (int(a) for a in sys.argv[1:4])
    ok = True

    def check(label, passed):
        nonlocal ok
        ok = ok and passed
        print(f"  {'ok  ' if passed else 'FAIL'} {label}")

    print("1. memory: 1,000 connections x (65,536-byte body minus one byte), 12 s")
    baseline, peak_rss, peak_queues, peak_sum, idle, answers, fully_sent = memory_attack(pid, signing_port)
    print(f"  RSS before {mib(baseline)}; attackers that got their whole 65,535 bytes in: {fully_sent}")
    check(f"peak RSS {mib(peak_rss)} <= 64 MiB", peak_rss <= RSS_TARGET)
    check(f"peak RSS + receive queues {mib(peak_sum)} <= 96 MiB (queues alone peaked at {mib(peak_queues)})",
          peak_sum <= RSS_PLUS_QUEUES_TARGET)
    statuses = {}
    for status, code, _ in answers:
        label = f"{status} {code}" if code else str(status)
        statuses[label] = statuses.get(label, 0) + 1
    slowest = max((s for _, _, s in answers), default=0)
    answered = all(status == 200 or (status == 503 and code == "overloaded") for status, code, _ in answers)
    check(f"other caller: {len(answers)} refunds, answers {statuses}, slowest {slowest * 1000:.0f} ms",
          answered and len(answers) > 0 and statuses.get("200", 0) > 0)
    check(f"idle RSS 5 s after {mib(idle)} <= 24 MiB", idle <= IDLE_RSS_TARGET)

    print("2. slots: 1,100 silent connections on the signing listener, 200 on the admin listener")
    health, ready, refund, open_signing, open_admin, before, during = slots_attack(pid, signing_port, admin_port)
    print(f"  silent connections still open at the end: signing {open_signing}, admin {open_admin}")
    print(f"  RSS {mib(before)} before, {mib(during)} with them open"
          f" ({(during - before) / max(open_signing + open_admin, 1) / 1024:.1f} KiB per connection)")
    check(f"/healthz {health[0]} in {health[1] * 1000:.0f} ms", health[0] == 200 and health[1] <= 1)
    check(f"/readyz {ready[0]} in {ready[1] * 1000:.0f} ms", ready[0] == 200 and ready[1] <= 1)
    check(f"refund {refund[0]} in {refund[1] * 1000:.0f} ms", refund[0] == 200)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
