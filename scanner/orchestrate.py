"""One `nhiguard scan`, from the parsed command line to an exit code: pick the
source (files, git, history, config stores), scan, keep what the change
adds and what the baseline does not know, write every report.

scanner/cli.py parses the arguments into a `ScanRequest`; this module never
parses arguments. It speaks to the user on standard error and ends a run that
cannot go on with its exit code (2 before scanning, 3 when the scan fails).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .baseline import Baseline, BaselineError, apply_baseline, write_baseline
from .config import Config, ConfigError, load_config
from .detectsecrets import SecretsBaselineError, audited_false_hashes, find_secrets_baseline
from .engine import DEFAULT_FILE_TIMEOUT, ScanResult, WorkerPool, default_jobs, scan
from .policy import Policy, PolicyError
from .registry import SelectionError, select_rules
from .reporters import render
from .reporters.base import Report
from .reporters.text import encodable, plural
from .rule import SECURITY_SEVERITY, Rule
from .sources import Listing, PathSource, SourceError, find_srcroot
from .sources.diffmap import LineSet, keep_changed
from .sources.gitsource import Change, ChangeSource, Repo
from .sources.stores import Store, StoreError, StoreOptions, is_store_uri, open_store

if TYPE_CHECKING:
    from .sources.githistory import HistorySource

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
# --fail-on takes a severity or a SARIF level; each maps to the lowest
# severity rank that fails the run (critical=0 ... low=3).
SEVERITY_RANK = {s: i for i, s in enumerate(SECURITY_SEVERITY)}
FAIL_ON = {**SEVERITY_RANK, "error": SEVERITY_RANK["high"], "warning": SEVERITY_RANK["medium"],
           "note": SEVERITY_RANK["low"], "none": -1}


@dataclass(frozen=True)
class ScanRequest:
    """What `nhiguard scan` was asked to do. `paths` may hold store URIs;
    `outputs` pairs each format with its file (None: standard output)."""

    paths: tuple[str, ...]
    outputs: list[tuple[str, str | None]]
    fail_on: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: tuple[str, ...] = ()
    config_path: str | None = None
    jobs: int | None = None
    file_timeout: float | None = None
    include_tests: bool = False
    include_suppressed: bool = False
    progress: bool = True
    staged: bool = False
    diff: str | None = None
    history: str | None = None
    store_options: StoreOptions = field(default_factory=StoreOptions)
    color: str = "auto"
    baseline: str | None = None
    write_baseline: str | None = None

    @property
    def from_git(self) -> bool:
        return self.staged or self.diff is not None or self.history is not None


@dataclass
class _Plan:
    """Everything settled before the first file is read."""

    config: Config
    rules: list[type[Rule]]
    budget: float
    srcroot: Path
    listing: Listing
    stores: list[Store]
    baseline: Baseline | None
    history: HistorySource | None = None
    changes: list[Change] = field(default_factory=list)
    changed: dict[str, LineSet] | None = None  # --staged / --diff: the lines the change adds
    pool: WorkerPool | None = None


def run_scan(request: ScanRequest) -> int:
    """Scan as `request` says, write its reports, return the exit code."""
    plan = _plan(request)
    fail_level = (request.fail_on or plan.config.fail_on or "low").lower()
    if fail_level not in FAIL_ON:
        _stop(EXIT_USAGE, f"unknown fail-on level {fail_level!r}")
    threshold = FAIL_ON[fail_level]
    result = _scan(request, plan)
    if plan.changed is not None:  # --staged / --diff: only what the change adds
        result.findings = keep_changed(result.findings, plan.changed)
    result.notifications = sorted([*plan.listing.notifications, *result.notifications],
                                  key=lambda n: n.sort_key())
    if request.write_baseline is not None:
        _write_baseline(Path(request.write_baseline), result)
    if plan.baseline is not None and request.baseline is not None:
        result.findings, absent = apply_baseline(result.findings, plan.baseline, request.baseline)
        if absent:
            click.echo(f"nhiguard: {plural(absent, 'baselined finding')} no longer "
                       f"{'occurs' if absent == 1 else 'occur'}; refresh {request.baseline} with "
                       "`nhiguard baseline`", err=True)
    _write_reports(request, plan, result, threshold)
    by_id = {r.id: r for r in plan.rules}
    failing = [f for f in result.findings if not f.suppressed
               and SEVERITY_RANK[by_id[f.rule_id].severity] <= threshold]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _stop(code: int, message: str) -> NoReturn:
    click.echo(f"nhiguard: {message}", err=True)
    sys.exit(code)


def _plan(request: ScanRequest) -> _Plan:
    """Configuration, rules and the listing of what to scan; a usage or
    configuration problem ends the run here with exit code 2."""
    store_args = [p for p in request.paths if is_store_uri(p)]
    paths = tuple(p for p in request.paths if not is_store_uri(p))
    targets = list(paths) or ([] if store_args else ["."])
    try:
        baseline = Baseline.load(Path(request.baseline)) if request.baseline else None
        start = Path(targets[0]) if targets else Path.cwd()
        config = load_config(request.config_path, start)
        config.policy = _with_secrets_baseline(config.policy, start)
        if request.include_tests:
            config.policy = replace(config.policy, include_tests=True)
        rules = select_rules(request.select or config.select, request.ignore or config.ignore)
        budget = next(t for t in (request.file_timeout, config.file_timeout, DEFAULT_FILE_TIMEOUT)
                      if t is not None)
        excludes = [*config.exclude, *request.exclude]
        stores = [open_store(arg, request.store_options) for arg in store_args]
        plan = _Plan(config, rules, budget, Path.cwd(), Listing(), stores, baseline)
        if request.from_git:
            repo = Repo.discover(Path((targets or ["."])[0]).absolute())
            plan.srcroot = repo.root
            if request.history is not None:
                from .sources.githistory import HistorySource

                plan.history = HistorySource(repo, excludes)
                plan.changes = plan.history.changes(request.history, paths)
            else:
                source = ChangeSource(repo, excludes)
                git_listing = (source.staged(paths) if request.staged
                               else source.diff(request.diff or "", paths))
                if git_listing.note:
                    click.echo(f"nhiguard: {git_listing.note}", err=True)
                plan.listing, plan.changed = git_listing, git_listing.changed
        elif targets:  # else config stores only
            plan.srcroot = find_srcroot(Path(targets[0]).absolute())
            workers = request.jobs or default_jobs()
            if workers > 1 and any(Path(t).is_dir() for t in targets):
                # Fork the workers before the listing grows the parent.
                plan.pool = WorkerPool(rules, config.policy, workers, budget)
                click.get_current_context().call_on_close(plan.pool.close)
            plan.listing = PathSource(plan.srcroot, excludes=excludes).list(targets)
    except (ConfigError, PolicyError, SelectionError, SourceError, BaselineError) as exc:
        _stop(EXIT_USAGE, str(exc))
    return plan


def _with_secrets_baseline(policy: Policy, start: Path) -> Policy:
    """Add the secrets a detect-secrets baseline (the nearest
    .secrets.baseline) audits as false positives; a broken one is a warning."""
    path = find_secrets_baseline(start)
    if path is None:
        return policy
    try:
        hashes = audited_false_hashes(path)
    except SecretsBaselineError as exc:
        click.echo(f"nhiguard: warning: {exc}; its audited secrets are not honoured", err=True)
        return policy
    return replace(policy, audited_secret_hashes=policy.audited_secret_hashes | hashes)


def _scan(request: ScanRequest, plan: _Plan) -> ScanResult:
    """Run the rules over the listing (or the history), then the stores;
    a failure of the scan itself ends the run with exit code 3."""
    total = len(plan.changes) if plan.history is not None else len(plan.listing.artifacts)
    interactive = request.progress and sys.stderr.isatty() and not os.environ.get("CI")
    workers = request.jobs or default_jobs()

    def scan_all(on_progress: Callable[[int], None] | None) -> ScanResult:
        if plan.history is not None:
            from .sources.githistory import scan_history

            return scan_history(plan.history, plan.changes, plan.rules, plan.config.policy, workers,
                                on_progress, file_timeout=plan.budget)
        return scan(plan.listing.artifacts, plan.rules, plan.config.policy, workers, on_progress,
                    plan.pool, plan.budget)

    try:
        if interactive and total > 200:
            with click.progressbar(length=total, label="scanning", file=sys.stderr) as bar:
                result = scan_all(bar.update)
        else:
            result = scan_all(None)
    except KeyboardInterrupt:
        if plan.pool is not None:
            plan.pool.stop()  # its workers ignore Ctrl-C; do not wait for their chunks
        raise
    except Exception as exc:  # the scan itself failed: say so, exit 3
        _stop(EXIT_FAILED, f"scan failed: {type(exc).__name__}: {exc}")
    if plan.stores:
        result = _scan_stores(plan.stores, plan.rules, plan.config.policy, workers, result,
                              show=interactive)
    return result


def _scan_stores(stores: list[Store], rules: list[type[Rule]], policy: Policy, workers: int,
                 result: ScanResult, show: bool) -> ScanResult:
    """Scan config stores and add what they hold to `result`. A store that
    could not be read at all ends the run with exit code 3, naming it."""
    from .sources.stores.scan import scan_stores

    read = 0

    def progress(step: int) -> None:  # a store's size is unknown up front: count keys instead
        nonlocal read
        read += step
        if read % 100 == 0:
            click.echo(f"\rscanning config stores: {read} keys", err=True, nl=False)

    try:
        found = scan_stores(stores, rules, policy, workers, progress if show else None)
    except StoreError as exc:
        _stop(EXIT_FAILED, f"scan failed: {exc}")
    if show and read >= 100:
        click.echo("", err=True)
    return ScanResult(result.findings + found.findings, result.notifications + found.notifications,
                      result.files_listed + found.files_listed,
                      result.files_scanned + found.files_scanned)


def _write_baseline(path: Path, result: ScanResult) -> NoReturn:
    try:
        count = write_baseline(path, result.findings)
    except OSError as exc:
        _stop(EXIT_USAGE, f"cannot write {path}: {exc.strerror or exc}")
    click.echo(f"nhiguard: wrote {plural(count, 'finding')} to {path}", err=True)
    sys.exit(EXIT_CLEAN)


def _write_reports(request: ScanRequest, plan: _Plan, result: ScanResult, threshold: int) -> None:
    """Each format to its file or standard output, and the job summary when
    GitHub asks for one and a `github` report is written."""
    for fmt, out in request.outputs:
        report = Report(result, plan.rules, plan.srcroot, include_suppressed=request.include_suppressed,
                        colour=fmt == "text" and _colour(request.color, out is None), fail_rank=threshold)
        text = render(fmt, report)
        if out is None:
            _write_stdout(text, fmt)
        else:
            try:
                Path(out).write_text(encodable(text, "utf-8", readable=False), encoding="utf-8")
            except OSError as exc:
                _stop(EXIT_USAGE, f"cannot write {out}: {exc.strerror or exc}")

    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and any(fmt == "github" for fmt, _ in request.outputs):
        from .reporters.github import summary_markdown

        try:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(summary_markdown(Report(result, plan.rules, plan.srcroot)))
        except OSError as exc:
            click.echo(f"nhiguard: cannot write the job summary: {exc.strerror or exc}", err=True)


def _colour(choice: str, to_stdout: bool) -> bool:
    """--color always/never, else colour only on a terminal that wants it
    (https://no-color.org: a set, non-empty NO_COLOR turns it off)."""
    if choice != "auto":
        return choice == "always"
    return (to_stdout and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def _write_stdout(text: str, fmt: str) -> None:
    """Write a report to standard output in whatever encoding it accepts."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    # color=True: styles are only there when --color asked for them; click
    # would otherwise strip them from a pipe even with --color always.
    click.echo(encodable(text, encoding, readable=(fmt == "text")), nl=False, color=True)
