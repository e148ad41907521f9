"""What an artifact's bytes are: text (in which encoding), binary, or one of
nhiguard's own reports.

Decoding order: a byte-order mark (UTF-8, UTF-16, UTF-32) wins; then UTF-16
without a mark, recognised by its NUL pattern (every other byte NUL in
mostly-ASCII text); then UTF-8; then Latin-1, which decodes any bytes, so a
secret in a legacy-encoded file is still found (with a note saying so).
Binary means a NUL byte in text that is none of the above.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass

SNIFF_BYTES = 8192

# Longest marks first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Share of NULs the "other" half of a BOM-less UTF-16 sample must have.
_UTF16_NUL_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a file, or None for a binary; `encoding` names what was used."""

    text: str | None
    encoding: str

    @property
    def binary(self) -> bool:
        return self.text is None


def _bomless_utf16(sample: bytes) -> str | None:
    """`utf-16-le`/`-be` when NULs sit almost only at odd/even offsets, as in
    UTF-16 of mostly-ASCII text; binaries scatter them."""
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd >= half * _UTF16_NUL_SHARE and even == 0:
        return "utf-16-le"
    if even >= half * _UTF16_NUL_SHARE and odd == 0:
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode(data: bytes) -> Decoded:
    """The file's text and the encoding it was read in (see the module doc)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], encoding)
            if text is not None:
                return Decoded(text, encoding)
            break  # a mark followed by nonsense: fall through to the sniff
    sample = data[:SNIFF_BYTES]
    if b"\0" in sample:
        utf16 = _bomless_utf16(sample[: len(sample) - len(sample) % 2])
        text = _strict(data, utf16) if utf16 else None
        return Decoded(text, utf16) if text is not None and utf16 else Decoded(None, "binary")
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    return Decoded(data.decode("latin-1"), "latin-1")


def needs_decoding(data: bytes) -> bool:
    """True unless the bytes can go to the keyword prefilter as they are
    (UTF-8 or a single-byte legacy encoding, no NUL). Cheap: one sniff."""
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in data[:SNIFF_BYTES]


# The first bytes nhiguard writes in its JSON and SARIF reports (see reporters/).
_REPORT_MARKERS = (b'"$schema"', b'"tool"')


def is_own_report(data: bytes) -> bool:
    """True for a SARIF log whose tool is nhiguard, or nhiguard's JSON report.

    Recognised by content, not by name: a second scan must not report the
    snippets and rule examples in the first scan's output, whatever the file
    is called. A cheap byte test comes first, so other files are not parsed.
    """
    head = data[:4096].lstrip()
    if not head.startswith(b"{") or b'"nhiguard"' not in head:
        return False
    if not any(marker in head for marker in _REPORT_MARKERS):
        return False
    try:
        report = json.loads(data)
    except (ValueError, RecursionError):
        return False
    if not isinstance(report, dict):
        return False
    runs = report.get("runs")
    if isinstance(runs, list) and runs:
        return all(_driver_name(run) == "nhiguard" for run in runs)
    tool = report.get("tool")
    return (isinstance(tool, dict) and tool.get("name") == "nhiguard"
            and isinstance(report.get("findings"), list) and isinstance(report.get("summary"), dict))


def _driver_name(run: object) -> object:
    if not isinstance(run, dict):
        return None
    tool = run.get("tool")
    driver = tool.get("driver") if isinstance(tool, dict) else None
    return driver.get("name") if isinstance(driver, dict) else None
