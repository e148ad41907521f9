"""The engine: artifacts in, findings and notifications out.

Per artifact: read the bytes, drop binaries, prefilter on every rule's
keywords (most files stop here, undecoded), decode, then run only the rules
that can fire over a `Document` whose views are parsed once, then keep one
finding per span where rules declare precedence (`apply_precedence`) before
inline suppressions apply. Files are spread over worker processes in chunks;
results are sorted, so the output is the same for any `--jobs`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from .document import Document
from .filekinds import kind_of
from .finding import Finding, Notification, with_fingerprints
from .patterns import KeywordSet
from .policy import Policy
from .rule import Rule
from .sources import Artifact
from .suppress import apply_suppressions, report_bare_ignores

BINARY_SNIFF_BYTES = 8192
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
        self.superseded_by = {r.id: frozenset(r.superseded_by) for r in self.rules}
        self.keywords = KeywordSet([DIRECTIVE_KEYWORD, *(k for r in rules for k in r.keywords)])
        self._rule_words = [(r, frozenset(k.lower() for k in r.keywords)) for r in self.rules]

    def candidates(self, data: bytes, kind: str) -> tuple[list[Rule], bool]:
        """The rules that can fire, and whether the file holds a directive."""
        present = self.keywords.present(data)
        rules = [r for r, words in self._rule_words
                 if kind in r.file_kinds and (not words or not words.isdisjoint(present))]
        return rules, DIRECTIVE_KEYWORD in present


def decode(data: bytes) -> tuple[str, bool]:
    """Text of the file, and whether it was valid UTF-8 (else read as Latin-1,
    so a secret in a legacy-encoded file is still found)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("latin-1"), False


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


def scan_artifact(artifact: Artifact, prefilter: Prefilter) -> FileResult:
    """Scan one artifact; never raises (a failure becomes a notification)."""
    result = FileResult(artifact.uri)
    try:
        data = artifact.read()
    except OSError as exc:
        result.notifications.append(Notification(
            artifact.uri, f"could not read: {exc.strerror or exc}", "warning", kind="unreadable"))
        return result
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        result.notifications.append(Notification(
            artifact.uri, "skipped a binary file", "note", kind="binary"))
        return result
    kind = artifact.kind or kind_of(artifact.uri)
    rules, has_directive = prefilter.candidates(data, kind)
    if artifact.secret_store:
        rules = [r for r in rules if not r.literal_secret]
    result.scanned = True
    if not rules and not has_directive:
        return result
    text, utf8 = decode(data)
    doc = Document(artifact.uri, text, kind)
    if not utf8:
        doc.notify("not valid UTF-8; scanned as Latin-1", level="note", kind="encoding")
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(doc))
        except Exception as exc:  # one rule's bug must not lose the other rules' findings
            doc.notify(f"rule {rule.id} failed on this file: {type(exc).__name__}: {exc}",
                       level="error", kind="rule-error")
    findings = apply_precedence(findings, prefilter.superseded_by)
    findings = apply_suppressions(doc, findings)
    report_bare_ignores(doc)
    result.findings = with_fingerprints(findings)
    result.notifications = doc.notifications
    return result


# -- process pool -----------------------------------------------------------------------
_worker_prefilter: Prefilter | None = None


def _init_worker(rule_classes: Sequence[type[Rule]], policy: Policy) -> None:
    global _worker_prefilter
    _worker_prefilter = Prefilter([cls(policy) for cls in rule_classes])


def _scan_chunk(chunk: Sequence[Artifact]) -> list[FileResult]:
    assert _worker_prefilter is not None
    return [scan_artifact(a, _worker_prefilter) for a in chunk]


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

    def __init__(self, rule_classes: Sequence[type[Rule]], policy: Policy, jobs: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.jobs = jobs
        # Forked workers inherit everything the parent holds, and each worker's
        # cycle collector would walk all of it again and again (at 115,000 files
        # a third of the CPU time). Frozen objects are left alone by it.
        gc.freeze()
        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                         initargs=(tuple(rule_classes), policy))
        # The executor forks on first use: make that now, not after the caller grows.
        for ready in self._pool.map(_ready, [None] * jobs):
            assert ready
        gc.unfreeze()

    def map(self, chunks: list[list[Artifact]]) -> Iterator[list[FileResult]]:
        return self._pool.map(_scan_chunk, chunks)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_results(
    artifacts: Sequence[Artifact],
    rule_classes: Sequence[type[Rule]],
    policy: Policy,
    jobs: int,
    pool: WorkerPool | None = None,
) -> Iterator[FileResult]:
    """File results as they complete (order not fixed; callers sort). With a
    `pool`, its workers do the work; else one is made for this scan if the
    scan is large enough to pay for it."""
    workers = pool.jobs if pool is not None else jobs
    if workers <= 1 or len(artifacts) <= INLINE_MAX_FILES:
        prefilter = Prefilter([cls(policy) for cls in rule_classes])
        for a in artifacts:
            yield scan_artifact(a, prefilter)
        return
    chunks = _chunks(artifacts, workers)
    gc.freeze()  # see WorkerPool: the parent's own collector need not walk the listing either
    try:
        if pool is not None:
            for chunk_results in pool.map(chunks):
                yield from chunk_results
            return
        with WorkerPool(rule_classes, policy, jobs) as own:
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
) -> ScanResult:
    findings: list[Finding] = []
    notifications: list[Notification] = []
    scanned = 0
    for r in iter_results(artifacts, rule_classes, policy or Policy(), jobs, pool):
        findings.extend(r.findings)
        notifications.extend(r.notifications)
        scanned += r.scanned
        if on_progress:
            on_progress(1)
    findings.sort(key=Finding.sort_key)
    notifications.sort(key=Notification.sort_key)
    return ScanResult(findings, notifications, len(artifacts), scanned)
