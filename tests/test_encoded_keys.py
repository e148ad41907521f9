"""Provider keys inside base64 runs: every byte alignment, both alphabets,
and the runs that must not be decoded."""

from __future__ import annotations

import base64

import pytest
from helpers import scan_fixture_tree, write_tree
from nhiguard.rules.secrets._encoded import MAX_RUN, EncodedPrefixes, encoded_forms
from nhiguard.rules.secrets._values import fake_key

TOKEN = fake_key("ghp_", 36)
FINDER = EncodedPrefixes(["ghp_", "sk-ant-api03-"])


@pytest.mark.parametrize("lead", ["", "a", "ab"])
@pytest.mark.parametrize("urlsafe", [False, True])
def test_a_prefix_is_found_at_every_alignment(lead, urlsafe):
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    blob = encode(f'{lead}{{"token": "{TOKEN}"}}'.encode()).decode()
    runs = list(FINDER.runs(f"config={blob}&x=1"))
    assert len(runs) == 1
    assert TOKEN in runs[0].decoded
    assert (runs[0].start, runs[0].end) == (len("config="), len("config=") + len(blob))


def test_every_encoding_of_a_prefix_holds_one_of_its_literals():
    for lead in range(3):
        encoded = base64.b64encode(b"x" * lead + b"ghp_" + TOKEN.encode()).decode()
        assert any(form in encoded for form in encoded_forms("ghp_"))


def test_text_without_the_encoded_prefix_is_not_decoded():
    plain = base64.b64encode(b'{"token": "not a key at all, only words"}').decode()
    assert list(FINDER.runs(plain)) == []


def test_runs_longer_than_a_config_blob_are_left_alone():
    blob = base64.b64encode(b"x" * MAX_RUN + f'"{TOKEN}"'.encode()).decode()
    assert list(FINDER.runs(blob)) == []


def test_the_report_masks_the_whole_run(tmp_path):
    blob = base64.b64encode(f'{{"token": "{TOKEN}"}}'.encode()).decode()
    write_tree(tmp_path, {"mcp.yaml": f'servers:\n  gh:\n    url: "wss://h/ws?config={blob}"\n'})
    result = scan_fixture_tree(tmp_path, ["NHG101"])
    [finding] = result.findings
    assert (finding.line, finding.column) == (3, 29)
    assert "base64-encoded" in finding.message
    for shown in (finding.snippet, finding.message):
        assert blob[:12] not in shown and TOKEN[4:12] not in shown


def test_a_run_is_read_only_near_the_prefix_encoding():
    # A megabyte-long run holding an encoded prefix is no config blob; it is
    # left alone without being walked end to end, and a key after it is found.
    blob = base64.b64encode(f'{{"token": "{TOKEN}"}}'.encode()).decode()
    long_run = "Z2hwX" * 200_000
    runs = list(FINDER.runs(f"{long_run}\nconfig={blob}\n"))
    assert [TOKEN in r.decoded for r in runs] == [True]
