"""Human-readable output: one block per finding, like ruff and gitleaks."""

from __future__ import annotations

import codecs
import os
from collections import Counter
from pathlib import Path

import click

from ..rule import SECURITY_SEVERITY
from .base import Report

_LEVEL_COLOUR = {"error": "red", "warning": "yellow", "note": "cyan"}

# What a character the output stream cannot encode becomes: an ASCII
# look-alike for the few this report draws with, else a `\uXXXX` escape
# (which JSON reads back as the same character).
_ASCII_FALLBACKS = {"│": "|", "—": "-", "–": "-", "…": "...", "→": "->",
                    "‘": "'", "’": "'", "“": '"', "”": '"'}


def _escape(text: str) -> str:
    # UTF-16 code units, so characters beyond U+FFFF come out as JSON's
    # surrogate pairs; lone surrogates (undecodable file names) pass as is.
    units = text.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))


def _readable_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    bad = error.object[error.start:error.end]
    return "".join(_ASCII_FALLBACKS.get(ch) or _escape(ch) for ch in bad), error.end


def _escape_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return _escape(error.object[error.start:error.end]), error.end


codecs.register_error("nhiguard-readable", _readable_fallback)
codecs.register_error("nhiguard-escape", _escape_fallback)


def encodable(text: str, encoding: str, readable: bool = True) -> str:
    """`text` with every character `encoding` cannot hold replaced, so writing
    it never fails: a Windows pipe (cp1252) or an ASCII locale gets `|` for
    the snippet bar. `readable=False` keeps exact `\\uXXXX` escapes only, for
    JSON and SARIF, which decode them back to the same text."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        handler = "nhiguard-readable" if readable else "nhiguard-escape"
        return text.encode(encoding, handler).decode(encoding)
    except LookupError:  # an encoding Python does not know: ASCII is safe anywhere
        return encodable(text, "ascii", readable)


def openable(srcroot: Path, uri: str) -> str:
    """A repository-relative `uri` as a path the user can open from the
    current folder (`../lib/a.py` when standing in `src/`); URIs of stores
    and absolute paths are shown as they are."""
    if "://" in uri or uri.startswith("/") or ":" in uri.split("/", 1)[0]:
        return uri
    return os.path.relpath(srcroot / uri)


def plural(n: int, noun: str) -> str:
    """`1 file`, `2 files`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


_RANK = {name: i for i, name in enumerate(SECURITY_SEVERITY)}
_NAMES = list(SECURITY_SEVERITY)


def render(report: Report) -> str:
    style = click.style if report.colour else (lambda text, **_: text)
    out: list[str] = []
    for f in report.shown:
        rule = report.rule(f.rule_id)
        where = style(f"{openable(report.srcroot, f.uri)}:{f.line}:{f.column}", bold=True)
        if f.commit:
            where += f" (commit {f.commit[:12]})"
        rid = style(f.rule_id, fg=_LEVEL_COLOUR[f.level], bold=True)
        tag = " (suppressed)" if f.suppressed else ""
        out.append(f"{where}: {rid} [{rule.name}, {rule.severity}] {f.message}{tag}")
        if f.snippet:
            out.append(f"    {style('│', dim=True)} {f.snippet}")
    # Notes (binaries, templates, links skipped) are counted, not listed: they
    # are expected in any real tree. JSON and SARIF carry every one of them.
    for n in report.result.notifications:
        if n.level != "note":
            line = f":{n.line}" if n.line else ""
            out.append(style(f"{openable(report.srcroot, n.uri)}{line}: {n.level}: {n.message}", dim=True))
    active = report.active
    by_rule = Counter(f.rule_id for f in active)
    baselined = sum(1 for f in report.result.findings if f.baseline_state == "unchanged")
    suppressed = len(report.result.findings) - len(active) - baselined
    below = sum(1 for f in active if _RANK[report.rule(f.rule_id).severity] > report.fail_rank)
    summary = (
        f"{plural(len(active), 'finding')} in {plural(report.result.files_listed, 'file')}"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(by_rule.items()))})" if by_rule else "")
        + (f"; {suppressed} suppressed" if suppressed else "")
        + (f"; {baselined} in the baseline" if baselined else "")
        + (f"; {plural(len(report.result.notifications), 'notice')} (listed in --format json and sarif)"
           if report.result.notifications else "")
    )
    out.append(style(summary, bold=True))
    if below:
        level = "none" if report.fail_rank < 0 else _NAMES[report.fail_rank]
        out.append(f"{plural(below, 'finding')} below --fail-on {level}: reported, not failing the run")
    return "\n".join(out) + "\n"
