"""Write the deterministic benchmark tree: a mixed monorepo with a few planted findings.

    python benchmarks/generate.py --out /tmp/tree [--seed 1] [--scale 1.0] [--git]

At scale 1 the tree holds about 11,500 files and 31.5 MB: Python services,
TypeScript packages, Kubernetes/compose/workflow/Helm YAML, package.json,
tsconfig, MCP configs and data JSON, Terraform, Markdown docs and a few
.env/TOML/Dockerfile/shell files. About 0.5% of the files carry a planted
finding (synthetic provider keys, literal client secrets, MCP configs with
literal tokens, DCR payloads without owner or expiry); they are listed, with
no secret values, in the manifest (`--manifest`). Same seed and scale, same
bytes: every file draws from its own RNG seeded by (seed, index, path).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import _gen_code as code
import _gen_config as config
import _gen_secrets as secrets
import _words as w

GENERATOR_VERSION = 4
FILES_AT_SCALE_1 = 11_500
PLANT_SHARE = 0.005
Generator = Callable[[random.Random, int, str | None], tuple[str, str]]


@dataclass(frozen=True)
class Kind:
    name: str
    share: float  # share of the file count
    mean_bytes: int  # mean target size (fixed-shape kinds ignore it)
    generate: Generator


KINDS: tuple[Kind, ...] = (
    Kind("py_module", 0.30, 2500, code.python_module),
    Kind("py_test", 0.05, 2200, code.python_test),
    Kind("ts", 0.13, 2800, code.typescript),
    Kind("tsx", 0.03, 2200, code.tsx),
    Kind("yaml_k8s", 0.09, 2000, config.yaml_k8s),
    Kind("yaml_compose", 0.02, 1500, config.yaml_compose),
    Kind("yaml_workflow", 0.015, 1400, config.yaml_workflow),
    Kind("yaml_helm", 0.035, 1800, config.yaml_helm),
    Kind("yaml_config", 0.02, 1200, config.yaml_config),
    Kind("json_package", 0.01, 0, config.json_package),
    Kind("json_tsconfig", 0.01, 0, config.json_tsconfig),
    Kind("json_data", 0.09, 2800, config.json_data),
    Kind("json_mcp", 0.004, 0, config.json_mcp),
    Kind("md", 0.095, 2500, code.markdown),
    Kind("tf", 0.06, 2200, config.terraform),
    Kind("env", 0.006, 400, config.dotenv),
    Kind("toml", 0.01, 0, config.toml),
    Kind("dockerfile", 0.01, 0, config.dockerfile),
    Kind("shell", 0.015, 900, config.shell),
    # Only planted files use this kind: registration payloads are rare in a repo.
    Kind("json_dcr", 0.0, 0, config.json_dcr),
)
KIND_BY_NAME = {k.name: k for k in KINDS}
ENV_FILE_NAMES = (".env", ".env.local", ".env.production", ".env.staging", ".env.example")


@dataclass(frozen=True)
class FileSpec:
    index: int
    path: str
    kind: str
    target: int
    plant: str | None


class _Paths:
    """Realistic, unique relative paths for each kind of file."""

    def __init__(self, rng: random.Random, total: int) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}
        self.services = self._names(max(3, total // 400))
        self.packages = self._names(max(2, total // 300))
        self.stacks = self._names(max(2, total // 500))
        self.topics = [w.word(rng, w.NOUNS) for _ in range(max(3, total // 600))]

    def _names(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = w.kebab(self.rng)
            if name not in names:
                names.append(name)
        return names

    def _unique(self, directory: str, stem: str, ext: str) -> str:
        path, n = f"{directory}/{stem}{ext}", 1
        while path in self.used:
            n += 1
            path = f"{directory}/{stem}_{n}{ext}"
        self.used.add(path)
        return path

    def _numbered_dir(self, kind: str, parent: str) -> str:
        count = self.counters.get(kind, 0) + 1
        self.counters[kind] = count
        return f"{parent}/{w.kebab(self.rng)}-{count}"

    def make(self, kind: str) -> str:
        r = self.rng
        svc, pkg = r.choice(self.services), r.choice(self.packages)
        mod = w.snake(r, r.choice((1, 2)))
        sub = w.word(r, w.NOUNS)
        table: dict[str, tuple[str, str, str]] = {
            "py_module": (f"services/{svc}/src/{svc.replace('-', '_')}/{sub}", mod, ".py"),
            "py_test": (f"services/{svc}/tests", f"test_{mod}", ".py"),
            "ts": (f"packages/{pkg}/src/{sub}", w.camel(r), ".ts"),
            "tsx": (f"packages/{pkg}/src/components", w.pascal(r), ".tsx"),
            "yaml_k8s": (f"deploy/k8s/{svc}", w.kebab(r), ".yaml"),
            "yaml_workflow": (".github/workflows", w.kebab(r), ".yml"),
            "yaml_config": (f"services/{svc}/config", w.kebab(r), ".yaml"),
            "json_data": (f"services/{svc}/fixtures/{sub}", w.kebab(r), ".json"),
            "json_dcr": (f"services/{svc}/fixtures/registrations", w.kebab(r), ".json"),
            "md": (f"docs/{r.choice(self.topics)}", w.kebab(r), ".md"),
            "tf": (f"infra/terraform/{r.choice(self.stacks)}", w.snake(r, 1), ".tf"),
            "shell": ("scripts", w.snake(r), ".sh"),
        }
        if kind in table:
            directory, stem, ext = table[kind]
            return self._unique(directory, stem, ext)
        fixed: dict[str, tuple[str, str]] = {
            "yaml_compose": (f"services/{svc}/compose", "docker-compose.yml"),
            "yaml_helm": (f"deploy/helm/{r.choice(self.stacks)}", "values.yaml"),
            "json_package": (f"packages/{pkg}/modules", "package.json"),
            "json_tsconfig": (f"packages/{pkg}/modules", "tsconfig.json"),
            "json_mcp": (f"agents/{svc}", "mcp.json"),
            "toml": (f"services/{svc}/tools", "pyproject.toml"),
            "dockerfile": (f"services/{svc}/docker", "Dockerfile"),
            "env": (f"services/{svc}/environments", r.choice(ENV_FILE_NAMES)),
        }
        parent, filename = fixed[kind]
        path = f"{self._numbered_dir(kind, parent)}/{filename}"
        self.used.add(path)
        return path


def plan(seed: int, scale: float) -> list[FileSpec]:
    """Decide every file's path, kind, size and plant; cheap and sequential."""
    rng = random.Random(f"nhiguard-bench:{seed}:plan")
    total = max(20, round(FILES_AT_SCALE_1 * scale))
    paths = _Paths(rng, total)
    kinds = [k for k in KINDS if k.share > 0]
    weights = [k.share for k in kinds]
    chosen = rng.choices(kinds, weights=weights, k=total)
    plant_count = max(len(secrets.PLANT_KINDS), round(total * PLANT_SHARE))
    plant_at = dict.fromkeys(rng.sample(range(total), plant_count), "")
    for n, index in enumerate(sorted(plant_at)):
        plant_at[index] = secrets.PLANT_KINDS[n % len(secrets.PLANT_KINDS)]
    specs: list[FileSpec] = []
    for index, kind in enumerate(chosen):
        plant = plant_at.get(index)
        if plant:
            kind = KIND_BY_NAME[secrets.PLANT_HOSTS[plant]]
        target = 0
        if kind.mean_bytes:
            sigma = 0.7
            mu = math.log(kind.mean_bytes) - sigma * sigma / 2
            target = int(min(max(rng.lognormvariate(mu, sigma), 200), kind.mean_bytes * 25))
        specs.append(FileSpec(index, paths.make(kind.name), kind.name, target, plant or None))
    return specs


def render(seed: int, spec: FileSpec) -> tuple[str, str]:
    rng = random.Random(f"nhiguard-bench:{seed}:{spec.index}:{spec.path}")
    return KIND_BY_NAME[spec.kind].generate(rng, spec.target, spec.plant)


def _write_one(job: tuple[str, int, FileSpec]) -> tuple[int, int]:
    """Write one file; return (bytes written, line of the plant marker or 0)."""
    out, seed, spec = job
    text, marker = render(seed, spec)
    data = text.encode("utf-8")
    target = Path(out, spec.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    line = text[: text.index(marker)].count("\n") + 1 if marker and marker in text else 0
    return len(data), line


ROOT_FILES = {
    ".gitignore": "node_modules/\ndist/\n__pycache__/\n.venv/\n*.log\n",
    "README.md": "# acme monorepo\n\nServices, packages, deployment and infrastructure.\n",
}


def _git(out: Path, *args: str) -> None:
    env = dict(os.environ)
    stamp = "2025-01-01T00:00:00Z"
    env.update(
        GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid",
        GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp,
    )
    base = ["git", "-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false"]
    subprocess.run([*base, *args], cwd=out, env=env, check=True, stdout=subprocess.DEVNULL)


def git_init(out: Path) -> None:
    """Make the tree a repository with one commit (needed by --staged/--diff runs)."""
    _git(out, "init", "-q", "-b", "main")
    _git(out, "add", "-A")
    _git(out, "commit", "-q", "-m", "benchmark tree")


def _jobs(specs: list[FileSpec], out: str, seed: int) -> Iterator[tuple[str, int, FileSpec]]:
    for spec in specs:
        yield out, seed, spec


@dataclass
class Manifest:
    """What was generated; stored beside the tree, never inside it."""

    seed: int
    scale: float
    git: bool
    files: int
    bytes: int
    plants: list[dict[str, object]] = field(default_factory=list)
    generator_version: int = GENERATOR_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def generate(
    out: Path, seed: int, scale: float, *, use_git: bool = False, jobs: int = 0
) -> Manifest:
    """Write the tree into `out` (which must not exist or be empty); return the manifest."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    specs = plan(seed, scale)
    jobs = jobs or os.cpu_count() or 1
    with multiprocessing.Pool(jobs) as pool:
        results = pool.map(_write_one, _jobs(specs, str(out), seed), chunksize=64)
    for name, text in ROOT_FILES.items():
        (out / name).write_text(text, encoding="utf-8")
    total_bytes = sum(size for size, _ in results) + sum(len(t) for t in ROOT_FILES.values())
    plants = [
        {"path": spec.path, "plant": spec.plant, "line": line}
        for spec, (_, line) in zip(specs, results, strict=True)
        if spec.plant
    ]
    if use_git:
        git_init(out)
    return Manifest(seed, scale, use_git, len(specs) + len(ROOT_FILES), total_bytes, plants)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="directory to create")
    parser.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="file-count multiplier")
    parser.add_argument("--git", action="store_true", help="git init + one commit")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument("--jobs", type=int, default=0, help="writer processes (default: cores)")
    parser.add_argument("--manifest", type=Path, help="write the planted-findings list here")
    args = parser.parse_args(argv)
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    try:
        manifest = generate(args.out, args.seed, args.scale, use_git=args.git, jobs=args.jobs)
    except FileExistsError as exc:
        print(f"generate.py: {exc} (use --force to replace it)", file=sys.stderr)
        return 2
    if args.manifest:
        args.manifest.write_text(manifest.to_json(), encoding="utf-8")
    print(
        f"{args.out}: {manifest.files} files, {manifest.bytes / 1e6:.1f} MB, "
        f"{len(manifest.plants)} planted findings"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
