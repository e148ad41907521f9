"""The engine: artifacts in, findings and notifications out.

Per artifact: read the bytes, drop binaries and nhiguard's own reports,
prefilter on every rule's keywords (most files stop here, undecoded) and,
on test code, drop the structural rules (`Rule.scans_tests`), decode,
then run only the rules that can fire over a `Document` whose views are
parsed once, then keep one finding per span where rules declare precedence
(`apply_precedence`) before inline suppressions apply. Each artifact has a
time budget; one that exceeds it is abandoned with a warning. Files are
spread over worker processes in chunks;
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
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from .content import decode, is_own_report, needs_decoding
from .document import Document
from .filekinds import kind_of
from .finding import Finding, Notification, with_fingerprints
from .patterns import KeywordSet
from .policy import Policy
from .registry import all_rule_classes
from .rule import Rule
from .sources import Artifact
from .suppress import apply_suppressions, report_bare_ignores
from .testpaths import is_test_path
from .watchdog import Slots, Watchdog, hard_limit

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
    blob: str | None = None  # the artifact's, so versions of one path stay apart


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
        # Only worth judging paths when a selected rule skips test code.
        self._judge_tests = (not any(r.policy.include_tests for r in self.rules)
                             and not all(r.scans_tests for r in self.rules))
        # For suppressions: which rules ran, and which exist at all.
        self.rule_ids = frozenset(r.id for r in self.rules)
        self.known_ids = frozenset(r.id for r in all_rule_classes())
        self.superseded_by = {r.id: frozenset(r.superseded_by) for r in self.rules}
        # One search finds every rule's keywords, the kind-specific ones too.
        by_kind = [getattr(r, "kind_keywords", {}) for r in self.rules]  # optional on a rule
        self.keywords = KeywordSet([DIRECTIVE_KEYWORD, *(k for r in rules for k in r.keywords),
                                    *(k for kinds in by_kind for ks in kinds.values() for k in ks)])
        self._rule_words = [(r, _lowered(r.keywords),
                             {kind: _lowered(ks) for kind, ks in kinds.items()})
                            for r, kinds in zip(self.rules, by_kind, strict=True)]
        self._for_kind: dict[str, list[tuple[Rule, frozenset[str]]]] = {}

    def _rules_reading(self, kind: str) -> list[tuple[Rule, frozenset[str]]]:
        """The rules that read a file kind, with their keywords for it (made once a kind)."""
        found = self._for_kind.get(kind)
        if found is None:
            found = self._for_kind[kind] = [(r, by_kind.get(kind, general))
                                            for r, general, by_kind in self._rule_words
                                            if kind in r.file_kinds]
        return found

    def candidates(self, data: bytes, kind: str, test_code: bool = False) -> tuple[list[Rule], bool]:
        """The rules that can fire, and whether the file holds a directive.
        On test code only the rules that scan tests can fire."""
        present = self.keywords.present(data)
        rules = [r for r, words in self._rules_reading(kind)
                 if (not words or not words.isdisjoint(present)) and (r.scans_tests or not test_code)]
        return rules, DIRECTIVE_KEYWORD in present

    def is_test_code(self, artifact: Artifact) -> bool:
        """Is this artifact test code the structural rules skip? (Never asked
        when the policy includes tests or every selected rule scans them.)"""
        return self._judge_tests and is_test_path(artifact.uri, artifact.root)


def _lowered(keywords: Sequence[str]) -> frozenset[str]:
    return frozenset(k.lower() for k in keywords)


class FileTimeout(BaseException):
    """The artifact's time budget ran out. A BaseException, so a rule's own
    `except Exception` cannot swallow it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise FileTimeout


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise FileTimeout in this block after `seconds` of CPU time (0: never).

    CPU time, not wall-clock time: on a loaded machine (a shared CI runner) a
    file must not be abandoned because other processes had the cores. A
    profiling timer signal interrupts Python code, which covers the rules
    and the pure-Python parsers. It needs the main thread; elsewhere (an
    embedding program's thread) the block runs unbounded.
    """
    if (seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def overlaps(a: Finding, b: Finding) -> bool:
    """Do two findings of one file cover a common character?

    A finding's span runs from (line, column) up to, not including,
    (end_line, end_column); two spans overlap when each starts before the
    other ends. A rule reports a literal secret with the span of its value,
    so two rules that report the same value overlap, as do a key and a
    longer value that holds it (`Bearer <key>`, a URL with the key in it).
    """
    return ((a.line, a.column) < (b.end_line, b.end_column)
            and (b.line, b.column) < (a.end_line, a.end_column))


def apply_precedence(findings: list[Finding], superseded_by: dict[str, frozenset[str]]) -> list[Finding]:
    """Drop each finding that a superseding rule also reported.

    A finding of rule R goes when a finding of a rule R names in
    `superseded_by` overlaps it. Only rules that ran have findings here, so a
    rule run without the rules that supersede it keeps everything it sees.
    Every finding that was reported counts as a superseder, even one that is
    itself superseded, so one span gets one finding whatever the chain.
    """
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    kept = []
    for f in findings:
        rivals = [g for rid in superseded_by.get(f.rule_id, ()) for g in by_rule.get(rid, ())]
        if not any(overlaps(f, g) for g in rivals):
            kept.append(f)
    return kept


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block with the cycle collector off, as it was after.

    Parsing a file makes tens of thousands of objects that live until the file
    is done; the collector, triggered every few hundred allocations, would walk
    them again and again (a sixth of a history scan's CPU time). The file's
    views are dropped at its end (`Document.close`), so reference counting
    frees them, and the first collection after the block finds what is left
    in one pass.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan_artifact(artifact: Artifact, prefilter: Prefilter, file_timeout: float = 0) -> FileResult:
    """Scan one artifact within its time budget; never raises (a failure or
    an exceeded budget becomes a notification)."""
    try:
        with collector_paused(), time_budget(file_timeout):
            return _scan_artifact(artifact, prefilter)
    except FileTimeout:
        return timed_out(artifact, file_timeout)


def timed_out(artifact: Artifact, file_timeout: float) -> FileResult:
    uri = artifact.uri
    return FileResult(uri, blob=artifact.blob, notifications=[Notification(
        uri, f"abandoned after {file_timeout:g} s (the per-file time budget, --file-timeout); "
        "its findings are not reported", "warning", kind="timeout")])


def _scan_artifact(artifact: Artifact, prefilter: Prefilter) -> FileResult:
    result = FileResult(artifact.uri, blob=artifact.blob)
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
    kind = artifact.kind or kind_of(artifact.uri)
    rules, has_directive = prefilter.candidates(data, kind, prefilter.is_test_code(artifact))
    if artifact.secret_store:
        rules = [r for r in rules if not r.literal_secret]
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
    findings = apply_precedence(findings, prefilter.superseded_by)
    if has_directive:  # no `nhiguard:` in the file, so no ignore to read
        findings = apply_suppressions(doc, findings, prefilter.rule_ids, prefilter.known_ids)
        report_bare_ignores(doc)
    result.findings = with_fingerprints(findings)
    result.notifications = doc.notifications
    doc.close()
    return result


# -- process pool -----------------------------------------------------------------------
_worker_prefilter: Prefilter | None = None
_worker_timeout: float = 0
_worker_slots: Slots | None = None
_worker_slot = 0


def _init_worker(rule_classes: Sequence[type[Rule]], policy: Policy, file_timeout: float,
                 slots: Slots) -> None:
    global _worker_prefilter, _worker_timeout, _worker_slots, _worker_slot
    # Ctrl-C reaches the whole process group: the parent alone handles it and
    # stops the workers, so they do not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_prefilter = Prefilter([cls(policy) for cls in rule_classes])
    _worker_timeout = file_timeout
    _worker_slots, _worker_slot = slots, slots.claim()


def _scan_chunk(chunk: Sequence[Artifact]) -> list[FileResult]:
    assert _worker_prefilter is not None and _worker_slots is not None
    results = []
    for a in chunk:
        _worker_slots.begin(_worker_slot, a.uri)  # for the parent's watchdog
        results.append(scan_artifact(a, _worker_prefilter, _worker_timeout))
    _worker_slots.idle(_worker_slot)
    return results


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

    With a time budget, a watchdog kills a worker stuck on one file where the
    budget's signal cannot reach (see watchdog.py); `map` then starts new
    workers, reports that file as abandoned and scans the rest.
    """

    def __init__(self, rule_classes: Sequence[type[Rule]], policy: Policy, jobs: int,
                 file_timeout: float = DEFAULT_FILE_TIMEOUT) -> None:
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.jobs = jobs
        self.file_timeout = file_timeout
        self._stopped = False
        self._slots = Slots(self._ctx, jobs)
        self._initargs = (tuple(rule_classes), policy, file_timeout, self._slots)
        self._watchdog = Watchdog(self._slots, hard_limit(file_timeout)) if file_timeout > 0 else None
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # Forked workers inherit everything the parent holds, and each worker's
        # cycle collector would walk all of it again and again (at 115,000 files
        # a third of the CPU time). Frozen objects are left alone by it.
        gc.freeze()
        pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=self._ctx,
                                   initializer=_init_worker, initargs=self._initargs)
        # The executor forks on first use: make that now, not after the caller grows.
        for ready in pool.map(_ready, [None] * self.jobs):
            assert ready
        gc.unfreeze()
        if self._watchdog is not None:  # after the fork: a child needs no copy of its thread
            self._watchdog.start()
        return pool

    def map(self, chunks: list[list[Artifact]]) -> Iterator[list[FileResult]]:
        """Results chunk by chunk, in order; files whose worker the watchdog
        killed come as timed-out results, and the files lost with that
        worker's pool are scanned again by new workers."""
        pending = chunks
        while pending:
            done = 0
            try:
                for results in self._pool.map(_scan_chunk, pending):
                    done += 1
                    yield results
                return
            except BrokenProcessPool:
                stuck = set(self._watchdog.take_stuck()) if self._watchdog is not None else set()
                if not stuck:
                    raise  # a worker died of something else: the scan failed
            self._restart()
            # The watchdog knows a file by its path: every pending version of it goes.
            left = [a for chunk in pending[done:] for a in chunk]
            yield [timed_out(a, self.file_timeout)
                   for a in sorted((a for a in left if a.uri in stuck), key=lambda a: a.uri)]
            rest = [a for a in left if a.uri not in stuck]
            pending = _chunks(rest, self.jobs) if rest else []

    def _restart(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._slots.reset()
        self._pool = self._start()

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
        if not self._stopped:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> None:
        """Stop now, abandoning work in progress (after Ctrl-C)."""
        self._stopped = True
        if self._watchdog is not None:
            self._watchdog.stop()
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
