"""Provider key formats against truly random keys, and documentation values
that look like secrets but are not.

The placeholder heuristics (runs like `4567`, repeated characters) must not
reject real keys: a real key of a supported format is random, and a run of
four occurs by chance in 1-2% of 64-hex-digit keys. Each format below draws
thousands of keys from a fixed seed (so the test is the same on every run)
and the share that goes unreported must stay below 0.1%.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.registry import select_rules
from nhiguard.rules.secrets._providers import find_provider_keys
from nhiguard.sources import Artifact

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
DRAWS = 3000


def _s(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _digits(rng: random.Random, low: int, high: int) -> str:
    return _s(rng, string.digits, rng.randint(low, high))


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "Slack bot token": lambda r: f"xoxb-{_digits(r, 10, 13)}-{_digits(r, 10, 13)}-{_s(r, ALNUM, 24)}",
    "Slack user token": lambda r: (f"xoxp-{_digits(r, 10, 13)}-{_digits(r, 10, 13)}-"
                                   f"{_digits(r, 10, 13)}-{_s(r, HEX, 32)}"),
    "Slack app-level token": lambda r: (f"xapp-1-A{_s(r, string.ascii_uppercase + string.digits, 10)}"
                                        f"-{_digits(r, 13, 13)}-{_s(r, HEX, 64)}"),
    "Postman API key": lambda r: f"PMAK-{_s(r, HEX, 24)}-{_s(r, HEX, 34)}",
    "DigitalOcean personal access token": lambda r: "dop_v1_" + _s(r, HEX, 64),
    "OpenRouter API key": lambda r: "sk-or-v1-" + _s(r, HEX, 64),
    "Sentry user auth token": lambda r: "sntryu_" + _s(r, HEX, 64),
    "Supabase access token": lambda r: "sbp_" + _s(r, HEX, 40),
    "Shopify access token": lambda r: "shpat_" + _s(r, HEX, 32),
    "Firecrawl API key": lambda r: "fc-" + _s(r, HEX, 32),
    "LangSmith API key": lambda r: f"lsv2_pt_{_s(r, HEX, 32)}_{_s(r, HEX, 10)}",
    "GitHub personal access token": lambda r: "ghp_" + _s(r, ALNUM, 36),
    "GitHub OAuth access token": lambda r: "gho_" + _s(r, ALNUM, 36),
    "Groq API key": lambda r: "gsk_" + _s(r, ALNUM, 52),
    "Perplexity API key": lambda r: "pplx-" + _s(r, ALNUM, 48),
    "Linear API key": lambda r: "lin_api_" + _s(r, ALNUM, 40),
    "npm access token": lambda r: "npm_" + _s(r, ALNUM, 36),
    "Stripe live secret key": lambda r: "sk_live_" + _s(r, ALNUM, r.randint(24, 99)),
    "Anthropic API key": lambda r: "sk-ant-api03-" + _s(r, B64URL, 93) + "AA",
    "OpenAI project API key": lambda r: "sk-proj-" + _s(r, B64URL, 156),
    "Google API key": lambda r: "AIza" + _s(r, B64URL, 35),
    "AWS access key ID": lambda r: "AKIA" + _s(r, string.ascii_uppercase + "234567", 16),
    "Notion integration token": lambda r: "ntn_" + _s(r, ALNUM, 46),
    "Notion integration secret": lambda r: "secret_" + _s(r, ALNUM, 43),
    "HashiCorp Vault batch token": lambda r: "hvb.AAAAAQ" + _s(r, B64URL, 150),
    "GitHub refresh token": lambda r: "ghr_" + _s(r, ALNUM, 76),
    "Stripe test secret key": lambda r: "sk_test_" + _s(r, ALNUM, 99),
    "Stripe test restricted key": lambda r: "rk_test_" + _s(r, ALNUM, 99),
    "Slack configuration refresh token": lambda r: (f"xoxe-1-"
                                                    f"{_s(r, string.ascii_uppercase + string.digits, 146)}"),
    "Slack legacy token": lambda r: (f"xoxs-{_digits(r, 10, 12)}-{_digits(r, 10, 12)}-"
                                     f"{_digits(r, 10, 12)}-{_s(r, HEX, 64)}"),
    "Amazon Bedrock short-lived API key": lambda r: "bedrock-api-key-" + _s(r, ALNUM + "+/", 600),
    "HubSpot private app token": lambda r: (f"pat-na1-{_s(r, HEX, 8)}-{_s(r, HEX, 4)}-"
                                            f"{_s(r, HEX, 4)}-{_s(r, HEX, 4)}-{_s(r, HEX, 12)}"),
}
# Formats with no fixed prefix of their own are looked for near their name.
LINE = {"Notion integration secret": 'NOTION_TOKEN = "{key}"\n'}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_random_keys_of_every_format_are_found(name):
    rng = random.Random(f"nhiguard:{name}")
    missed = 0
    for _ in range(DRAWS):
        key = FORMATS[name](rng)
        text = LINE.get(name, 'key = "{key}"\n').format(key=key)
        hits = {(h.provider.name, h.key) for h in find_provider_keys(text)}
        missed += (name, key) not in hits
    assert missed / DRAWS < 0.001, f"{name}: {missed} of {DRAWS} random keys rejected"


def _rules_on(uri: str, text: str, select: str = "NHG1") -> list[tuple[str, int]]:
    result = scan_artifact(Artifact(uri=uri, data=text.encode()),
                           Prefilter([cls() for cls in select_rules([select])]))
    return [(f.rule_id, f.line) for f in result.findings]


SESSION = "ufwcig0zen9skyd545jc0fkq813ghar2"


def test_openapi_examples_are_documentation():
    spec = ("openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    Session:\n"
            "      properties:\n        session_token:\n          type: string\n"
            f"          example: {SESSION}\n"
            "      example:\n        meta:\n"
            f"          session_token: {SESSION}\n")
    assert _rules_on("openapi.yaml", spec) == []


def test_an_example_key_outside_an_api_description_is_configuration():
    # Near miss: a service named `example` in a compose file still leaks its key.
    compose = f"services:\n  example:\n    environment:\n      SESSION_TOKEN: {SESSION}\n"
    assert _rules_on("docker-compose.yml", compose) == [("NHG104", 4)]
    # And an API description's own configuration (not an example) is still read.
    spec = f"openapi: 3.0.3\nx-settings:\n  session_token: {SESSION}\n"
    assert _rules_on("openapi.yaml", spec) == [("NHG104", 3)]


def test_truncated_documentation_secret_is_quiet_and_full_one_is_not():
    doc = 'auth = GoogleProvider(client_id="1.apps.googleusercontent.com",\n' \
          '                      client_secret="GOCSPX-abc123...")\n'
    assert _rules_on("server.py", doc) == []
    real = doc.replace("GOCSPX-abc123...", "GOCSPX-" + "Xk29dLqP0wZr8Tq4MvB7nC1sH5jY")
    assert [rule for rule, _ in _rules_on("server.py", real)] in (["NHG101"], ["NHG102"])


AWS_ID = "AKIA" + "Q7W3E5R2T4Y6U2I3"
AWS_SECRET = "Zk8sPq2LYq1Wn3Rt5Uv7" + "Xz9Ab2Cd4Ef6Gh8Ij0KM"


@pytest.mark.parametrize(("text", "expected"), [
    # One credential written on adjacent lines (either order) or on one line: one finding.
    (f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n", [("NHG101", 1)]),
    (f"aws_secret_access_key = {AWS_SECRET}\naws_access_key_id = {AWS_ID}\n", [("NHG101", 1)]),
    (f"[default]\naws_access_key_id={AWS_ID}\nregion=eu-west-1\naws_secret_access_key={AWS_SECRET}\n",
     [("NHG101", 2)]),
    # Near miss: an ID and a secret far apart are two findings.
    (f"aws_access_key_id = {AWS_ID}\n" + "x = 1\n" * 5 + f"aws_secret_access_key = {AWS_SECRET}\n",
     [("NHG101", 1), ("NHG101", 7)]),
])
def test_an_aws_key_id_and_its_secret_are_one_finding(text, expected):
    result = scan_artifact(Artifact(uri="credentials.ini", data=text.encode()),
                           Prefilter([cls() for cls in select_rules(["NHG1"])]))
    assert [(f.rule_id, f.line) for f in result.findings] == expected
    assert not any(AWS_SECRET in f.snippet or AWS_ID in f.snippet for f in result.findings)


@pytest.mark.parametrize(("line", "name"), [
    (f'aws.secretkey={AWS_SECRET}', "AWS secret access key"),
    (f'awsSecretKey: "{AWS_SECRET}"', "AWS secret access key"),
    ("url = hooks.slack.com/services/T0AB12CD3/B0AB12CD3/" + "Xk29dLqP0wZr8Tq4MvB7nC1s",
     "Slack webhook URL"),
    ('AZURE_CLIENT_SECRET="-Xk8Q~' + "Zr8Tq4MvB7nC1sH5jYp0wLqd29aXk8Lm3n" + '"', "Azure AD client secret"),
])
def test_secret_formats_in_the_shapes_real_files_use(line, name):
    assert name in {h.provider.name for h in find_provider_keys(line + "\n")}


@pytest.mark.parametrize("line", [
    'NOTES = "secret_' + "Xk29dLqP0wZr8Tq4MvB7nC1sH5jYp0wLqd29aXk8Lm3" + '"',  # no Notion near it
    "client_secret_Xk29dLqP0wZr8Tq4MvB7nC1sH5jYp0wLqd29aXk8Lm3",  # part of a longer name
    "channel = xoxa-abcdefghijk",  # no digit: a word, not a token
])
def test_near_misses_of_the_new_formats(line):
    assert list(find_provider_keys(line + "\n")) == []
