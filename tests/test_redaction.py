"""No report holds a secret: every format, every rule, every file shape.

Secrets of every supported format are generated (one strategy per provider
row, from the row's own pattern, plus generic secret-named values, JWTs and
PEM private keys), embedded in every file kind and shape the scanner reads,
scanned by every rule, and rendered in every output format. No output,
message, fingerprint or notification may hold the secret or any 8-character
piece of its secret part.
"""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nhiguard.engine import scan
from nhiguard.finding import Finding, Notification, with_fingerprints
from nhiguard.redact import MASK, SNIPPET_MAX, render_snippet, scrub
from nhiguard.registry import all_rule_classes
from nhiguard.reporters import render
from nhiguard.reporters.base import Report
from nhiguard.rules.secrets._providers import PROVIDERS, Provider
from nhiguard.rules.secrets._values import fake_key
from nhiguard.sources import Artifact

EXAMPLES = int(os.environ.get("NHIGUARD_FUZZ_EXAMPLES", "25"))
FORMATS = ("text", "json", "sarif", "github")
FRAGMENT = 8

# -- secret generators ------------------------------------------------------------------------


def _realistic(body: str) -> bool:
    """A body a key issuer could have produced: mixed characters, no long runs.
    (A body of sixteen zeros is no credential, and no rule reports it.)"""
    classes = sum(bool(re.search(rx, body)) for rx in ("[A-Z]", "[a-z]", "[0-9]"))
    return classes >= 2 and not re.search(r"(.)\1{3}", body) and len(set(body)) >= len(body) // 4


def _fixed(op: object, arg: object) -> str | None:
    """A regex for one parsed item if it matches only fixed text (a literal, an
    optional part, a choice of words), else None."""
    from re import _parser  # type: ignore[attr-defined]

    if op == _parser.LITERAL:
        return re.escape(chr(arg))  # type: ignore[arg-type]
    if op == _parser.SUBPATTERN:
        return _fixed_run(arg[-1])  # type: ignore[index]
    if op == _parser.BRANCH:
        choices = [_fixed_run(b) for b in arg[1]]  # type: ignore[index]
        return None if None in choices else "(?:" + "|".join(choices) + ")"  # type: ignore[arg-type]
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and arg[:2] == (0, 1):  # type: ignore[index]
        body = _fixed_run(arg[2])  # type: ignore[index]
        return None if body is None else f"(?:{body})?"
    return None


def _fixed_run(items: object) -> str | None:
    parts = [_fixed(op, arg) for op, arg in items]  # type: ignore[attr-defined]
    return None if None in parts else "".join(parts)  # type: ignore[arg-type]


def _public_head(pattern: str) -> re.Pattern[str]:
    """What every key of a format starts with (`https://hooks.slack.com/services/`):
    public, the same in every key of the format."""
    from re import _parser  # type: ignore[attr-defined]

    items = list(_parser.parse(pattern))
    if len(items) == 1 and items[0][0] == _parser.SUBPATTERN:
        items = list(items[0][1][-1])
    head = ""
    for op, arg in items:
        fixed = _fixed(op, arg)
        if fixed is None:
            break
        head += fixed
    return re.compile(head)


def _public_part(secret: str, head: re.Pattern[str]) -> str:
    m = head.match(secret)
    return m.group(0) if m else ""


def _provider_secret(p: Provider) -> st.SearchStrategy[tuple[str, str]]:
    head = re.compile(re.escape(p.prefix)) if p.prefix else _public_head(p.pattern)
    return (st.from_regex(re.compile(p.pattern, re.ASCII), fullmatch=True)
            .map(lambda s: s.strip("()"))
            .filter(lambda s: _realistic(s[len(_public_part(s, head)):]))
            .map(lambda s: (s, _public_part(s, head))))


_B64 = string.ascii_letters + string.digits + "+/"
_PROVIDER_ROWS = [p for p in PROVIDERS if "PRIVATE KEY" not in p.pattern]
_URLSAFE = string.ascii_letters + string.digits + "_-"

# (secret, public prefix the report may show)
GENERIC_SECRET = st.text(alphabet=_URLSAFE, min_size=16, max_size=48).filter(_realistic).map(
    lambda s: (s, ""))
JWT = st.tuples(*(st.text(alphabet=_URLSAFE, min_size=20, max_size=60).filter(_realistic) for _ in "ab")).map(
    lambda t: (f"eyJhbGciOiJIUzI1NiJ9.{t[0]}.{t[1]}", ""))
PEM = st.lists(st.text(alphabet=_B64, min_size=64, max_size=64).filter(_realistic), min_size=4, max_size=8
               ).map(lambda body: ("-----BEGIN PRIVATE KEY-----\n" + "\n".join(body)
                                   + "\n-----END PRIVATE KEY-----", ""))
SECRETS = st.one_of(GENERIC_SECRET, JWT, *(_provider_secret(p) for p in _PROVIDER_ROWS))

# -- file shapes ------------------------------------------------------------------------------

Shape = Callable[[str, str], tuple[str, str]]
_FILLER = "x = compute(alpha, beta, gamma, delta) + lookup('region', 'zone') " * 8


def _one_line(text: str) -> str:
    return text.replace("\n", "\\n")


SHAPES: dict[str, Shape] = {
    "python": lambda k, s: ("app/settings.py", f'{k} = "{s}"\nclient = Client(api_key="{s}")\n'),
    "javascript": lambda k, s: ("src/client.js",
                                f"const c = new OAuthClient({{ {k}: '{s}', clientSecret: '{s}' }});\n"),
    "typescript": lambda k, s: ("src/auth.ts", f'export const {k}: string = "{s}";\n'),
    "yaml-block": lambda k, s: ("deploy/values.yaml", f"auth:\n  {k}: {s}\n  client_id: c1\n"),
    "yaml-flow": lambda k, s: ("clients.yaml", f"clients:\n  - {{client_id: c1, client_secret: {s}, "
                                                f"client_secret_expires_at: 0, grant_types: [x]}}\n"),
    "json-pretty": lambda k, s: ("config.json", json.dumps({"mcpServers": {"a": {"env": {k: s}}}}, indent=2)),
    "json-minified": lambda k, s: (".mcp-auth/client_info.json", json.dumps(
        {"client_id": "c1", "client_secret": s, "client_secret_expires_at": 0, k: s,
         "token_endpoint_auth_method": "client_secret_basic"}, separators=(",", ":"))),
    "toml": lambda k, s: ("pyproject.toml", f'[tool.agent]\n{k} = "{s}"\n'),
    "ini": lambda k, s: ("setup.cfg", f"[auth]\n{k} = {s}\n"),
    "env": lambda k, s: (".env", f"{k}={s}\nCLIENT_SECRET={s}\n"),
    "hcl": lambda k, s: ("main.tf", f'resource "x" "y" {{\n  {k} = "{s}"\n}}\n'),
    "shell": lambda k, s: ("run.sh", f"export {k}={s}\ncurl -H 'Authorization: Bearer {s}' https://api\n"),
    "markdown": lambda k, s: ("README.md", f"Set it:\n\n```\nexport {k}={s}\n```\n"),
    "long-line": lambda k, s: ("long.json", '{"a":"' + _FILLER + '","client_secret":"' + s + '","b":"'
                               + _FILLER + '","client_secret_expires_at":0,"' + k + '":"' + s + '"}\n'),
    "pem-in-json": lambda k, s: ("auth0-export.json", '{"strategy":"auth0","options":{"client_secret":"'
                                 + _one_line(s) + '","signing_key":"' + _one_line(s) + '"}}\n'),
    "yaml-multiline": lambda k, s: ("secret.yaml",
                                    f"{k}: |\n" + "".join(f"  {ln}\n" for ln in s.splitlines())),
}
KEYS = ("OPENAI_API_KEY", "client_secret", "password", "apiKey", "AUTH_TOKEN", "api_key")


def _secret_part(secret: str, prefix: str) -> str:
    return secret[len(prefix):] if prefix and secret.startswith(prefix) else secret


def _fragments(secret: str, prefix: str) -> set[str]:
    out = set()
    for piece in _secret_part(secret, prefix).replace("\\n", "\n").split("\n"):
        if "-----" in piece:  # the PEM armour is public
            continue
        out.update(piece[i:i + FRAGMENT] for i in range(len(piece) - FRAGMENT + 1))
    return out


def _leaks(text: str, secret: str, prefix: str) -> list[str]:
    return sorted(f for f in _fragments(secret, prefix) if f in text)[:3]


def _scan_all_formats(files: dict[str, str]) -> tuple[list[Finding], list[Notification], dict[str, str]]:
    artifacts = [Artifact(uri=uri, data=text.encode(), size=len(text)) for uri, text in files.items()]
    rules = list(all_rule_classes())
    result = scan(artifacts, rules)
    report = Report(result, rules, Path.cwd())
    return result.findings, result.notifications, {fmt: render(fmt, report) for fmt in FORMATS}


def _assert_nothing_leaks(files: dict[str, str], secret: str, prefix: str) -> list[Finding]:
    findings, notifications, outputs = _scan_all_formats(files)
    for fmt, out in outputs.items():
        assert not _leaks(out, secret, prefix), f"{fmt} output shows {_leaks(out, secret, prefix)}"
    for f in findings:
        for text in (f.snippet, f.message, f.fingerprint):
            assert not _leaks(text, secret, prefix), (f.rule_id, text)
        assert len(f.snippet) <= SNIPPET_MAX
    for n in notifications:
        assert not _leaks(n.message, secret, prefix), n
    return findings


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(secret=st.one_of(SECRETS, PEM), key=st.sampled_from(KEYS),
       shape=st.sampled_from(sorted(SHAPES)))
def test_no_output_holds_a_generated_secret(secret: tuple[str, str], key: str, shape: str) -> None:
    value, prefix = secret
    if "\n" in value and shape not in ("pem-in-json", "yaml-multiline", "json-pretty", "json-minified"):
        value = value.replace("\n", "\\n")  # a one-line shape holds a PEM key as JSON does
    path, text = SHAPES[shape](key, value)
    _assert_nothing_leaks({path: text}, value, prefix)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_is_reported_and_masked(shape: str) -> None:
    """Each shape is really seen by some rule (else the property test would
    prove nothing about it), and its snippets show the mask."""
    value, prefix = fake_key("ghp_", 36), "ghp_"  # a format every file kind is searched for
    if shape in ("pem-in-json", "yaml-multiline"):
        prefix = ""
        value = ("-----BEGIN PRIVATE KEY-----\n" + "\n".join(
            "".join(_B64[(i * 31 + j * 7 + i * j) % 64] for j in range(64)) for i in range(6))
            + "\n-----END PRIVATE KEY-----")
    path, text = SHAPES[shape]("client_secret", value)
    findings = _assert_nothing_leaks({path: text}, value, prefix)
    assert findings, f"no rule reports the {shape} shape"
    assert any(MASK in f.snippet for f in findings)


# -- the defects this module was written for ------------------------------------------------------

_REG_SECRET = "iK2ZWeqhFWCEPyYngFb51yBMWXaSCrUZoL8g5ubb"


@pytest.mark.parametrize("text,path", [
    ('{"client_id":"c1","client_secret":"' + _REG_SECRET + '","client_secret_expires_at":0,'
     '"registration_endpoint":"https://x/register"}\n', "client.json"),
    ("clients:\n  - {client_id: c1, client_secret: " + _REG_SECRET + ", client_secret_expires_at: 0, "
     "grant_types: [client_credentials]}\n", "clients.yaml"),
])
def test_a_registration_on_one_line_is_masked_by_every_rule_reporting_it(text: str, path: str) -> None:
    findings = _assert_nothing_leaks({path: text}, _REG_SECRET, "")
    assert {"NHG207", "NHG208"} <= {f.rule_id for f in findings}


def test_a_pem_key_in_json_is_not_reported_piecemeal_as_provider_keys() -> None:
    body = "\\n".join("".join(_B64[(i * 13 + j * 5 + i * j) % 64] for j in range(64)) for i in range(20))
    text = ('{"strategy":"auth0","options":{"client_secret":"${SECRET}","signing_key":'
            '"-----BEGIN PRIVATE KEY-----\\n' + body + '\\n-----END PRIVATE KEY-----\\n"}}\n')
    findings = _assert_nothing_leaks({"auth0.json": text}, body, "")
    assert not [f for f in findings if "Auth0" in f.message]


def test_the_window_follows_the_column_and_masks_values_outside_the_rules_match() -> None:
    other = "Zq8Lm3Xv7Tb2Nc6Wd1Rf5Hg9Jk4"
    line = '{"a":"' + "word " * 60 + '","token":"' + other + '","b":"' + "word " * 60 + '","x":1}'
    column = line.index('"x"') + 1
    snippet = render_snippet(line, column)
    assert '"x":1}' in snippet and snippet.startswith("…") and len(snippet) <= SNIPPET_MAX
    near = render_snippet(line, line.index(other) + 1)
    assert other not in near and '"token":"' + MASK in near


@pytest.mark.parametrize("line,shown", [
    ("token_endpoint_auth_method: client_secret_basic", "client_secret_basic"),
    ("max_tokens: 4096", "4096"),
    ('api_key = os.environ["OPENAI_API_KEY"]', "os.environ"),
    ('client_secret: "${CLIENT_SECRET}"', "${CLIENT_SECRET}"),
    ("registration_endpoint: https://auth.example.com/register", "https://auth.example.com/register"),
])
def test_public_values_stay_readable(line: str, shown: str) -> None:
    assert shown in render_snippet(line, 1, kind="python" if "os.environ" in line else "yaml")


@pytest.mark.parametrize("line,hidden", [
    ("password: hunter2hunter", "hunter2hunter"),
    ("PASSWORD=correct horse", "correct"),
    ("Authorization: Bearer abcdefghij", "abcdefghij"),
    ('"privateKey":"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA', "MIIEowIBAAKCAQEA"),
])
def test_values_of_secret_named_keys_are_masked_whatever_they_look_like(line: str, hidden: str) -> None:
    assert hidden not in render_snippet(line, 1, kind="env")


def test_a_line_inside_a_pem_block_is_masked_whole() -> None:
    assert render_snippet("  abc+/def==", 1, pem_body=True) == MASK


def test_findings_and_notifications_scrub_themselves() -> None:
    """Whoever builds a Finding or Notification, a secret-shaped value in its
    text is masked: a rule or parser cannot put one in a report."""
    f = Finding("NHG999", "a.yaml", 1, 1, 1, 2, f"value {_REG_SECRET} seen", f"password: {_REG_SECRET}",
                "error")
    n = Notification("a.yaml", f"could not parse near client_secret: {_REG_SECRET}")
    assert _REG_SECRET not in f.message + f.snippet + n.message
    assert _REG_SECRET not in with_fingerprints([f])[0].fingerprint
    assert scrub(scrub(f.snippet)) == f.snippet


@pytest.mark.parametrize("name", ["results.sarif", "results.sarif.json"])
def test_a_report_holds_nothing_a_scanner_takes_for_a_live_secret(name: str) -> None:
    """Rule help travels in every SARIF report; its examples are plainly
    redacted, so scanning a report (a second run, another tool) finds nothing."""
    from nhiguard.engine import ScanResult

    rules = list(all_rule_classes())
    sarif = render("sarif", Report(ScanResult([], [], 0, 0), rules, Path.cwd()))
    assert "OauthClientSecretLiteral" in sarif
    findings, _, _ = _scan_all_formats({name: sarif})
    # The secret rules (NHG1xx); a DCR rule reading a help example as config
    # is about the report being scanned at all, not about a secret in it.
    secrets = [(f.rule_id, f.snippet) for f in findings if f.rule_id.startswith("NHG1")]
    assert not secrets


@pytest.mark.parametrize("line,shown", [
    ("PASSWORD=correct horse battery # rotated monthly", "PASSWORD=******** # rotated monthly"),
    ("  - api_key: hello world", "- api_key: ********"),
    ("{client_secret: abcd, grant_types: [x]}", "{client_secret: ********, grant_types: [x]}"),
    ("x = 1, token = abc, y = 2", "x = 1, token = ********, y = 2"),
])
def test_a_bare_value_runs_to_the_end_only_on_a_line_of_one_setting(line: str, shown: str) -> None:
    assert render_snippet(line, 1, kind="env") == shown


@pytest.mark.parametrize("name", ["clientRegistrationHandler", "ProxyOAuthServerProvider",
                                  "OAuthClientInformationFull", "registerClientWithoutExpiry",
                                  "getOAuthClientMetadataURL", "clientID"])
def test_code_names_in_messages_stay_readable(name: str) -> None:
    message = f"MCP `{name}` serves registration with no expiry."
    assert scrub(message) == message


@pytest.mark.parametrize("token", [fake_key("", 24), fake_key("", 32, string.ascii_letters + "0"),
                                   "kQzWmXpLrTvBnYcHdJfGsA" + "hx"])
def test_random_tokens_in_messages_are_masked(token: str) -> None:
    assert token not in scrub(f"value `{token}` seen")
