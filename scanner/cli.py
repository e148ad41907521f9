"""The `nhiguard` command line (docs/architecture.md, "Command line").

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage,
configuration or output-path error; 3 the scan itself failed; 130 interrupted
(Ctrl-C); 141 standard output closed early (a broken pipe, as in
`nhiguard scan | head`), like a program stopped by SIGPIPE.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from . import __version__
from .baseline import Baseline, BaselineError, apply_baseline, write_baseline
from .config import ConfigError, load_config
from .detectsecrets import SecretsBaselineError, audited_false_hashes, find_secrets_baseline
from .engine import DEFAULT_FILE_TIMEOUT, ScanResult, WorkerPool, default_jobs, scan
from .patterns import engine_name
from .policy import Policy, PolicyError
from .registry import SelectionError, all_rule_classes, find_rule, select_rules
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
# Shell convention: 128 + the signal number (SIGINT 2, SIGPIPE 13).
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
STDOUT = "-"
FORMATS = ("text", "json", "sarif", "github")
# --fail-on takes a severity or a SARIF level; each maps to the lowest
# severity rank that fails the run (critical=0 ... low=3).
_SEVERITY_RANK = {s: i for i, s in enumerate(SECURITY_SEVERITY)}
_FAIL_ON = {**_SEVERITY_RANK, "error": _SEVERITY_RANK["high"], "warning": _SEVERITY_RANK["medium"],
            "note": _SEVERITY_RANK["low"], "none": -1}
_SUFFIX_FORMAT = {".sarif": "sarif", ".json": "json", ".txt": "text"}


def _version_text() -> str:
    return f"nhiguard {__version__} (pattern engine: {engine_name()})"


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Pair each --format with the --output at the same position; a format
    with no output, or the output `-`, goes to standard output; an output with
    no format takes it from its file name."""
    pairs: list[tuple[str, str | None]] = []
    for i in range(max(len(formats), len(outputs), 1)):
        fmt = formats[i] if i < len(formats) else None
        out = outputs[i] if i < len(outputs) else None
        if out == STDOUT:
            out = None
        elif fmt is None and out is not None:
            fmt = _SUFFIX_FORMAT.get(Path(out).suffix.lower())
            if fmt is None:
                raise click.UsageError(f"cannot tell the format of {out!r}; add --format")
        pairs.append((fmt or "text", out))
    if sum(1 for _, out in pairs if out is None) > 1:
        raise click.UsageError("only one --format can go to standard output; give the others --output")
    for _, out in pairs:
        # Checked before scanning: a long scan must not end in "cannot write".
        folder = Path(out).parent if out is not None else None
        if folder is not None and not folder.is_dir():
            raise click.UsageError(f"cannot write {out}: no folder {str(folder)!r}")
    return pairs


def _write_stdout(text: str, fmt: str) -> None:
    """Write a report to standard output in whatever encoding it accepts."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    # color=True: styles are only there when --color asked for them; click
    # would otherwise strip them from a pipe even with --color always.
    click.echo(encodable(text, encoding, readable=(fmt == "text")), nl=False, color=True)


def _interrupted() -> NoReturn:
    click.echo("nhiguard: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _broken_pipe() -> NoReturn:
    # The reader has gone (`| head`): nothing more to say to it. Point stdout
    # at /dev/null so the final flush at exit cannot complain either.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_BROKEN_PIPE)


class _Main(click.Group):
    """The command group. Click itself would end a closed pipe with exit
    code 1, which here means "findings"."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _broken_pipe()


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message=_version_text())
def main() -> None:
    """nhiguard: find agent identities nobody owns, that never expire, and that can do everything."""


@main.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Output format (repeatable; pairs with --output).")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the matching --format to this file (repeatable; - is standard output).")
@click.option("--fail-on", type=click.Choice(sorted(_FAIL_ON), case_sensitive=False), default=None,
              help="Lowest severity (or SARIF level) that makes the exit code 1. Default: low.")
@click.option("--select", multiple=True, help="Rule IDs or prefixes to run (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule IDs or prefixes to skip (comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: .nhiguard.toml or pyproject.toml).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores).")
@click.option("--file-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help=f"Abandon a file that takes longer, with a warning (default: "
                   f"{DEFAULT_FILE_TIMEOUT:g}; 0: no limit).")
@click.option("--include-tests", is_flag=True,
              help="Also run the structural rules on test code and recorded test data.")
@click.option("--include-suppressed", is_flag=True,
              help="Also list findings silenced by inline ignores (SARIF: with `suppressions`).")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Colour text output (auto: on a terminal, unless NO_COLOR is set or TERM=dumb).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), default=None,
              help="Report only findings not in this baseline (written by `nhiguard baseline`).")
@click.option("--write-baseline", type=click.Path(dir_okay=False), default=None, hidden=True)
@click.option("--staged", is_flag=True,
              help="Scan what is staged in the index (not the work tree); report only added or "
                   "changed lines.")
@click.option("--diff", "diff_spec", metavar="BASE[..HEAD]", default=None,
              help="Scan the files changed from BASE to HEAD (default HEAD; BASE...HEAD: from "
                   "their merge base) as committed; report only added or changed lines.")
@click.option("--history", "history_spec", metavar="[REV-RANGE]", is_flag=False, flag_value="HEAD",
              default=None,
              help="Scan every distinct blob in the commits of REV-RANGE (default: HEAD and its "
                   "ancestors; e.g. v1.0..main, or \"HEAD --branches\"), each once.")
@click.option("--store-ca", type=click.Path(dir_okay=False), default=None,
              help="CA certificate that signs the config store's TLS certificate (etcd).")
@click.option("--store-cert", type=click.Path(dir_okay=False), default=None,
              help="Client certificate for the config store (etcd).")
@click.option("--store-key", type=click.Path(dir_okay=False), default=None,
              help="Private key of --store-cert.")
@click.option("--store-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for each config store request.")
def scan_command(paths: tuple[str, ...], formats: tuple[str, ...], outputs: tuple[str, ...],
                 fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                 exclude: tuple[str, ...], config_path: str | None, jobs: int | None,
                 file_timeout: float | None, include_tests: bool, include_suppressed: bool,
                 no_progress: bool, staged: bool,
                 diff_spec: str | None, history_spec: str | None, store_ca: str | None,
                 store_cert: str | None, store_key: str | None, store_timeout: float,
                 color: str, baseline_path: str | None, write_baseline: str | None) -> None:
    """Scan files and folders (default: the current folder), or, with --staged,
    --diff or --history, what git holds for them; and config stores named by
    URI (etcd://, ssm://, secretsmanager://, kubernetes:FILE or - for standard input)."""
    store_args = [p for p in paths if is_store_uri(p)]
    paths = tuple(p for p in paths if not is_store_uri(p))
    targets = list(paths) or ([] if store_args else ["."])
    stores: list[Store] = []
    pairs = _pair_outputs(formats, outputs)
    if staged + (diff_spec is not None) + (history_spec is not None) > 1:
        raise click.UsageError("--staged, --diff and --history cannot be combined")
    if store_args and (staged or diff_spec is not None or history_spec is not None):
        raise click.UsageError("store URIs cannot be combined with --staged, --diff or --history")
    history: HistorySource | None = None
    changes: list[Change] = []
    changed: dict[str, LineSet] | None = None
    pool: WorkerPool | None = None
    try:
        baseline = Baseline.load(Path(baseline_path)) if baseline_path else None
        start = Path(targets[0]) if targets else Path.cwd()
        config = load_config(config_path, start)
        config.policy = _with_secrets_baseline(config.policy, start)
        if include_tests:
            config.policy = replace(config.policy, include_tests=True)
        rules = select_rules(_split(select) or config.select, _split(ignore) or config.ignore)
        budget = next(t for t in (file_timeout, config.file_timeout, DEFAULT_FILE_TIMEOUT)
                      if t is not None)
        excludes = [*config.exclude, *exclude]
        options = StoreOptions(ca=store_ca, cert=store_cert, key=store_key, timeout=store_timeout)
        stores = [open_store(arg, options) for arg in store_args]
        if staged or diff_spec is not None or history_spec is not None:
            repo = Repo.discover(Path((targets or ["."])[0]).absolute())
            srcroot = repo.root
            listing: Listing
            if history_spec is not None:
                from .sources.githistory import HistorySource

                history = HistorySource(repo, excludes)
                changes = history.changes(history_spec, paths)
                listing = Listing()
            else:
                source = ChangeSource(repo, excludes)
                git_listing = source.staged(paths) if staged else source.diff(diff_spec or "", paths)
                if git_listing.note:
                    click.echo(f"nhiguard: {git_listing.note}", err=True)
                listing, changed = git_listing, git_listing.changed
        elif not targets:  # config stores only
            srcroot, listing = Path.cwd(), Listing()
        else:
            srcroot = find_srcroot(Path(targets[0]).absolute())
            workers = jobs or default_jobs()
            if workers > 1 and any(Path(t).is_dir() for t in targets):
                # Fork the workers before the listing grows the parent.
                pool = WorkerPool(rules, config.policy, workers, budget)
                click.get_current_context().call_on_close(pool.close)
            listing = PathSource(srcroot, excludes=excludes).list(targets)
    except (ConfigError, PolicyError, SelectionError, SourceError, BaselineError) as exc:
        click.echo(f"nhiguard: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    fail_level = (fail_on or config.fail_on or "low").lower()
    if fail_level not in _FAIL_ON:
        click.echo(f"nhiguard: unknown fail-on level {fail_level!r}", err=True)
        sys.exit(EXIT_USAGE)
    threshold = _FAIL_ON[fail_level]

    total = len(changes) if history is not None else len(listing.artifacts)
    show_progress = (not no_progress and sys.stderr.isatty() and not os.environ.get("CI")
                     and total > 200)
    workers = jobs or default_jobs()

    def run_scan(on_progress: Callable[[int], None] | None) -> ScanResult:
        if history is not None:
            from .sources.githistory import scan_history

            return scan_history(history, changes, rules, config.policy, workers, on_progress,
                                file_timeout=budget)
        return scan(listing.artifacts, rules, config.policy, workers, on_progress, pool, budget)

    try:
        if show_progress:
            with click.progressbar(length=total, label="scanning", file=sys.stderr) as bar:
                result = run_scan(bar.update)
        else:
            result = run_scan(None)
    except KeyboardInterrupt:
        if pool is not None:
            pool.stop()  # its workers ignore Ctrl-C; do not wait for their chunks
        raise
    except Exception as exc:  # the scan itself failed: say so, exit 3
        click.echo(f"nhiguard: scan failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if stores:
        result = _scan_stores(stores, rules, config.policy, workers, result,
                              show=not no_progress and sys.stderr.isatty() and not os.environ.get("CI"))
    if changed is not None:  # --staged / --diff: only what the change adds
        result.findings = keep_changed(result.findings, changed)
    result.notifications = sorted([*listing.notifications, *result.notifications],
                                  key=lambda n: n.sort_key())
    if write_baseline is not None:
        _write_baseline(Path(write_baseline), result)
    if baseline is not None and baseline_path is not None:
        result.findings, absent = apply_baseline(result.findings, baseline, baseline_path)
        if absent:
            click.echo(f"nhiguard: {plural(absent, 'baselined finding')} no longer "
                       f"{'occurs' if absent == 1 else 'occur'}; refresh {baseline_path} with "
                       "`nhiguard baseline`", err=True)

    for fmt, out in pairs:
        report = Report(result, rules, srcroot, include_suppressed=include_suppressed,
                        colour=fmt == "text" and _colour(color, out is None), fail_rank=threshold)
        text = render(fmt, report)
        if out is None:
            _write_stdout(text, fmt)
        else:
            try:
                Path(out).write_text(encodable(text, "utf-8", readable=False), encoding="utf-8")
            except OSError as exc:
                click.echo(f"nhiguard: cannot write {out}: {exc.strerror or exc}", err=True)
                sys.exit(EXIT_USAGE)

    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and any(fmt == "github" for fmt, _ in pairs):
        from .reporters.github import summary_markdown

        try:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(summary_markdown(Report(result, rules, srcroot)))
        except OSError as exc:
            click.echo(f"nhiguard: cannot write the job summary: {exc.strerror or exc}", err=True)

    by_id = {r.id: r for r in rules}
    failing = [f for f in result.findings if not f.suppressed
               and _SEVERITY_RANK[by_id[f.rule_id].severity] <= threshold]
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


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


def _colour(choice: str, to_stdout: bool) -> bool:
    """--color always/never, else colour only on a terminal that wants it
    (https://no-color.org: a set, non-empty NO_COLOR turns it off)."""
    if choice != "auto":
        return choice == "always"
    return (to_stdout and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def _write_baseline(path: Path, result: ScanResult) -> NoReturn:
    try:
        count = write_baseline(path, result.findings)
    except OSError as exc:
        click.echo(f"nhiguard: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"nhiguard: wrote {plural(count, 'finding')} to {path}", err=True)
    sys.exit(EXIT_CLEAN)


@main.command("baseline")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: .nhiguard.toml or pyproject.toml).")
@click.option("--select", multiple=True, help="Rule IDs or prefixes to run (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule IDs or prefixes to skip (comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
@click.pass_context
def baseline_command(ctx: click.Context, file: str, paths: tuple[str, ...], config_path: str | None,
                     select: tuple[str, ...], ignore: tuple[str, ...], exclude: tuple[str, ...]) -> None:
    """Write today's findings in PATHS (default: the current folder) to FILE,
    so that `nhiguard scan --baseline FILE` reports only new ones. Keys are
    rule and line-content hashes: no line numbers, no secrets."""
    ctx.invoke(scan_command, paths=paths, config_path=config_path, select=select, ignore=ignore,
               exclude=exclude, no_progress=True, write_baseline=file)


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
        click.echo(f"nhiguard: scan failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if show and read >= 100:
        click.echo("", err=True)
    return ScanResult(result.findings + found.findings, result.notifications + found.notifications,
                      result.files_listed + found.files_listed,
                      result.files_scanned + found.files_scanned)


@main.command("rules")
@click.argument("rule_id", required=False)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration whose policy to show (default: .nhiguard.toml or pyproject.toml).")
def rules_command(rule_id: str | None, config_path: str | None) -> None:
    """List the rules, or explain one (ID or name)."""
    if rule_id:
        rule = find_rule(rule_id)
        if rule is None:
            click.echo(f"nhiguard: no rule {rule_id!r} (see `nhiguard rules`)", err=True)
            sys.exit(EXIT_USAGE)
        click.echo(f"{rule.id} {rule.name}  [{rule.kind}, {rule.severity}, precision {rule.precision}]")
        click.echo(f"{rule.summary}\n")
        click.echo(rule.help_markdown())
        click.echo("\nTaxonomy: " + ", ".join(rule.taxa))
        if rule.policy_settings:
            try:
                config = load_config(config_path, Path.cwd())
            except (ConfigError, PolicyError) as exc:
                click.echo(f"nhiguard: {exc}", err=True)
                sys.exit(EXIT_USAGE)
            where = config.source or "defaults"
            click.echo(f"\nPolicy ({where}; set in [tool.nhiguard.policy] or .nhiguard.toml [policy]):")
            for setting in rule.policy_settings:
                value = getattr(config.policy, setting)
                shown = ", ".join(value) if isinstance(value, tuple) else str(value)
                click.echo(f"  {setting.replace('_', '-')} = {shown or '(none)'}")
        return
    for rule in all_rule_classes():
        click.echo(f"{rule.id}  {rule.name:<34} {rule.severity:<8} {rule.kind:<28} {rule.summary}")


def run() -> None:
    """Entry point: exact exit codes for usage errors, Ctrl-C, a closed pipe
    and unexpected crashes (3)."""
    # A notice naming an odd file must not crash on a narrow terminal encoding.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        # Not standalone: click would turn Ctrl-C into exit code 1.
        outcome = main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        _interrupted()
    except BrokenPipeError:
        _broken_pipe()
    except SystemExit:
        raise
    except Exception as exc:
        click.echo(f"nhiguard: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(outcome if isinstance(outcome, int) else EXIT_CLEAN)
