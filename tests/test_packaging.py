"""What `pip install nhiguard` gets: every module, nothing else, and only
dependencies the package really imports.

The wheel is built from a copy of the sources (no network: the build backend
is installed with the test extra), so the check sees what users would get,
not what an editable install happens to find.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from helpers import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LAYOUT = {"scanner": "nhiguard", "rules": "nhiguard/rules"}
SOURCES = ("pyproject.toml", "setup.py", "README.md", "scanner", "rules")


def _expected_modules(root: Path) -> set[str]:
    """Each .py file of the source folders, at the path it has in the wheel."""
    return {f"{LAYOUT[folder]}/{p.relative_to(root / folder).as_posix()}"
            for folder in LAYOUT for p in (root / folder).rglob("*.py")
            if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A wheel built from a copy of the sources plus one new rule family,
    which no list in the packaging config names."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, src / name)
    family = src / "rules" / "newfamily"
    family.mkdir()
    (family / "__init__.py").write_text('"""A family added after the packaging config was written."""\n')
    (family / "_helpers.py").write_text("VALUE = 1\n")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                           str(src)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = out.glob("nhiguard-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return src, zf.namelist()


def test_wheel_holds_every_module_under_nhiguard(built):
    src, names = built
    in_wheel = {n for n in names if n.endswith(".py")}
    expected = _expected_modules(src)
    assert "nhiguard/rules/newfamily/_helpers.py" in expected
    assert sorted(expected - in_wheel) == []
    assert sorted(in_wheel - expected) == []


def test_wheel_has_nothing_else_at_the_top(built):
    _, names = built
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"nhiguard"}


def _imported_top_names() -> set[str]:
    names: set[str] = set()
    for folder in LAYOUT:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(spec) for spec in project["dependencies"]]


def test_every_runtime_dependency_is_imported_by_the_package():
    # Import name -> distributions, from the installed metadata (PyYAML is `yaml`).
    provides: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            provides.setdefault(canonicalize_name(dist), set()).add(module)
    imported = _imported_top_names()
    unused = []
    for req in _runtime_requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue  # not installed on this platform, so no metadata to map it
        modules = provides.get(canonicalize_name(req.name))
        assert modules, f"{req.name} is declared but not installed"
        if not modules & imported:
            unused.append(req.name)
    assert unused == [], f"declared but never imported: {unused}"


def test_the_fast_pattern_engine_is_a_default_dependency_where_wheels_exist():
    (hyperscan,) = [r for r in _runtime_requirements() if r.name == "hyperscan"]
    assert hyperscan.marker is not None
    for platform, machine in [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"),
                              ("darwin", "x86_64"), ("win32", "AMD64")]:
        env = {"sys_platform": platform, "platform_machine": machine, "python_version": "3.12"}
        assert hyperscan.marker.evaluate(env), env
    for platform, machine in [("linux", "ppc64le"), ("linux", "s390x"), ("win32", "ARM64")]:
        env = {"sys_platform": platform, "platform_machine": machine, "python_version": "3.12"}
        assert not hyperscan.marker.evaluate(env), env
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    fast = [Requirement(s) for s in extras["project"]["optional-dependencies"]["fast"]]
    assert [r.name for r in fast] == ["hyperscan"] and fast[0].marker is None
