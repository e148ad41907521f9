"""Config-file generators for the benchmark tree: YAML, JSON, Terraform, .env and friends.

Same contract as `_gen_code`: (rng, target bytes, plant kind or None) ->
(text, marker). YAML and JSON come out well-formed, with decoys a real
repository has (secret references, placeholders, env lookups) next to the
few planted literals.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import _gen_secrets as secrets
import _words as w
from _gen_code import fill


def _fill(target: int, used: int, make: Callable[[], str]) -> list[str]:
    # Config files join their blocks with a single newline.
    return fill(target, used, make, separator=1)


def _with_plant(rng: random.Random, blocks: list[str], plant: str | None) -> str:
    if not plant:
        return ""
    snippet, marker = secrets.text_snippet(rng, plant)
    blocks.insert(rng.randint(0, len(blocks)), snippet.rstrip("\n"))
    return marker


# --- YAML ---------------------------------------------------------------------


def _k8s_doc(rng: random.Random) -> str:
    name = w.kebab(rng)
    roll = rng.random()
    if roll < 0.5:
        env = "\n".join(
            f"            - name: {w.word(rng, w.NOUNS).upper()}_{w.word(rng, w.NOUNS).upper()}\n"
            f'              value: "{w.word(rng, w.ADJECTIVES)}"'
            for _ in range(rng.randint(1, 4))
        )
        return (
            f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
            f"  labels:\n    app: {name}\n    team: {w.word(rng, w.TEAMS)}\n"
            f"spec:\n  replicas: {rng.randint(1, 6)}\n  selector:\n    matchLabels:\n"
            f"      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n"
            f"    spec:\n      serviceAccountName: {name}\n      containers:\n"
            f"        - name: {name}\n          image: {w.word(rng, w.IMAGES)}\n"
            f"          ports:\n"
            f"            - containerPort: {rng.choice((8080, 8000, 3000, 9090))}\n"
            f"          env:\n{env}\n"
            f"            - name: API_TOKEN\n"
            f"              valueFrom:\n                secretKeyRef:\n"
            f"                  name: {name}-credentials\n                  key: token\n"
            f"          resources:\n            requests:\n"
            f"              cpu: {rng.randint(50, 500)}m\n"
            f"              memory: {rng.choice((128, 256, 512))}Mi\n"
            f"          readinessProbe:\n            httpGet:\n              path: /healthz\n"
            f"              port: http\n            periodSeconds: {rng.randint(5, 30)}"
        )
    if roll < 0.75:
        return (
            f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
            f"  selector:\n    app: {name}\n  ports:\n    - name: http\n      port: 80\n"
            f"      targetPort: {rng.choice((8080, 8000, 3000))}"
        )
    if roll < 0.92:
        data = "\n".join(
            f'  {w.snake(rng)}: "{w.word(rng, w.ADJECTIVES)}"' for _ in range(rng.randint(2, 8))
        )
        return (
            f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            f"  name: {name}-config\ndata:\n{data}"
        )
    verbs = '["*"]' if rng.random() < 0.1 else '["get", "list", "watch"]'
    return (
        f"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n"
        f'rules:\n  - apiGroups: [""]\n    resources: ["configmaps", "pods"]\n    verbs: {verbs}'
    )


def yaml_k8s(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    blocks = _fill(target, 0, lambda: _k8s_doc(rng))
    marker = _with_plant(rng, blocks, plant)
    return "\n".join(blocks) + "\n", marker


def yaml_compose(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    def service() -> str:
        name = w.word(rng, w.NOUNS)
        env = "\n".join(
            f"      {w.word(rng, w.NOUNS).upper()}_URL: http://{w.word(rng, w.NOUNS)}:8080"
            for _ in range(rng.randint(1, 3))
        )
        return (
            f"  {name}-{rng.randint(1, 99)}:\n    image: {w.word(rng, w.IMAGES)}\n"
            f"    restart: unless-stopped\n    environment:\n{env}\n"
            f"      DATABASE_PASSWORD: ${{DATABASE_PASSWORD}}\n"
            f'    ports:\n      - "{rng.randint(3000, 9000)}:8080"\n'
            f"    volumes:\n      - ./{name}:/srv/{name}:ro"
        )

    head = 'services:\n'
    return head + "\n".join(_fill(target, len(head), service)) + "\n", ""


def yaml_workflow(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    def step() -> str:
        roll = rng.random()
        if roll < 0.3:
            return (
                "      - uses: actions/checkout@v4\n        with:\n"
                f"          fetch-depth: {rng.randint(0, 2)}"
            )
        if roll < 0.5:
            return (
                f"      - uses: actions/setup-python@v5\n        with:\n"
                f'          python-version: "3.{rng.randint(10, 13)}"'
            )
        return (
            f"      - name: {w.sentence(rng, 2, 5)[:-1]}\n"
            f"        run: make {w.word(rng, w.VERBS)}\n"
            f"        env:\n          {w.word(rng, w.NOUNS).upper()}_TOKEN: "
            f"${{{{ secrets.{w.word(rng, w.NOUNS).upper()}_TOKEN }}}}"
        )

    head = (
        f"name: {w.word(rng, w.VERBS)}-{w.word(rng, w.NOUNS)}\n"
        "on:\n  push:\n    branches: [main]\n  pull_request:\n"
        "permissions:\n  contents: read\n  id-token: write\n"
        f"jobs:\n  {w.word(rng, w.VERBS)}:\n    runs-on: ubuntu-latest\n    steps:\n"
    )
    steps = _fill(target, len(head), step)
    marker = _with_plant(rng, steps, plant)
    return head + "\n".join(steps) + "\n", marker


def _helm_block(rng: random.Random) -> str:
    key = w.word(rng, w.NOUNS) + w.word(rng, w.ADJECTIVES).capitalize()
    lines = [f"{key}:", f"  enabled: {rng.choice(('true', 'false'))}"]
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        sub = w.camel(rng)
        if roll < 0.4:
            lines.append(f"  {sub}: {rng.randint(1, 3600)}")
        elif roll < 0.7:
            lines.append(f'  {sub}: "{w.kebab(rng)}"')
        elif roll < 0.8:
            cpu, memory = rng.randint(100, 900), rng.randint(1, 8)
            lines.append(f"  {sub}:\n    cpu: {cpu}m\n    memory: {memory}Gi")
        elif roll < 0.97:
            hosts = "\n".join(f"    - {w.kebab(rng)}.svc.cluster.local" for _ in range(2))
            lines.append(f"  {sub}:\n{hosts}")
        else:
            lines.append(f"  {sub}:\n    existingSecret: {w.kebab(rng)}\n    secretKey: token")
    return "\n".join(lines)


def yaml_helm(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    head = (
        f"replicaCount: {rng.randint(1, 5)}\nimage:\n  repository: ghcr.io/acme/{w.kebab(rng)}\n"
        f'  tag: "{w.semver(rng)}"\n  pullPolicy: IfNotPresent\n'
        f"serviceAccount:\n  create: true\n  name: {w.kebab(rng)}\n"
    )
    blocks = _fill(target, len(head), lambda: _helm_block(rng))
    marker = _with_plant(rng, blocks, plant)
    return head + "\n".join(blocks) + "\n", marker


def yaml_config(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    blocks = _fill(target, 0, lambda: _helm_block(rng))
    return "# " + w.sentence(rng) + "\n" + "\n".join(blocks) + "\n", ""


# --- JSON ---------------------------------------------------------------------


def json_package(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    deps = {d: f"^{w.semver(rng)}" for d in rng.sample(w.NPM_PACKAGES, rng.randint(3, 12))}
    dev = {d: f"^{w.semver(rng)}" for d in rng.sample(w.NPM_PACKAGES, rng.randint(1, 6))}
    doc = {
        "name": f"@acme/{w.kebab(rng)}",
        "version": w.semver(rng),
        "private": True,
        "type": "module",
        "scripts": {"build": "tsc -p .", "test": "vitest run", "lint": "eslint src"},
        "dependencies": dict(sorted(deps.items())),
        "devDependencies": dict(sorted(dev.items())),
    }
    return json.dumps(doc, indent=2) + "\n", ""


def json_tsconfig(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    doc = {
        "extends": "../../tsconfig.base.json",
        "compilerOptions": {
            "target": rng.choice(["ES2020", "ES2022"]),
            "module": "NodeNext",
            "strict": True,
            "outDir": "dist",
            "rootDir": "src",
            "declaration": rng.random() < 0.5,
        },
        "include": ["src"],
    }
    return json.dumps(doc, indent=2) + "\n", ""


def json_data(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    records: list[dict[str, object]] = []
    size = 40
    while size < target or not records:
        record: dict[str, object] = {
            "id": rng.randint(1, 10**7),
            "name": w.kebab(rng),
            "status": w.word(rng, w.ADJECTIVES),
            "owner": w.word(rng, w.TEAMS),
            "updated_at": w.iso_date(rng),
            "score": round(rng.random() * 100, 2),
            "tags": [w.word(rng, w.NOUNS) for _ in range(rng.randint(0, 3))],
        }
        if rng.random() < 0.05:
            record["etag"] = w.hex_digest(rng, 16)
        records.append(record)
        size += 230
    return json.dumps({"items": records, "count": len(records)}, indent=2) + "\n", ""


def json_mcp(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    return secrets.mcp_config(rng, plant)


def json_dcr(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    return secrets.dcr_payload(rng)


# --- Terraform, .env, TOML, Dockerfile, shell ---------------------------------


def _tf_block(rng: random.Random) -> str:
    name = w.snake(rng)
    roll = rng.random()
    if roll < 0.3:
        return (
            f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "acme-{w.kebab(rng)}"\n'
            f'  tags = {{\n    team = "{w.word(rng, w.TEAMS)}"\n'
            "    env  = var.environment\n  }\n}"
        )
    if roll < 0.5:
        return (
            f'resource "aws_iam_role" "{name}" {{\n  name               = "{w.kebab(rng)}"\n'
            f"  assume_role_policy = data.aws_iam_policy_document.{name}.json\n"
            f"  max_session_duration = {rng.choice((3600, 7200, 43200))}\n}}"
        )
    if roll < 0.65:
        return (
            f'variable "{name}" {{\n  type        = string\n  description = "{w.sentence(rng)}"\n'
            f"  sensitive   = {rng.choice(('true', 'false'))}\n}}"
        )
    if roll < 0.8:
        return (
            f'resource "aws_lambda_function" "{name}" {{\n  function_name = "{w.kebab(rng)}"\n'
            f'  runtime       = "python3.12"\n  handler       = "app.handler"\n'
            f"  role          = aws_iam_role.{name}.arn\n  timeout       = {rng.randint(3, 900)}\n"
            f"  environment {{\n    variables = {{\n      LOG_LEVEL = \"info\"\n"
            f"      TOKEN_PARAM = \"/{w.word(rng, w.NOUNS)}/token\"\n    }}\n  }}\n}}"
        )
    if roll < 0.9:
        return f'output "{name}" {{\n  value = module.{w.snake(rng, 1)}.{w.snake(rng, 1)}_id\n}}'
    return (
        f'module "{name}" {{\n  source  = "./modules/{w.kebab(rng)}"\n'
        f'  region  = "{w.word(rng, w.REGIONS)}"\n  enabled = true\n}}'
    )


def terraform(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    blocks = _fill(target, 0, lambda: _tf_block(rng))
    marker = _with_plant(rng, blocks, plant)
    return "\n\n".join(blocks) + "\n", marker


def dotenv(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    def line() -> str:
        key = f"{w.word(rng, w.NOUNS).upper()}_{w.word(rng, w.NOUNS).upper()}"
        return rng.choice(
            (
                f"{key}={w.word(rng, w.ADJECTIVES)}",
                f"{key}_URL=http://{w.word(rng, w.NOUNS)}:{rng.randint(3000, 9000)}",
                f"# {w.sentence(rng)}",
                "OPENAI_API_KEY=",
                "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
            )
        )

    lines = _fill(target, 0, line)
    marker = _with_plant(rng, lines, plant)
    return "\n".join(lines) + "\n", marker


def toml(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    deps = ", ".join(f'"{w.word(rng, w.NOUNS)}-lib>={w.semver(rng)}"' for _ in range(4))
    return (
        f'[project]\nname = "{w.kebab(rng)}"\nversion = "{w.semver(rng)}"\n'
        f'requires-python = ">=3.11"\ndependencies = [{deps}]\n\n'
        f"[tool.ruff]\nline-length = {rng.choice((88, 100, 120))}\n\n"
        f'[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "",
    )


def dockerfile(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    return (
        f"FROM {w.word(rng, w.IMAGES)}\nWORKDIR /app\nCOPY pyproject.toml .\n"
        f"RUN pip install --no-cache-dir .\nCOPY src ./src\nUSER 10001\n"
        f"EXPOSE {rng.choice((8000, 8080))}\nCMD [\"python\", \"-m\", \"{w.snake(rng, 1)}\"]\n",
        "",
    )


def shell(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    body = _fill(
        target,
        0,
        lambda: f"# {w.sentence(rng)}\n{w.word(rng, w.VERBS)}_{w.word(rng, w.NOUNS)} \"$@\"",
    )
    return "#!/usr/bin/env bash\nset -euo pipefail\n\n" + "\n".join(body) + "\n", ""
