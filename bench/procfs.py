"""Readers for /proc: CPU time, context switches and resident memory of a set of processes.

A "process set" is a list of pids: the sidecar alone, or an nginx master with its workers.
Every reader tolerates a task that ends between listing and reading it.
"""

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path):
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name, which may contain spaces."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2:].split()


def machine_busy_seconds():
    """CPU time all CPUs spent busy (user, nice, system, irq, softirq) since boot, from
    /proc/stat. Tick-based accounting charges irq and softirq ticks to the interrupted task
    too, so these columns belong with the per-process times."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()  # "cpu user nice system idle iowait irq softirq ..."
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / CLOCK_TICKS


def children(pid):
    """Direct children of pid, found by scanning every process's parent id."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def cpu_seconds(pids):
    """User plus system CPU time of the processes (all their threads, live or ended)."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            # Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name.
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def tasks(pids):
    """(pid, tid) of every thread of the processes."""
    result = []
    for pid in pids:
        try:
            result.extend((pid, int(tid)) for tid in os.listdir(f"/proc/{pid}/task"))
        except FileNotFoundError:
            pass
    return result


def context_switches(pids):
    """Voluntary plus involuntary context switches of every live thread: {tid: count}."""
    counts = {}
    for pid, tid in tasks(pids):
        text = _read(f"/proc/{pid}/task/{tid}/status")
        if text is None:
            continue
        counts[tid] = sum(int(line.split()[1]) for line in text.splitlines()
                          if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))
    return counts


def rss_kib(pids):
    """Sum of VmRSS over the processes, in KiB (pages shared between them count twice)."""
    total = 0
    for pid in pids:
        text = _read(f"/proc/{pid}/status") or ""
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def pss_kib(pids):
    """Sum of the proportional set size (shared pages divided among their users), in KiB."""
    total = 0
    for pid in pids:
        text = _read(f"/proc/{pid}/smaps_rollup") or ""
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def thread_count(pids):
    return len(tasks(pids))


class Snapshot:
    """CPU time and per-thread context switches of a process set at one instant."""

    def __init__(self, pids):
        self.cpu = cpu_seconds(pids)
        self.switches = context_switches(pids)

    def delta(self, later):
        """(CPU seconds, context switches, threads that ended in between).

        Threads started in between count from zero. The switches a thread made between the
        first snapshot and its end are lost (an undercount), so callers report `ended`."""
        switches = sum(count - self.switches.get(tid, 0) for tid, count in later.switches.items())
        ended = len(self.switches.keys() - later.switches.keys())
        return later.cpu - self.cpu, switches, ended
