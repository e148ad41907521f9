"""Provider key formats against other scanners' own rule tests.

tests/fixtures/peers/peer_formats.json holds positive and negative samples
copied from the rule tests of gitleaks, kingfisher and trufflehog for every
provider nhiguard claims (their tokens are those projects' made-up test
values). Each sample names the kind of key that must, or must not, be
reported; recall and precision are measured per provider and must both
reach 0.95. Samples left out of the score are kept in the file with the
reason (a placeholder nhiguard keeps quiet on purpose, or a shape no
provider issues).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache

import pytest
from helpers import ROOT
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.registry import select_rules
from nhiguard.rules.secrets._providers import PROVIDERS, find_provider_keys
from nhiguard.sources import Artifact

DATA = json.loads((ROOT / "tests" / "fixtures" / "peers" / "peer_formats.json").read_text("utf-8"))
SAMPLES = DATA["samples"]
TARGET = 0.95


def _provider(sample: dict) -> str:
    """The provider a sample belongs to: the first word of its kind (`Slack`, `OpenAI`)."""
    return str(sample["kind"]).split()[0]


@cache
def _reported(text: str) -> frozenset[str]:
    return frozenset(h.provider.name for h in find_provider_keys(text if text.endswith("\n")
                                                                 else text + "\n"))


def _hit(sample: dict) -> bool:
    return any(name.startswith(sample["kind"]) for name in _reported(sample["text"]))


def _scores(provider: str) -> tuple[float, float, Counter[str]]:
    counts: Counter[str] = Counter()
    for sample in SAMPLES:
        if _provider(sample) == provider:
            found, hit = sample["found"], _hit(sample)
            counts["tp" if found and hit else "fn" if found else "fp" if hit else "tn"] += 1
    positives, reported = counts["tp"] + counts["fn"], counts["tp"] + counts["fp"]
    recall = counts["tp"] / positives if positives else 1.0
    precision = counts["tp"] / reported if reported else 1.0
    return recall, precision, counts


PROVIDERS_SAMPLED = sorted({_provider(s) for s in SAMPLES})


@pytest.mark.parametrize("provider", PROVIDERS_SAMPLED)
def test_recall_and_precision_on_the_peers_samples(provider):
    recall, precision, counts = _scores(provider)
    wrong = [(s["peer"], s["found"], sorted(_reported(s["text"]))) for s in SAMPLES
             if _provider(s) == provider and _hit(s) != s["found"]]
    assert recall >= TARGET and precision >= TARGET, (recall, precision, dict(counts), wrong)


def test_the_table_is_a_real_measure():
    # Every kind names a format of the table, and both directions are sampled.
    names = {p.name for p in PROVIDERS}
    assert all(any(n.startswith(s["kind"]) for n in names) for s in SAMPLES)
    found = Counter(s["found"] for s in SAMPLES)
    assert found[True] >= 150 and found[False] >= 100
    assert len(PROVIDERS_SAMPLED) >= 25
    assert all(s["why"] for s in DATA["left_out"])


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s["found"]][::15],
                         ids=lambda s: s["peer"])
def test_reported_samples_never_show_the_key(sample):
    text = sample["text"] if sample["text"].endswith("\n") else sample["text"] + "\n"
    result = scan_artifact(Artifact(uri="sample.txt", data=text.encode()),
                           Prefilter([cls() for cls in select_rules(["NHG1"])]))
    assert result.findings
    for hit in find_provider_keys(text):
        body = hit.key[len(hit.provider.prefix):]
        assert not any(body in f.snippet or body in f.message for f in result.findings)
