"""Decoding, binary sniffing and recognising nhiguard's own reports."""

from __future__ import annotations

import codecs
import json

import pytest
from nhiguard.content import decode, is_own_report
from nhiguard.reporters.text import encodable

TEXT = 'name = "café"\ntoken = "ghp_x"\n'


@pytest.mark.parametrize(("raw", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
    (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32-be"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("latin-1"), "latin-1"),
])
def test_every_supported_encoding_decodes_to_the_same_text(raw, encoding):
    decoded = decode(raw)
    assert (decoded.text, decoded.encoding) == (TEXT, encoding)


@pytest.mark.parametrize("raw", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
    # A BOM-less sample that is not text in UTF-16 either: NULs on both sides.
    b"ab\x00\x00cd\x00\x00" * 64,
])
def test_binaries_stay_binary(raw):
    assert decode(raw).binary


def test_a_bom_followed_by_garbage_is_not_taken_for_text():
    assert decode(codecs.BOM_UTF16_LE + b"\x00\xd8\x00").binary  # odd length, lone surrogate


def _sarif(driver: str) -> bytes:
    return json.dumps({"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                       "runs": [{"tool": {"driver": {"name": driver}}, "results": []}]},
                      indent=2).encode()


def test_own_reports_are_recognised_by_content_not_name():
    assert is_own_report(_sarif("nhiguard"))
    own_json = {"tool": {"name": "nhiguard", "version": "0"}, "findings": [], "notifications": [],
                "summary": {}}
    assert is_own_report(json.dumps(own_json).encode())


@pytest.mark.parametrize("raw", [
    _sarif("gitleaks"),
    b'{"tool": {"name": "nhiguard"}, "token": "ghp_x"}',  # looks close, is not our format
    b'{"$schema": "x", "nhiguard": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"tool": "nhiguard", ',  # truncated
    b"nhiguard tool",
])
def test_other_files_are_not_taken_for_own_reports(raw):
    assert not is_own_report(raw)


def test_output_fits_any_stream_encoding():
    line = "    │ TOKEN = \"ghp_****\"  — 😀"
    assert encodable(line, "cp1252") == '    | TOKEN = "ghp_****"  — \\ud83d\\ude00'
    assert encodable(line, "ascii") == '    | TOKEN = "ghp_****"  - \\ud83d\\ude00'
    exact = encodable(json.dumps({"s": line}, ensure_ascii=False), "cp1252", readable=False)
    assert json.loads(exact) == {"s": line}
    assert encodable(line, "utf-8") == line
    assert encodable("x", "no-such-codec") == "x"
