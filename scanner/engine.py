"""The engine: artifacts in, findings and notifications out.

Per artifact: read the bytes, drop binaries and nhiguard's own reports,
prefilter on every rule's keywords (most files stop here, undecoded), decode,
then run only the rules that can fire over a `Document` whose views are
parsed once. Each artifact has a time budget; one that exceeds it is
abandoned with a warning. Files are spread over worker processes in chunks;
results are sorted, so the output is the same for any `--jobs`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from .content import decode, is_own_report, needs_decoding
from .document import Document
from .filekinds import kind_of
from .finding import Finding, Notification, with_fingerprints
from .patterns import KeywordSet
from .policy import Policy
from .rule import Rule
from .sources import Artifact
from .suppress import apply_suppressions, report_bare_ignores

# Seconds one artifact may take (0: no limit); `--file-timeout` / `file-timeout`.
DEFAULT_FILE_TIMEOUT = 10.0
# Below this many files a process pool costs more than it saves.
INLINE_MAX_FILES = 64


@dataclass
class FileResult:
    uri: str
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    scanned: bool = False


@dataclass
class ScanResult:
    findings: list[Finding]
    notifications: list[Notification]
    files_listed: int
    files_scanned: int


# Inline suppressions are read even where no rule can fire, so a bare
# `nhiguard: ignore` is reported wherever it is.
DIRECTIVE_KEYWORD = "nhiguard:"


class Prefilter:
    """Which rules can fire on some bytes, from one pass over every keyword."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.keywords = KeywordSet([DIRECTIVE_KEYWORD, *(k for r in rules for k in r.keywords)])
        self._rule_words = [(r, frozenset(k.lower() for k in r.keywords)) for r in self.rules]

    def candidates(self, data: bytes, kind: str) -> tuple[list[Rule], bool]:
        """The rules that can fire, and whether the file holds a directive."""
        present = self.keywords.present(data)
        rules = [r for r, words in self._rule_words
                 if kind in r.file_kinds and (not words or not words.isdisjoint(present))]
        return rules, DIRECTIVE_KEYWORD in present


class FileTimeout(BaseException):
    """The artifact's time budget ran out. A BaseException, so a rule's own
    `except Exception` cannot swallow it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise FileTimeout


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise FileTimeout in this block after `seconds` (0: never).

    A timer signal interrupts Python code, which covers the rules and the
    pure-Python parsers. It needs the main thread; elsewhere (an embedding
    program's thread) the block runs unbounded.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def scan_artifact(artifact: Artifact, prefilter: Prefilter, file_timeout: float = 0) -> FileResult:
    """Scan one artifact within its time budget; never raises (a failure or
    an exceeded budget becomes a notification)."""
    try:
        with time_budget(file_timeout):
            return _scan_artifact(artifact, prefilter)
    except FileTimeout:
        return FileResult(artifact.uri, notifications=[Notification(
            artifact.uri, f"abandoned after {file_timeout:g} s (the per-file time budget, "
            "--file-timeout); its findings are not reported", "warning", kind="timeout")])


def _scan_artifact(artifact: Artifact, prefilter: Prefilter) -> FileResult:
    result = FileResult(artifact.uri)
    try:
        data = artifact.read()
    except OSError as exc:
        result.notifications.append(Notification(
            artifact.uri, f"could not read: {exc.strerror or exc}", "warning", kind="unreadable"))
        return result
    decoded = None
    if needs_decoding(data):  # UTF-16/32 or binary: the prefilter needs UTF-8 bytes
        decoded = decode(data)
        if decoded.text is None:
            result.notifications.append(Notification(
                artifact.uri, "skipped a binary file", "note", kind="binary"))
            return result
        data = decoded.text.encode("utf-8", "surrogatepass")
    if is_own_report(data):
        result.notifications.append(Notification(
            artifact.uri, "skipped a report written by nhiguard", "note", kind="own-report"))
        return result
    kind = kind_of(artifact.uri)
    rules, has_directive = prefilter.candidates(data, kind)
    result.scanned = True
    if not rules and not has_directive:
        return result
    decoded = decoded or decode(data)
    assert decoded.text is not None  # NUL-free bytes always decode (Latin-1 at worst)
    doc = Document(artifact.uri, decoded.text, kind)
    if decoded.encoding == "latin-1":
        doc.notify("not valid UTF-8; scanned as Latin-1", level="note", kind="encoding")
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(doc))
        except Exception as exc:  # one rule's bug must not lose the other rules' findings
            doc.notify(f"rule {rule.id} failed on this file: {type(exc).__name__}: {exc}",
                       level="error", kind="rule-error")
    findings = apply_suppressions(doc, findings)
    report_bare_ignores(doc)
    result.findings = with_fingerprints(findings)
    result.notifications = doc.notifications
    return result


# -- process pool -----------------------------------------------------------------------
_worker_prefilter: Prefilter | None = None
_worker_timeout: float = 0


def _init_worker(rule_classes: Sequence[type[Rule]], policy: Policy, file_timeout: float) -> None:
    global _worker_prefilter, _worker_timeout
    # Ctrl-C reaches the whole process group: the parent alone handles it and
    # stops the workers, so they do not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_prefilter = Prefilter([cls(policy) for cls in rule_classes])
    _worker_timeout = file_timeout


def _scan_chunk(chunk: Sequence[Artifact]) -> list[FileResult]:
    assert _worker_prefilter is not None
    return [scan_artifact(a, _worker_prefilter, _worker_timeout) for a in chunk]


def _chunks(artifacts: Sequence[Artifact], jobs: int) -> list[list[Artifact]]:
    """Balanced chunks: biggest files first, dealt round-robin, several chunks
    per worker so a slow chunk does not leave a core idle at the end."""
    count = max(1, min(len(artifacts), jobs * 16))
    ordered = sorted(artifacts, key=lambda a: a.size, reverse=True)
    return [c for c in (ordered[i::count] for i in range(count)) if c]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _ready(_: object) -> bool:
    return True


class WorkerPool:
    """Worker processes, forked when this is created.

    A caller that is about to grow (listing a large tree holds a record per
    file) creates the pool first, so the workers inherit a small heap and
    memory stays flat as trees grow. Use as a context manager or `close()`.
    """

    def __init__(self, rule_classes: Sequence[type[Rule]], policy: Policy, jobs: int,
                 file_timeout: float = DEFAULT_FILE_TIMEOUT) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.jobs = jobs
        self._stopped = False
        # Forked workers inherit everything the parent holds, and each worker's
        # cycle collector would walk all of it again and again (at 115,000 files
        # a third of the CPU time). Frozen objects are left alone by it.
        gc.freeze()
        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                         initargs=(tuple(rule_classes), policy, file_timeout))
        # The executor forks on first use: make that now, not after the caller grows.
        for ready in self._pool.map(_ready, [None] * jobs):
            assert ready
        gc.unfreeze()

    def map(self, chunks: list[list[Artifact]]) -> Iterator[list[FileResult]]:
        return self._pool.map(_scan_chunk, chunks)

    def close(self) -> None:
        if not self._stopped:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> None:
        """Stop now, abandoning work in progress (after Ctrl-C)."""
        self._stopped = True
        # The executor has no public way to end running calls; its processes do.
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            process.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.stop()
        else:
            self.close()


def iter_results(
    artifacts: Sequence[Artifact],
    rule_classes: Sequence[type[Rule]],
    policy: Policy,
    jobs: int,
    pool: WorkerPool | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
) -> Iterator[FileResult]:
    """File results as they complete (order not fixed; callers sort). With a
    `pool`, its workers do the work; else one is made for this scan if the
    scan is large enough to pay for it."""
    workers = pool.jobs if pool is not None else jobs
    if workers <= 1 or len(artifacts) <= INLINE_MAX_FILES:
        prefilter = Prefilter([cls(policy) for cls in rule_classes])
        for a in artifacts:
            yield scan_artifact(a, prefilter, file_timeout)
        return
    chunks = _chunks(artifacts, workers)
    gc.freeze()  # see WorkerPool: the parent's own collector need not walk the listing either
    try:
        if pool is not None:
            for chunk_results in pool.map(chunks):
                yield from chunk_results
            return
        with WorkerPool(rule_classes, policy, jobs, file_timeout) as own:
            for chunk_results in own.map(chunks):
                yield from chunk_results
    finally:
        gc.unfreeze()


def scan(
    artifacts: Sequence[Artifact],
    rule_classes: Sequence[type[Rule]],
    policy: Policy | None = None,
    jobs: int = 1,
    on_progress: Callable[[int], None] | None = None,
    pool: WorkerPool | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
) -> ScanResult:
    findings: list[Finding] = []
    notifications: list[Notification] = []
    scanned = 0
    for r in iter_results(artifacts, rule_classes, policy or Policy(), jobs, pool,
                           file_timeout):
        findings.extend(r.findings)
        notifications.extend(r.notifications)
        scanned += r.scanned
        if on_progress:
            on_progress(1)
    findings.sort(key=Finding.sort_key)
    notifications.sort(key=Notification.sort_key)
    return ScanResult(findings, notifications, len(artifacts), scanned)
