"""Configuration is found as ruff finds its own, and text output names paths
the user can open from where they stand (SARIF stays repository-relative)."""

from __future__ import annotations

import json

from helpers import git, nhiguard, write_tree

PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]


def _repo(tmp_path, files):
    repo = write_tree(tmp_path / "repo", files)
    git(repo, "init", "-q")
    return repo


def test_the_nearest_configuration_upward_from_the_scanned_path_wins(tmp_path):
    repo = _repo(tmp_path, {
        "pyproject.toml": "[tool.nhiguard]\nignore = ['NHG101']\n",
        "svc/pyproject.toml": "[project]\nname = 'svc'\n",  # no [tool.nhiguard]: passed over
        "svc/app/a.py": f'T = "{PAT}"\n',
        "other/.nhiguard.toml": "select = ['NHG2']\n",
        "other/b.py": f'T = "{PAT}"\n',
    })
    assert nhiguard("scan", "svc/app", cwd=repo).code == 0  # the root's ignore applies
    assert nhiguard("scan", "svc/app/a.py", cwd=repo).code == 0
    assert nhiguard("scan", "../svc/app", cwd=repo / "other").code == 0  # not the cwd's file
    assert nhiguard("scan", "other", cwd=repo).code == 0  # only NHG2 selected there
    assert nhiguard("scan", "svc", "--config", str(repo / "other/.nhiguard.toml"), cwd=repo).code == 0
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert nhiguard("scan", "svc/app", cwd=repo).code == 1


def test_the_search_stops_at_the_repository_root(tmp_path):
    write_tree(tmp_path, {".nhiguard.toml": "ignore = ['NHG1']\n"})
    repo = _repo(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    assert nhiguard("scan", ".", cwd=repo).code == 1


def test_a_broken_configuration_is_named_as_the_user_can_open_it(tmp_path):
    repo = _repo(tmp_path, {"svc/.nhiguard.toml": "selectt = ['NHG1']\n", "svc/a.py": "x = 1\n"})
    run = nhiguard("scan", "a.py", cwd=repo / "svc")
    assert run.code == 2 and run.stderr.startswith("nhiguard: .nhiguard.toml: unknown setting 'selectt'")


def test_text_paths_open_from_the_current_folder_sarif_stays_repository_relative(tmp_path):
    repo = _repo(tmp_path, {"src/pkg/a.py": f'T = "{PAT}"\n', "lib/b.py": f'T = "{PAT}"\n'})
    text = nhiguard("scan", ".", "../lib", cwd=repo / "src")
    assert text.code == 1
    assert "pkg/a.py:1:" in text.stdout and "../lib/b.py:1:" in text.stdout
    assert "src/pkg/a.py" not in text.stdout
    for line in text.stdout.splitlines():
        if ": NHG" in line:
            assert (repo / "src" / line.split(":", 1)[0]).is_file()
    sarif = nhiguard("scan", ".", "--format", "sarif", cwd=repo / "src")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(sarif.stdout)["runs"][0]["results"]}
    assert uris == {"src/pkg/a.py"}


def test_the_readme_examples_paste_into_either_file(tmp_path):
    from helpers import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Configuration"):readme.index("## SARIF")]
    blocks = [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]
    assert len(blocks) >= 2 and all(b.startswith("[tool.nhiguard") for b in blocks)
    for name in ("pyproject.toml", ".nhiguard.toml"):
        for i, block in enumerate(blocks):
            repo = _repo(tmp_path / f"{name}{i}", {name: block, "a.py": "x = 1\n"})
            run = nhiguard("rules", "NHG201", cwd=repo)
            assert run.code == 0, (name, block, run.stderr)
            if "max-secret-lifetime-days = 30" in block:
                assert "max-secret-lifetime-days = 30" in run.stdout
            assert nhiguard("scan", cwd=repo).code == 0, (name, block)
