"""Scanning stores: artifacts stream from each store in batches through the
engine, so memory holds one batch of values, never the whole store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import islice

from ...engine import ScanResult, WorkerPool, scan
from ...finding import Finding, Notification
from ...policy import Policy
from ...rule import Rule
from . import Store, StoreError

BATCH = 256


def scan_stores(stores: Sequence[Store], rule_classes: Sequence[type[Rule]], policy: Policy,
                jobs: int, on_progress: Callable[[int], None] | None = None,
                pool: WorkerPool | None = None, batch: int = BATCH) -> ScanResult:
    """Scan every key of every store. Raises StoreError when a store could
    not be read at all; a store that fails part-way keeps what was read and
    gets an error notification saying where it stopped."""
    if pool is None and jobs > 1:
        # One pool for every batch; a pool per batch would fork once a batch.
        with WorkerPool(rule_classes, policy, jobs) as own:
            return scan_stores(stores, rule_classes, policy, jobs, on_progress, own, batch)
    findings: list[Finding] = []
    notes: list[Notification] = []
    listed = scanned = 0
    for store in stores:
        read = 0
        stream = store.artifacts()
        try:
            while chunk := list(islice(stream, batch)):
                part = scan(chunk, rule_classes, policy, jobs, on_progress, pool)
                findings.extend(part.findings)
                notes.extend(part.notifications)
                read += len(chunk)
                scanned += part.files_scanned
        except StoreError as exc:
            if read == 0:
                raise
            notes.append(Notification(store.uri, f"stopped after {read} keys: {exc}", "error",
                                      kind="store-error"))
        listed += read
        notes.extend(store.notifications)
        if read == 0 and not store.notifications:
            notes.append(Notification(store.uri, "no keys under this prefix", "note",
                                      kind="store-empty"))
    findings.sort(key=Finding.sort_key)
    notes.sort(key=Notification.sort_key)
    return ScanResult(findings, notes, listed, scanned)
