"""Stopping a worker process stuck where the time budget's signal cannot reach.

The per-file time budget is a timer signal, and a signal's Python handler
only runs when the interpreter gets control back. Code in a C extension that
loops without returning to Python, or a read that never returns (a hung
network file system), holds the worker past any budget. So each worker
writes into memory shared with the parent which file it is scanning and
since when; a thread in the parent looks every so often, and a worker still
on one file long past its budget, in wall-clock time, is killed. The pool then replaces its
workers and the parent hands out the remaining files again (engine.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
from multiprocessing.context import BaseContext

URI_BYTES = 1024


def hard_limit(file_timeout: float) -> float:
    """Wall-clock seconds after which a worker still on one file is killed.
    The budget counts CPU time; this leaves the timer signal time to work
    first even on a machine whose cores are shared four ways."""
    return file_timeout * 4 + 1


class Slots:
    """One record per worker: its pid, the file it is on, and since when
    (a monotonic clock, shared by all processes; 0 while idle)."""

    def __init__(self, ctx: BaseContext, jobs: int) -> None:
        self.jobs = jobs
        self._lock = ctx.Lock()
        self._claimed = ctx.RawValue(ctypes.c_int, 0)
        self._pids = ctx.RawArray(ctypes.c_long, jobs)
        self._starts = ctx.RawArray(ctypes.c_double, jobs)
        self._uris = ctx.RawArray(ctypes.c_char, jobs * URI_BYTES)

    def reset(self) -> None:
        """Forget every worker (before a new set of workers starts)."""
        with self._lock:
            self._claimed.value = 0
            for i in range(self.jobs):
                self._pids[i] = 0
                self._starts[i] = 0.0

    def claim(self) -> int:
        """In a worker: take a free record, once, at start-up."""
        with self._lock:
            index = self._claimed.value % self.jobs
            self._claimed.value += 1
        self._pids[index] = os.getpid()
        return index

    def begin(self, index: int, uri: str) -> None:
        """In a worker: it starts on `uri` now."""
        self._starts[index] = 0.0  # never a new file name with an old start time
        name = uri.encode("utf-8", "surrogateescape")[: URI_BYTES - 1] + b"\0"
        ctypes.memmove(ctypes.addressof(self._uris) + index * URI_BYTES, name, len(name))
        self._starts[index] = time.monotonic()

    def idle(self, index: int) -> None:
        self._starts[index] = 0.0

    def overdue(self, limit: float) -> list[tuple[int, int, str]]:
        """(index, pid, uri) of every worker on one file for over `limit` s."""
        now = time.monotonic()
        late = []
        for index in range(self.jobs):
            start = self._starts[index]
            if start and now - start > limit and self._pids[index]:
                raw = ctypes.string_at(ctypes.addressof(self._uris) + index * URI_BYTES)
                late.append((index, self._pids[index], raw.decode("utf-8", "surrogateescape")))
        return late


class Watchdog:
    """A parent-side thread that kills workers stuck on one file; `stuck`
    lists the files they were on, for the caller to report."""

    def __init__(self, slots: Slots, limit: float) -> None:
        self.slots = slots
        self.limit = limit
        self.stuck: list[str] = []
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._halt.clear()
        self._thread = threading.Thread(target=self._run, name="nhiguard-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def take_stuck(self) -> list[str]:
        stuck, self.stuck = self.stuck, []
        return stuck

    def _run(self) -> None:
        period = min(1.0, self.limit / 4)
        while not self._halt.wait(period):
            for index, pid, uri in self.slots.overdue(self.limit):
                self.stuck.append(uri)
                self.slots.idle(index)
                with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
