#!/usr/bin/env python3
"""The refund path on loopback: the sidecar against nginx proxy_pass, both in front of the
same nginx standing in for Freedom Pay, measured alternately in one run. Started by
bench/run.sh, which installs the tools and builds the binary. The report (Markdown) goes to
stdout, progress to stderr. Every process started here is stopped and the work directory
removed on exit, also on Ctrl-C, SIGTERM and SIGHUP."""

import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import procfs
import servers

HERE = os.path.dirname(os.path.abspath(__file__))
SIDECAR = "sidecar"
NGINX = "nginx proxy_pass"


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---- wrk -----------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(value, unit):
    return float(value) * _UNITS[unit]


def parse_wrk(text):
    def find(pattern):
        match = re.search(pattern, text, re.M)
        if match is None:
            raise RuntimeError(f"unexpected wrk output (no match for {pattern!r}):\n{text}")
        return match

    requests = int(find(r"^\s*(\d+) requests in ")[1])
    rate = float(find(r"^Requests/sec:\s+([\d.]+)")[1])
    p50 = find(r"^\s+50%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    p99 = find(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    errors = find(r"^bench-errors connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+)")
    non2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", text, re.M)
    return {
        "requests": requests,
        "rate": rate,
        "p50": _duration(*p50.groups()),
        "p99": _duration(*p99.groups()),
        "socket_errors": sum(int(n) for n in errors.groups()[:3]) + int(errors[5]),
        "non2xx": int(non2xx[1]) if non2xx else 0,
    }


def wrk(port, connections, seconds):
    threads = min(connections, 2)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-s", os.path.join(HERE, "refund.lua"), f"http://127.0.0.1:{port}{servers.REFUND_PATH}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def own_children_cpu():
    """CPU of this script and of the children it has waited for (wrk)."""
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    children_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(u.ru_utime + u.ru_stime for u in (self_usage, children_usage))


class Target:
    def __init__(self, name, process, port, upstream):
        self.name = name
        self.process = process
        self.port = port
        self.upstream = upstream

    def measure(self, connections, seconds):
        pids = self.process.pids()
        upstream_pids = self.upstream.pids()
        before = procfs.Snapshot(pids)
        ours_before = procfs.cpu_seconds(upstream_pids) + own_children_cpu()
        machine_before = procfs.machine_busy_seconds()
        started = time.monotonic()
        output = wrk(self.port, connections, seconds)
        elapsed = time.monotonic() - started
        machine_after = procfs.machine_busy_seconds()
        after = procfs.Snapshot(pids)
        ours_after = procfs.cpu_seconds(upstream_pids) + own_children_cpu()
        self.process.check_alive()
        result = parse_wrk(output)
        cpu, switches, ended = before.delta(after)
        requests = max(result["requests"], 1)
        result["cpu_us"] = cpu * 1e6 / requests
        result["switches"] = switches / requests
        result["threads_ended"] = ended
        # What else ran on the machine meanwhile (other users' work), in CPUs.
        others = (machine_after - machine_before) - cpu - (ours_after - ours_before)
        result["others"] = max(others, 0.0) / elapsed
        return result


# ---- starting the servers ------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="freedompay-bench-")
        # nginx workers run as nobody when started by root; they only need to traverse.
        os.chmod(self.work, 0o711)
        self.processes = []
        self.ports = set()

    def port(self):
        while True:
            port = servers.free_port()
            if port not in self.ports:
                self.ports.add(port)
                return port

    def start(self, name, argv, with_children=False, env=None):
        log_path = os.path.join(self.work, re.sub(r"\W+", "-", name) + f"-{len(self.processes)}.log")
        process = servers.Process(name, argv, log_path, with_children=with_children, env=env)
        self.processes.append(process)
        return process

    def stop(self, process):
        process.stop()
        self.processes.remove(process)

    def close(self):
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        shutil.rmtree(self.work, ignore_errors=True)

    def nginx(self, name, port, upstream_port=None):
        conf = servers.nginx_config(self.work, name, port, upstream_port)
        # -e: the error log before the configuration is read; nginx keeps only TZ from env.
        argv = [self.args.nginx, "-p", self.work + "/", "-c", conf,
                "-e", os.path.join(self.work, f"{name}-error.log")]
        return self.start(f"nginx {name}", argv, with_children=True,
                          env={"PATH": os.environ.get("PATH", ""), "TZ": "UTC"})

    def sidecar(self, upstream_port, key):
        port = self.port()
        argv = [self.args.sidecar, "serve", "--listen", f"127.0.0.1:{port}",
                "--admin-listen", f"127.0.0.1:{self.port()}",
                "--upstream", f"http://127.0.0.1:{upstream_port}",
                "--auth-id", "123456", "--key-file", key, "--log-level", "warning"]
        return self.start("sidecar", argv), port

    def ready_times(self, starter, runs):
        """Start `runs` times, each timed from the exec to the first answered refund; the
        last one is kept running."""
        times = []
        for run in range(runs):
            process, port = starter()
            times.append(servers.wait_first_answer(process, port))
            if run < runs - 1:
                self.stop(process)
        return times, process, port


# ---- the run -------------------------------------------------------------------------

def median(results, key):
    return statistics.median(r[key] for r in results)


def run(bench, args):
    upstream_port = bench.port()
    upstream = bench.nginx("upstream", upstream_port)
    servers.wait_first_answer(upstream, upstream_port)

    key = os.path.join(bench.work, "key")
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("bench-secret\n")

    log(f"timing {args.ready_runs} starts of each proxy (exec to first answered refund)")
    sidecar_ready, sidecar, sidecar_port = bench.ready_times(
        lambda: bench.sidecar(upstream_port, key), args.ready_runs)

    def start_proxy():
        port = bench.port()
        return bench.nginx("proxy", port, upstream_port), port
    nginx_ready, proxy, proxy_port = bench.ready_times(start_proxy, args.ready_runs)

    targets = [Target(SIDECAR, sidecar, sidecar_port, upstream),
               Target(NGINX, proxy, proxy_port, upstream)]
    time.sleep(1)
    idle_rss = {t.name: procfs.rss_kib(t.process.pids()) for t in targets}
    idle_pss = {t.name: procfs.pss_kib(t.process.pids()) for t in targets}
    idle_threads = {t.name: procfs.thread_count(t.process.pids()) for t in targets}
    idle_pids = {t.name: len(t.process.pids()) for t in targets}

    for target in targets:
        log(f"warm-up: {target.name}, 1 s at 16 connections")
        target.measure(16, 1)

    results = {}
    load_seconds = 0
    for round_index in range(args.rounds):
        for connections in args.connections:
            for target in targets:
                log(f"round {round_index + 1}/{args.rounds}: {target.name}, "
                    f"{connections} connections, {args.seconds} s")
                result = target.measure(connections, args.seconds)
                results.setdefault((target.name, connections), []).append(result)
                if target.name == SIDECAR:
                    load_seconds += args.seconds

    loaded_rss = {t.name: procfs.rss_kib(t.process.pids()) for t in targets}
    loaded_pss = {t.name: procfs.pss_kib(t.process.pids()) for t in targets}
    settle = settle_threads(targets, args.settle_seconds)
    log(f"idle: settled after {settle:.1f} s, now {args.idle_seconds:g} s of counting")
    before = {t.name: procfs.Snapshot(t.process.pids()) for t in targets}
    time.sleep(args.idle_seconds)
    idle = {}
    for target in targets:
        target.process.check_alive()
        cpu, switches, ended = before[target.name].delta(procfs.Snapshot(target.process.pids()))
        idle[target.name] = {"switches": switches, "cpu_ms": cpu * 1e3, "threads_ended": ended}

    return {
        "results": results,
        "ready": {SIDECAR: sidecar_ready, NGINX: nginx_ready},
        "idle_rss": idle_rss, "loaded_rss": loaded_rss, "load_seconds": load_seconds,
        "idle_pss": idle_pss, "loaded_pss": loaded_pss, "settle": settle,
        "idle_threads": idle_threads, "idle_pids": idle_pids, "idle": idle,
        "binary": binary_sizes(args.sidecar, bench.work),
    }


def settle_threads(targets, minimum, limit=20.0):
    """After the load, wait at least `minimum` seconds and then until no thread has ended
    for a whole second (thread pools shrink after load; a thread that ends inside the idle
    window takes its context switches with it). At most `limit` seconds; the time waited."""
    started = time.monotonic()
    time.sleep(minimum)

    def threads():
        return set(procfs.tasks([pid for t in targets for pid in t.process.pids()]))
    previous = threads()
    while time.monotonic() - started < limit:
        time.sleep(1)
        current = threads()
        if previous <= current:
            break
        previous = current
    return time.monotonic() - started


def binary_sizes(path, work):
    size = os.path.getsize(path)
    stripped = None
    if shutil.which("strip"):
        copy = os.path.join(work, "stripped")
        shutil.copyfile(path, copy)
        if subprocess.run(["strip", copy], capture_output=True, check=False).returncode == 0:
            stripped = os.path.getsize(copy)
        os.remove(copy)
    return size, stripped


# ---- the report ----------------------------------------------------------------------

def first_line(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def machine(args):
    def grep(path, key, separator=":"):
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    name, found, value = line.partition(separator)
                    if found and name.strip() == key:
                        return value.strip().strip('"')
        except OSError:
            pass
        return "?"

    cpus = len(os.sched_getaffinity(0))
    memory = grep("/proc/meminfo", "MemTotal")
    try:
        memory = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB"
    except ValueError:
        pass
    lines = [
        f"- CPU: {grep('/proc/cpuinfo', 'model name')}, nproc {cpus} (of {os.cpu_count()} online)",
        f"- Kernel: {os.uname().sysname} {os.uname().release} ({os.uname().machine}); "
        f"OS: {grep('/etc/os-release', 'PRETTY_NAME', '=')}; memory {memory}",
    ]
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:
            quota = f.read().split()
        if quota and quota[0] != "max":
            lines.append(f"- cgroup CPU quota: {int(quota[0]) / int(quota[1]):.2f} CPUs")
    except (OSError, ValueError, IndexError):
        pass
    lines.append(f"- Tools: {first_line(['wrk', '-v']).split(' Copyright')[0]}, "
                 f"{first_line([args.nginx, '-v']).replace('nginx version: ', '')}")
    lines.append(f"- Sidecar binary: {args.label}")
    return lines


def fmt_latency(seconds):
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def fmt_mib(kib):
    return f"{kib / 1024:.1f} MiB"


def fmt_ratio(a, b):
    return f"{a / b:.2f}×" if b else "–"


def report(args, data, load_before, load_after, started):
    out = []
    emit = out.append
    emit("### Machine\n")
    out.extend(machine(args))
    emit(f"- Load average (1 min) before the run {load_before:.2f}, after {load_after:.2f}; "
         f"wrk, both nginx and the sidecar share these CPUs")
    emit("")
    emit(f"### Load: {args.seconds} s per point, rounds: {args.rounds}, medians over rounds\n")
    emit("| connections | proxy | req/s | p50 | p99 | CPU µs/req | ctx switches/req | errors |")
    emit("|---:|---|---:|---:|---:|---:|---:|---:|")
    warnings = []
    results = data["results"]
    for connections in args.connections:
        row = {}
        for name in (SIDECAR, NGINX):
            rs = results[(name, connections)]
            row[name] = {k: median(rs, k) for k in ("rate", "p50", "p99", "cpu_us", "switches")}
            errors = sum(r["socket_errors"] + r["non2xx"] for r in rs)
            ended = sum(r["threads_ended"] for r in rs)
            disturbed = [r["others"] for r in rs if r["others"] > 0.1]
            if disturbed:
                warnings.append(f"{name}, {connections} connections: other work used up to "
                                f"{max(disturbed):.2f} CPUs during {len(disturbed)} of {len(rs)} rounds "
                                "(see Every round)")
            if ended:
                warnings.append(f"{name}, {connections} connections: {ended} thread(s) ended during "
                                "a measurement; their context switches are not counted")
            m = row[name]
            emit(f"| {connections} | {name} | {m['rate']:,.0f} | {fmt_latency(m['p50'])} | "
                 f"{fmt_latency(m['p99'])} | {m['cpu_us']:.1f} | {m['switches']:.2f} | {errors} |")
        s, n = row[SIDECAR], row[NGINX]
        emit(f"| {connections} | **sidecar / nginx** | **{fmt_ratio(s['rate'], n['rate'])}** | "
             f"**{fmt_ratio(s['p50'], n['p50'])}** | **{fmt_ratio(s['p99'], n['p99'])}** | "
             f"{fmt_ratio(s['cpu_us'], n['cpu_us'])} | {fmt_ratio(s['switches'], n['switches'])} | |")
    emit("")
    emit("### Footprint\n")
    emit(f"| | {SIDECAR} | {NGINX} |")
    emit("|---|---:|---:|")
    ready = data["ready"]

    def fmt_ready(times):
        ms = [t * 1e3 for t in times]
        return f"{statistics.median(ms):.1f} ms ({min(ms):.1f}–{max(ms):.1f})"
    emit(f"| exec → first answered refund, median of {args.ready_runs} starts (min–max) | "
         f"{fmt_ready(ready[SIDECAR])} | {fmt_ready(ready[NGINX])} |")
    pids = data["idle_pids"]
    def fmt_memory(kind):
        rss, pss = data[f"{kind}_rss"], data[f"{kind}_pss"]
        return (f"| {fmt_mib(rss[SIDECAR])} | {fmt_mib(rss[NGINX])} (sum over {pids[NGINX]} "
                f"processes; PSS {fmt_mib(pss[NGINX])}) |")
    emit(f"| idle RSS, 1 s after ready {fmt_memory('idle')}")
    emit(f"| RSS after load ({data['load_seconds']:.0f} s measured + 1 s warm-up) {fmt_memory('loaded')}")
    idle = data["idle"]
    emit(f"| context switches while idle, {args.idle_seconds:g} s (after {data['settle']:.0f} s settle) | "
         f"{idle[SIDECAR]['switches']} | {idle[NGINX]['switches']} |")
    emit(f"| CPU while idle, same {args.idle_seconds:g} s | {idle[SIDECAR]['cpu_ms']:.0f} ms | "
         f"{idle[NGINX]['cpu_ms']:.0f} ms |")
    emit(f"| threads when idle | {data['idle_threads'][SIDECAR]} | {data['idle_threads'][NGINX]} |")
    size, stripped = data["binary"]
    stripped_text = f" (stripped copy: {stripped / 1e6:.1f} MB)" if stripped else ""
    emit(f"| static release binary | {size / 1e6:.1f} MB{stripped_text} | |")
    for name in (SIDECAR, NGINX):
        if idle[name]["threads_ended"]:
            warnings.append(f"{name}: {idle[name]['threads_ended']} thread(s) ended while idle")
    emit("")
    emit("<details><summary>Every round</summary>\n")
    emit("| round | connections | proxy | req/s | p50 | p99 | CPU µs/req | ctx switches/req | errors "
         "| others' CPU |")
    emit("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for round_index in range(args.rounds):
        for connections in args.connections:
            for name in (SIDECAR, NGINX):
                r = results[(name, connections)][round_index]
                emit(f"| {round_index + 1} | {connections} | {name} | {r['rate']:,.0f} | "
                     f"{fmt_latency(r['p50'])} | {fmt_latency(r['p99'])} | {r['cpu_us']:.1f} | "
                     f"{r['switches']:.2f} | {r['socket_errors'] + r['non2xx']} | {r['others']:.2f} |")
    emit("\n</details>\n")
    emit(f"Each round measures every connection count, {SIDECAR} then {NGINX}; wrk uses "
         "min(connections, 2) threads and POSTs the refund body (bench/refund.lua). CPU: "
         "utime + stime from /proc/PID/stat over the wrk run, divided by the requests wrk "
         "completed (nginx: master and workers summed; the upstream nginx and wrk are not "
         "counted). Context switches: voluntary + involuntary from /proc/PID/task/*/status, "
         "summed over threads (nginx: over its processes). Errors: socket errors plus "
         "non-2xx answers. Others' CPU: CPUs busy (/proc/stat) with anything but the proxy "
         "under test, the upstream nginx, wrk and this script, averaged over the point: mostly "
         "other users' work that disturbed it (kernel threads count here too). Whole run: "
         f"{time.monotonic() - started:.0f} s.")
    for warning in warnings:
        emit(f"\n> note: {warning}")
    print("\n".join(out))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sidecar", required=True, help="the freedompay-sidecar binary")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--label", default="", help="what the binary is (commit)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per measured point")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="1 16 64")
    parser.add_argument("--ready-runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--settle-seconds", type=float, default=2)
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.replace(",", " ").split()]
    if args.seconds < 1 or args.rounds < 1 or args.ready_runs < 1 or not args.connections:
        parser.error("seconds, rounds, ready runs and connections must be at least 1")
    args.label = args.label or args.sidecar
    return args


def main():
    args = parse_args()

    def interrupted(signum, _frame):
        raise SystemExit(128 + signum)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    bench = Bench(args)
    try:
        data = run(bench, args)
    except RuntimeError as error:
        log(f"failed: {error}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        bench.close()
    report(args, data, load_before, os.getloadavg()[0], started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
