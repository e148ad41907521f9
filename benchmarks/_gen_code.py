"""Source-code generators for the benchmark tree: Python, TypeScript, Markdown.

Each generator takes a seeded RNG, a target size in bytes and an optional
plant kind, and returns (text, marker): the file content, and a string on the
planted finding's line ("" when nothing is planted). The Python it writes
parses with `ast`; identifiers, bodies, comments and docstrings vary.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import _gen_secrets as secrets
import _words as w

PY_TYPES = ("str", "int", "float", "bool", "dict[str, Any]", "list[str]", "bytes", "Path")
PY_EXCEPTIONS = ("ValueError", "KeyError", "OSError", "TimeoutError", "RuntimeError")
LOG_LEVELS = ("debug", "info", "warning")
ENV_DECOYS = (
    'os.environ.get("OPENAI_API_KEY")',
    'os.environ["DATABASE_URL"]',
    'os.getenv("CLIENT_SECRET", "")',
    'settings.get("api_token")',
    'os.environ.get("GITHUB_TOKEN", "")',
)


def _assemble(rng: random.Random, head: str, blocks: list[str], plant_text: str) -> str:
    if plant_text:
        blocks.insert(rng.randint(0, len(blocks)), plant_text)
    return head + "\n\n".join(blocks)


def fill(target: int, used: int, make: Callable[[], str], separator: int = 2) -> list[str]:
    """Call `make()` until the blocks, joined by `separator` characters, add up
    to `target` bytes (code files join blocks with a blank line: 2)."""
    blocks: list[str] = []
    total = used
    while total < target or not blocks:
        block = make()
        blocks.append(block)
        total += len(block) + separator
    return blocks


# --- Python -----------------------------------------------------------------


def _py_expr(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(names)
    roll = rng.randrange(9)
    if roll == 0:
        return f'{name}.get("{w.snake(rng, 1)}", {rng.randint(0, 500)})'
    if roll == 1:
        return f"{w.func_name(rng)}({name}, retries={rng.randint(1, 5)})"
    if roll == 2:
        return f"[item for item in {name} if item is not None]"
    if roll == 3:
        return f'{{"{w.snake(rng, 1)}": {name}, "{w.snake(rng, 1)}": {rng.random():.2f}}}'
    if roll == 4:
        return f"len({name}) * {rng.randint(2, 64)}"
    if roll == 5:
        return f'f"{w.kebab(rng)}-{{{name}}}"'
    if roll == 6:
        return rng.choice(ENV_DECOYS)
    if roll == 7:
        return f"self._{w.snake(rng, 1)}" if "self" in names else f"{name} or {{}}"
    return f"{w.word(rng, w.NOUNS)}_registry.{w.func_name(rng)}({name})"


def _py_simple(rng: random.Random, names: list[str], pad: str) -> str:
    roll = rng.random()
    if roll < 0.55:
        var = w.snake(rng)
        line = f"{pad}{var} = {_py_expr(rng, names)}"
        names.append(var)
        return line
    if roll < 0.8:
        level = rng.choice(LOG_LEVELS)
        return f'{pad}logger.{level}("{w.sentence(rng, 3, 8)[:-1]}: %s", {rng.choice(names)})'
    if roll < 0.92:
        return f"{pad}# {w.sentence(rng)}"
    return f"{pad}{rng.choice(names)}.{w.func_name(rng)}()"


def _py_stmt(rng: random.Random, names: list[str], pad: str, depth: int) -> str:
    roll = rng.random()
    if depth >= 2 or roll < 0.55:
        return _py_simple(rng, names, pad)
    inner = pad + "    "
    # The first statement of a block is never a comment, so the block is never empty.
    first = f'{inner}logger.debug("{w.sentence(rng, 3, 6)[:-1]}: %s", {rng.choice(names)})'
    rest = [_py_stmt(rng, names, inner, depth + 1) for _ in range(rng.randint(0, 2))]
    body = "\n".join([first, *rest])
    target = rng.choice(names)
    if roll < 0.7:
        cond = rng.choice((f"{target} is None", f"not {target}", f"len({target}) > 3"))
        return f"{pad}if {cond}:\n{body}"
    if roll < 0.82:
        return f"{pad}for item in {target}:\n{inner}names.append(item)\n{body}"
    if roll < 0.92:
        exc = rng.choice(PY_EXCEPTIONS)
        return (
            f"{pad}try:\n{body}\n{pad}except {exc} as exc:\n"
            f'{inner}logger.warning("{w.sentence(rng, 3, 6)[:-1]}: %s", exc)\n{inner}raise'
        )
    return f'{pad}with open({target}, encoding="utf-8") as handle:\n{inner}data = handle.read()'


def _py_function(rng: random.Random, pad: str = "", method: bool = False) -> str:
    params = [w.snake(rng, 1) for _ in range(rng.randint(0, 3))]
    params = list(dict.fromkeys(params))
    sig = ", ".join(f"{p}: {rng.choice(PY_TYPES)}" for p in params)
    if method:
        sig = "self" + (", " + sig if sig else "")
    names = (["self"] if method else []) + params + ["names"]
    inner = pad + "    "
    lines = [
        f"{pad}{'async ' if rng.random() < 0.15 else ''}def {w.func_name(rng)}({sig})"
        f" -> {rng.choice(PY_TYPES)}:",
        f'{inner}"""{w.sentence(rng)}"""',
        f"{inner}names: list[str] = []",
    ]
    lines += [_py_stmt(rng, names, inner, 0) for _ in range(rng.randint(2, 9))]
    lines.append(f"{inner}return {rng.choice(names)}")
    return "\n".join(lines)


def _py_class(rng: random.Random) -> str:
    name = w.pascal(rng, 3)
    if rng.random() < 0.35:
        fields = list(dict.fromkeys(w.snake(rng, 1) for _ in range(rng.randint(2, 6))))
        body = [f"    {f}: {rng.choice(PY_TYPES)}" for f in fields]
        body.append(f"    {w.snake(rng)}: int = {rng.randint(0, 100)}")
        body.append("    tags: list[str] = field(default_factory=list)")
        return f'@dataclass\nclass {name}:\n    """{w.sentence(rng)}"""\n\n' + "\n".join(body)
    attrs = list(dict.fromkeys(w.snake(rng, 1) for _ in range(rng.randint(1, 4))))
    init = ["    def __init__(self, " + ", ".join(f"{a}: Any" for a in attrs) + ") -> None:"]
    init += [f"        self._{a} = {a}" for a in attrs]
    methods = [_py_function(rng, "    ", method=True) for _ in range(rng.randint(1, 4))]
    doc = w.paragraph(rng, 2, 88, "    ").lstrip()
    head = f'class {name}:\n    """{doc}\n    """\n\n'
    return head + "\n".join(init) + "\n\n" + "\n\n".join(methods)


def python_module(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    imports = sorted(set(rng.sample(w.PY_STDLIB, rng.randint(2, 6))) | {"logging", "os"})
    head = [
        f'"""{w.sentence(rng)}\n\n{w.paragraph(rng, width=88)}\n"""\n',
        "from __future__ import annotations\n",
    ]
    head += [f"import {name}" for name in imports]
    head += [
        "from dataclasses import dataclass, field",
        "from pathlib import Path",
        "from typing import Any\n",
        f"from .{w.snake(rng, 1)} import {w.pascal(rng)}\n",
        "logger = logging.getLogger(__name__)\n",
        f"DEFAULT_{w.word(rng, w.NOUNS).upper()}_TIMEOUT = {rng.randint(5, 120)}",
        f'{w.word(rng, w.NOUNS).upper()}_PREFIX = "{w.kebab(rng)}"\n\n',
    ]
    head_text = "\n".join(head)

    def block() -> str:
        return _py_class(rng) if rng.random() < 0.3 else _py_function(rng)

    blocks = fill(target, len(head_text), block)
    plant_text, marker = secrets.text_snippet(rng, plant) if plant else ("", "")
    return _assemble(rng, head_text, blocks, plant_text) + "\n", marker


def python_test(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    module = w.snake(rng, 1)
    funcs = [w.func_name(rng) for _ in range(4)]
    head = f"import pytest\n\nfrom app.{module} import {', '.join(sorted(set(funcs)))}\n\n\n"

    def block() -> str:
        func = rng.choice(funcs)
        cases = ", ".join(f'("{w.kebab(rng)}", {rng.randint(0, 9)})' for _ in range(3))
        return (
            f'@pytest.mark.parametrize(("value", "expected"), [{cases}])\n'
            f"def test_{func}_{w.word(rng, w.ADJECTIVES)}(value: str, expected: int) -> None:\n"
            f"    # {w.sentence(rng)}\n"
            f"    result = {func}(value)\n"
            f"    assert result is not None\n"
            f"    assert len(str(result)) >= expected\n"
        )

    return head + "\n\n".join(fill(target, len(head), block)), ""


# --- TypeScript ---------------------------------------------------------------


def _ts_function(rng: random.Random) -> str:
    name, arg, var = w.camel(rng), w.word(rng, w.NOUNS), w.camel(rng)
    kind = w.pascal(rng)
    body = [
        f"export async function {name}({arg}: string, options: Partial<{kind}> = {{}}):"
        f" Promise<{kind}> {{",
        f"  const {var} = await http.get<{kind}>(`/api/{w.word(rng, w.NOUNS)}s/${{{arg}}}`);",
    ]
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.3:
            body.append(
                f"  if (!{var}.{w.camel(rng)}) {{\n"
                f'    throw new Error("{w.sentence(rng)}");\n  }}'
            )
        elif roll < 0.55:
            body.append(
                f"  for (const item of {var}.items ?? []) {{\n"
                f'    logger.debug({{ item, options }}, "{w.sentence(rng, 3, 7)}");\n  }}'
            )
        elif roll < 0.7:
            body.append(f"  // {w.sentence(rng)}")
        elif roll < 0.8:
            env = w.word(rng, w.NOUNS).upper()
            body.append(f'  const {w.camel(rng)} = process.env.{env}_TOKEN ?? "";')
        else:
            field = w.camel(rng)
            body.append(f"  const {w.camel(rng)} = {var}.items?.map((x) => x.{field}) ?? [];")
    body.append(f"  return {var};\n}}")
    return "\n".join(body)


def _ts_types(rng: random.Random) -> str:
    name = w.pascal(rng)
    fields = list(dict.fromkeys(w.camel(rng) for _ in range(rng.randint(2, 7))))
    kinds = ("string", "number", "boolean", "string[]", "Date", "Record<string, unknown>")
    lines = [f"  {f}{'?' if rng.random() < 0.3 else ''}: {rng.choice(kinds)};" for f in fields]
    states = " | ".join(f'"{w.word(rng, w.ADJECTIVES)}"' for _ in range(3))
    return (
        f"/** {w.sentence(rng)} */\nexport interface {name} {{\n  id: string;\n"
        + "\n".join(lines)
        + f"\n}}\n\nexport type {name}State = {states};"
    )


def _ts_class(rng: random.Random) -> str:
    name = w.pascal(rng, 3)
    item = w.pascal(rng, 1)
    method = w.camel(rng)
    return (
        f"export class {name} {{\n"
        f"  private readonly cache = new Map<string, {item}>();\n\n"
        f"  constructor(private readonly http: HttpClient, private readonly ttlMs = "
        f"{rng.randint(1, 60) * 1000}) {{}}\n\n"
        f"  async {method}(id: string): Promise<{item} | undefined> {{\n"
        f"    const hit = this.cache.get(id);\n"
        f"    if (hit) return hit;\n"
        f"    // {w.sentence(rng)}\n"
        f"    const fresh = await this.http.get<{item}>(`/v1/{w.word(rng, w.NOUNS)}/${{id}}`);\n"
        f"    this.cache.set(id, fresh);\n"
        f"    return fresh;\n  }}\n}}"
    )


def typescript(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    deps = rng.sample(w.NPM_PACKAGES, rng.randint(1, 4))
    head = "\n".join(f'import {w.camel(rng)} from "{d}";' for d in deps)
    head += f'\nimport {{ http, logger }} from "../{w.word(rng, w.NOUNS)}/client";\n\n'
    makers = (_ts_function, _ts_function, _ts_types, _ts_class)
    blocks = fill(target, len(head), lambda: rng.choice(makers)(rng))
    plant_text, marker = secrets.text_snippet(rng, plant) if plant else ("", "")
    return _assemble(rng, head, blocks, plant_text) + "\n", marker


def tsx(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    head = 'import { useMemo, useState } from "react";\n\n'

    def component() -> str:
        name = w.pascal(rng)
        field = w.camel(rng)
        return (
            f"type {name}Props = {{ items: {{ id: string; {field}: string }}[] }};\n\n"
            f"export function {name}({{ items }}: {name}Props) {{\n"
            f"  const [selected, setSelected] = useState<string | null>(null);\n"
            f"  const sorted = useMemo(() => [...items].sort(), [items]);\n"
            f"  return (\n    <ul className=\"{w.kebab(rng)}\">\n"
            f"      {{sorted.map((item) => (\n"
            f"        <li key={{item.id}} onClick={{() => setSelected(item.id)}}>"
            f"{{item.{field}}}</li>\n      ))}}\n"
            f"      {{selected && <p>{w.sentence(rng)}</p>}}\n    </ul>\n  );\n}}"
        )

    return head + "\n\n".join(fill(target, len(head), component)) + "\n", ""


# --- Markdown -----------------------------------------------------------------


def markdown(rng: random.Random, target: int, plant: str | None) -> tuple[str, str]:
    width = rng.choice((0, 80))  # some docs keep a paragraph on one line, some wrap
    head = f"# {w.pascal(rng, 3)}\n\n{w.paragraph(rng, width=width)}\n\n"

    def section() -> str:
        parts = [f"## {w.sentence(rng, 2, 5)[:-1]}", w.paragraph(rng, width=width)]
        roll = rng.random()
        if roll < 0.3:
            parts.append("\n".join(f"- {w.sentence(rng, 4, 10)}" for _ in range(rng.randint(2, 6))))
        elif roll < 0.5:
            parts.append(
                "```bash\nexport OPENAI_API_KEY=<your-key>\n"
                f"nhiguard scan {w.word(rng, w.NOUNS)}s/ --format sarif\n"
                f"make {w.word(rng, w.VERBS)}\n```"
            )
        elif roll < 0.65:
            rows = "\n".join(
                f"| `{w.snake(rng)}` | {w.word(rng, w.ADJECTIVES)} | {w.sentence(rng, 3, 6)} |"
                for _ in range(rng.randint(2, 6))
            )
            parts.append("| setting | kind | notes |\n|---|---|---|\n" + rows)
        elif roll < 0.75:
            parts.append(
                f"```yaml\n{w.snake(rng, 1)}:\n  enabled: true\n"
                f"  clientSecret: ${{{w.word(rng, w.NOUNS).upper()}_SECRET}}\n```"
            )
        parts.append(w.paragraph(rng, width=width))
        return "\n\n".join(parts)

    return head + "\n\n".join(fill(target, len(head), section)) + "\n", ""
