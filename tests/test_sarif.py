"""SARIF output against the official 2.1.0 schema and Microsoft's multitool,
and against the parts of docs/architecture.md's SARIF contract that GitHub depends on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT, git, nhiguard, write_tree
from nhiguard.registry import all_rule_classes

SCHEMA = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())
MULTITOOL = ROOT / "tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
PAT = "ghp_" + "Zq4Xv9Lw2Nc7Rt5Ym8Kp3Hd6Bs1Gf0Ja2UeW"  # split so this file is no finding itself


@pytest.fixture(scope="module")
def sarif_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    write_tree(root, {
        "app/agent.py": f'import os\nTOKEN = "{PAT}"\nOTHER = os.environ["X"]\n',
        "app/suppressed.py": f'T = "{PAT}"  # nhiguard: ignore[NHG101] test fixture\n',
        "deploy/.env": f"GITHUB_TOKEN={PAT}\n",
        "broken.json": '{"a": [1, 2,, }\n',
        "bare.py": "x = 1  # nhiguard: ignore\n",
        "bin.dat.txt": b"\x00\x01\x02binary ghp_\x00",
    })
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@github.com:example/agents.git")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


@pytest.fixture(scope="module")
def sarif_files(sarif_tree) -> dict[str, Path]:
    out = {}
    for name, extra in (("default", []), ("suppressed", ["--include-suppressed"])):
        path = sarif_tree.parent / f"{sarif_tree.name}-{name}.sarif"
        run = nhiguard("scan", ".", "--format", "sarif", "--output", str(path), *extra, cwd=sarif_tree)
        assert run.code == 1, run.stderr
        out[name] = path
    return out


def test_sarif_matches_the_official_schema(sarif_files):
    for path in sarif_files.values():
        log = json.loads(path.read_text())
        errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
        assert errors == [], [e.message for e in errors[:5]]


def test_sarif_passes_the_multitool_with_no_error_or_warning(sarif_files, tmp_path):
    assert MULTITOOL.exists(), "run `make test` so the SARIF multitool is installed"
    for name, path in sarif_files.items():
        report = tmp_path / f"{name}-validation.sarif"
        proc = subprocess.run(
            [str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif", "--output", str(report),
             str(path)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        results = json.loads(report.read_text())["runs"][0].get("results", [])
        # A result with no level is a warning (SARIF's default).
        problems = [r for r in results if r.get("level", "warning") in ("error", "warning")]
        assert problems == [], [(r["ruleId"], r["message"]) for r in problems]


def test_rules_carry_what_github_requires(sarif_files):
    log = json.loads(sarif_files["default"].read_text())
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nhiguard" and driver["semanticVersion"] and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in all_rule_classes()]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["helpUri"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        tags = props["tags"]
        assert "security" in tags and len(tags) <= 10
        assert sum(t.startswith("kind/") for t in tags) == 1
        assert any(t.startswith("external/cwe/cwe-") for t in tags)
        assert 0.0 < float(props["security-severity"]) <= 10.0
        assert props["precision"] in ("very-high", "high", "medium", "low")
        assert not any(t.startswith("owasp-nhi/NHI3:") for t in tags)
        for rel in rule["relationships"]:
            component = run["taxonomies"][rel["target"]["toolComponent"]["index"]]
            assert rel["target"]["id"] in {t["id"] for t in component["taxa"]}
    assert run["automationDetails"]["id"] == "nhiguard/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    vcp = run["versionControlProvenance"][0]
    assert vcp["repositoryUri"] == "https://github.com/example/agents" and len(vcp["revisionId"]) == 40


def test_results_are_relative_redacted_and_fingerprinted(sarif_files):
    text = sarif_files["default"].read_text()
    assert PAT not in text and PAT[4:] not in text
    results = json.loads(text)["runs"][0]["results"]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert uris == ["app/agent.py", "deploy/.env"]  # the suppressed one is left out
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] >= 1 and loc["region"]["snippet"]["text"]
        assert ":" in r["partialFingerprints"]["primaryLocationLineHash"]
        assert r["ruleIndex"] >= 0 and "suppressions" not in r


def test_suppressed_results_appear_only_when_asked(sarif_files):
    results = json.loads(sarif_files["suppressed"].read_text())["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [{"kind": "inSource", "justification": "test fixture"}]


def test_unreadable_files_become_notifications(sarif_files):
    run = json.loads(sarif_files["default"].read_text())["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    by_uri = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n for n in notes}
    assert by_uri["bin.dat.txt"]["descriptor"]["id"] == "binary"
    assert by_uri["bare.py"]["descriptor"]["id"] == "bare-ignore"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_fingerprints_survive_line_moves(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    first = nhiguard("scan", ".", "--format", "json", cwd=tmp_path).json()["findings"]
    write_tree(tmp_path, {"a.py": f'import os\n\n\ndef f():\n    pass\n\nT = "{PAT}"\n'})
    second = nhiguard("scan", ".", "--format", "json", cwd=tmp_path).json()["findings"]
    assert first[0]["line"] != second[0]["line"]
    assert first[0]["fingerprint"] == second[0]["fingerprint"]


def test_full_descriptions_are_plain_text_within_githubs_limit():
    from nhiguard.engine import ScanResult
    from nhiguard.reporters.base import Report
    from nhiguard.reporters.sarif import FULL_DESCRIPTION_MAX, build_sarif, plain_description

    rules = list(all_rule_classes())
    log = build_sarif(Report(ScanResult([], [], 0, 0), rules, ROOT))
    for desc in log["runs"][0]["tool"]["driver"]["rules"]:
        text = desc["fullDescription"]["text"]
        assert 0 < len(text) <= FULL_DESCRIPTION_MAX, desc["id"]
        assert not any(mark in text for mark in ("`", "**", "](", "\n")), desc["id"]
        assert "`" in desc["help"]["markdown"] or "#" in desc["help"]["markdown"]
    long = "Uses `client_secret` [see RFC 7591](https://example.com). " + "Another sentence here. " * 80
    short = plain_description(long)
    assert len(short) <= FULL_DESCRIPTION_MAX and short.endswith("here.")
    assert short.startswith("Uses client_secret see RFC 7591. Another")
    words = plain_description("word " * 400)
    assert len(words) <= FULL_DESCRIPTION_MAX and words.endswith("word\u2026")


def test_maestro_layer_6_stands_beside_the_guidance_ids():
    from nhiguard.taxonomy import TAXA

    assert TAXA["MAESTRO-L6"].tag == "maestro/L6" and "Security & Compliance" in TAXA["MAESTRO-L6"].name
    for rule in all_rule_classes():
        guided = "NHI-03" in rule.taxa or "A1" in rule.taxa
        assert ("MAESTRO-L6" in rule.taxa) == guided, rule.id
        if guided:
            from nhiguard.reporters.sarif import rule_tags

            assert "maestro/L6" in rule_tags(rule), rule.id
