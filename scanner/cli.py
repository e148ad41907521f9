"""The `nhiguard` command line (docs/architecture.md, "Command line").

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage,
configuration or output-path error; 3 the scan itself failed; 130 interrupted
(Ctrl-C); 141 standard output closed early (a broken pipe, as in
`nhiguard scan | head`), like a program stopped by SIGPIPE.

This module defines the commands and parses their arguments; a scan itself,
from sources to reports and exit code, runs in scanner/orchestrate.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from . import __version__
from .config import ConfigError, load_config
from .engine import DEFAULT_FILE_TIMEOUT
from .orchestrate import (
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_USAGE,
    FAIL_ON,
    ScanRequest,
    _colour,
    run_scan,
)
from .patterns import engine_name
from .policy import PolicyError
from .registry import all_rule_classes, find_rule
from .sources.stores import StoreOptions, is_store_uri

# Every exit code is part of the command line's contract, so all are named
# here; --color's decision is tested through this module too.
__all__ = ["EXIT_CLEAN", "EXIT_FAILED", "EXIT_FINDINGS", "EXIT_USAGE", "_colour", "main", "run"]

# Shell convention: 128 + the signal number (SIGINT 2, SIGPIPE 13).
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
STDOUT = "-"
FORMATS = ("text", "json", "sarif", "github")
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
@click.option("--fail-on", type=click.Choice(sorted(FAIL_ON), case_sensitive=False), default=None,
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
    pairs = _pair_outputs(formats, outputs)
    if staged + (diff_spec is not None) + (history_spec is not None) > 1:
        raise click.UsageError("--staged, --diff and --history cannot be combined")
    if any(is_store_uri(p) for p in paths) and (staged or diff_spec is not None or history_spec is not None):
        raise click.UsageError("store URIs cannot be combined with --staged, --diff or --history")
    sys.exit(run_scan(ScanRequest(
        paths=paths, outputs=pairs, fail_on=fail_on, select=_split(select), ignore=_split(ignore),
        exclude=exclude, config_path=config_path, jobs=jobs, file_timeout=file_timeout,
        include_tests=include_tests, include_suppressed=include_suppressed, progress=not no_progress,
        staged=staged, diff=diff_spec, history=history_spec,
        store_options=StoreOptions(ca=store_ca, cert=store_cert, key=store_key, timeout=store_timeout),
        color=color, baseline=baseline_path, write_baseline=write_baseline)))


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
