"""Timing and memory measurement of one child process, plus facts about the machine.

Wall time comes from `time.perf_counter`; CPU time (user + system) and the
largest single-process resident set (`ru_maxrss`) come from `os.wait4` on the
child, which includes every descendant the child waited for. Because a
multi-process scanner's memory is the *sum* of its workers, a sampler thread
also reads the resident memory of the whole process tree from /proc every
50 ms (see `tree_rss_kb`) and keeps the peak.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_INTERVAL_S = 0.05


@dataclass(frozen=True)
class Sample:
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_mb: float  # largest single process in the tree (ru_maxrss)
    tree_rss_mb: float  # sampled peak of the whole tree's resident memory (0 if unavailable)
    exit_code: int

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                kids.extend(int(k) for k in handle.read().split())
        except (OSError, ValueError):
            continue
    return kids


def _rss_parts_kb(pid: int) -> tuple[int, int]:
    """(anonymous + shmem, file-backed) resident KiB of one process, from /proc/PID/status."""
    private = shared = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("RssAnon:", "RssShmem:")):
                    private += int(line.split()[1])
                elif line.startswith("RssFile:"):
                    shared = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return private, shared


def tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants, in KiB (0 off Linux).

    Anonymous memory is summed over the processes; file-backed pages (the
    interpreter, shared libraries), which forked workers share, are counted
    once (the largest process's). /proc/PID/status is cheap to read, unlike
    smaps_rollup, so sampling does not steal CPU from the process measured.
    """
    private_total, shared_max, todo, seen = 0, 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        private, shared = _rss_parts_kb(pid)
        private_total += private
        shared_max = max(shared_max, shared)
        todo.extend(_children(pid))
    return private_total + shared_max


class _PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.stop.wait(SAMPLE_INTERVAL_S)


def measure(
    cmd: list[str],
    cwd: Path,
    *,
    stdout: Path | None = None,
    stderr: Path | None = None,
    env: dict[str, str] | None = None,
) -> Sample:
    """Run `cmd` to completion and measure it; output goes to the given files or nowhere."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        sampler = _PeakSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for handle in (out, err):
            if not isinstance(handle, int):
                handle.close()
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    rss_kb = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Sample(
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        maxrss_mb=rss_kb / 1024,
        tree_rss_mb=sampler.peak_kb / 1024,
        exit_code=proc.returncode,
    )


@dataclass(frozen=True)
class Summary:
    """Medians over the runs of one measurement."""

    runs: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    tree_rss_mb: float
    wall_min_s: float
    wall_max_s: float
    samples: tuple[Sample, ...] = ()

    @classmethod
    def of(cls, samples: list[Sample]) -> Summary:
        walls = [s.wall_s for s in samples]
        return cls(
            runs=len(samples),
            wall_s=statistics.median(walls),
            cpu_s=statistics.median(s.cpu_s for s in samples),
            maxrss_mb=statistics.median(s.maxrss_mb for s in samples),
            tree_rss_mb=statistics.median(s.tree_rss_mb for s in samples),
            wall_min_s=min(walls),
            wall_max_s=max(walls),
            samples=tuple(samples),
        )


def machine_info() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except (OSError, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "nproc": str(usable or os.cpu_count() or "?"),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


class ForeignLoad:
    """How much CPU processes other than this harness and its children used meanwhile.

    Busy time of the whole machine (/proc/stat) minus this process's and its
    reaped children's CPU time: on a quiet machine it stays near 0.
    """

    def __init__(self) -> None:
        self.start = (time.monotonic(), self._busy_s(), self._own_s())

    @staticmethod
    def _busy_s() -> float:
        try:
            with open("/proc/stat", encoding="ascii") as handle:
                fields = [int(x) for x in handle.readline().split()[1:9]]
        except (OSError, ValueError):
            return 0.0
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_s() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
            resource.RUSAGE_CHILDREN
        )
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def share(self) -> float | None:
        """Foreign CPU time as a share of the machine's capacity since start (0..1)."""
        wall = time.monotonic() - self.start[0]
        busy = self._busy_s() - self.start[1]
        if wall <= 0 or busy <= 0:
            return None
        foreign = max(0.0, busy - (self._own_s() - self.start[2]))
        return foreign / (wall * (os.cpu_count() or 1))


def load_average() -> float | None:
    """The 1-minute load average: above about 0.5, something else is using the CPUs."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def tree_stats(tree: Path) -> tuple[int, int]:
    """(files, bytes) of a tree, leaving out .git directories."""
    files = size = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        if ".git" in dirnames:
            dirnames.remove(".git")
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files += 1
                size += os.path.getsize(path)
    return files, size


def warm_page_cache(tree: Path, *, with_git: bool = False) -> None:
    """Read every file once so no tool pays for the first cold read (.git too if asked:
    history scans read the object store, not the work tree)."""
    for dirpath, dirnames, filenames in os.walk(tree):
        if ".git" in dirnames and not with_git:
            dirnames.remove(".git")
        for name in filenames:
            try:
                with open(os.path.join(dirpath, name), "rb") as handle:
                    while handle.read(1 << 20):
                        pass
            except OSError:
                continue
