"""Provider key formats against truly random keys, and documentation values
that look like secrets but are not.

The placeholder heuristics (runs like `4567`, repeated characters) must not
reject real keys: a real key of a supported format is random, and a run of
four occurs by chance in 1-2% of 64-hex-digit keys. Each format below draws
thousands of keys from a fixed seed (so the test is the same on every run)
and the share that goes unreported must stay below 0.1%.
"""

from __future__ import annotations

import base64
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


def _sentry_claims(rng: random.Random) -> str:
    """The base64 JSON claims of a Sentry organization token."""
    org = _s(rng, string.ascii_lowercase, rng.randint(4, 12))
    claims = f'{{"iat":{rng.randint(10**9, 2 * 10**9)}.{_digits(rng, 1, 6)},"url":"https://sentry.io",' \
             f'"region_url":"https://us.sentry.io","org":"{org}"}}'
    return base64.b64encode(claims.encode()).decode()


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "Slack bot token": lambda r: f"xoxb-{_digits(r, 10, 13)}-{_digits(r, 10, 13)}-{_s(r, ALNUM, 24)}",
    # `xoxe-` with numbers: a user token issued with rotation on.
    "Slack user token": lambda r: (f"xox{r.choice('pe')}-{_digits(r, 10, 13)}-{_digits(r, 10, 13)}-"
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
    "Slack legacy bot token": lambda r: f"xoxb-{_digits(r, 11, 12)}-{_s(r, ALNUM, 24)}",
    "DigitalOcean refresh token": lambda r: "dor_v1_" + _s(r, HEX, 64),
    "DigitalOcean OAuth token": lambda r: "doo_v1_" + _s(r, HEX, 64),
    "Shopify app shared secret": lambda r: "shpss_" + _s(r, HEX, 32),
    "Pinecone API key": lambda r: f"pcsk_{_s(r, ALNUM, r.randint(5, 6))}_{_s(r, ALNUM, 63)}",
    "Sentry organization token": lambda r: f"sntrys_{_sentry_claims(r)}_{_s(r, ALNUM + '+/', 43)}",
    "OpenAI admin key": lambda r: f"sk-admin-{_s(r, B64URL, 58)}T3BlbkFJ{_s(r, B64URL, 58)}",
    # The start of every long-term Bedrock key is base64 of `BedrockAPIKey-`.
    "Amazon Bedrock API key": lambda r: "ABSKQmVkcm9ja0FQSUtleS1" + _s(r, ALNUM + "+/", 120),
    "Azure AD client secret": lambda r: (f"{_s(r, ALNUM, 3)}{_digits(r, 1, 1)}Q%7E"
                                         f"{_s(r, ALNUM + '_.-', 34)}"),
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


XML_SECRET = "Xk29dLqP0wZr8Tq4MvB7nC1sH5jYp0wL"


@pytest.mark.parametrize(("uri", "text", "expected"), [
    # The name of a value sits on the line before it.
    ("settings.xml", f"<config>\n  <aws_secret_access_key>\n    {AWS_SECRET}\n"
                     "  </aws_secret_access_key>\n</config>\n", [("NHG101", 3)]),
    ("app.xml", f"<auth>\n  <ClientSecret>\n    {XML_SECRET}\n  </ClientSecret>\n</auth>\n",
     [("NHG102", 3)]),
    ("main.tf", f'variable "aws_secret_key" {{\n  type    = string\n  default = "{AWS_SECRET}"\n}}\n',
     [("NHG101", 3)]),
    ("values.yaml", f"aws:\n  aws_secret_access_key: >-\n    {AWS_SECRET}\n", [("NHG101", 3)]),
    ("values.yaml", f"oauth:\n  client_secret: |\n    {XML_SECRET}\n", [("NHG102", 3)]),
    # The same line, in XML's two shapes.
    ("web.config", f'<appSettings>\n  <add key="ClientSecret" value="{XML_SECRET}" />\n</appSettings>\n',
     [("NHG102", 2)]),
    ("app.xml", f"<auth><ClientSecret>{XML_SECRET}</ClientSecret></auth>\n", [("NHG102", 1)]),
    # Near misses: a value below a name that is no secret's, or below another value.
    ("settings.xml", f"<config>\n  <build_id>\n    {AWS_SECRET}\n  </build_id>\n</config>\n", []),
    ("app.xml", f"<auth>\n  <ClientId>\n    {XML_SECRET}\n  </ClientId>\n</auth>\n", []),
    ("notes.txt", f"aws_secret_access_key is rotated weekly\nchecksum: {AWS_SECRET}\n", []),
])
def test_names_on_the_line_before_the_value(uri, text, expected):
    assert _rules_on(uri, text) == expected


AZURE_ENCODED = "kR28Q%7E" + "Zr8Tq4MvB7nC1sH5jYp0wLq" + "%7Ed29aXk8Lm"


@pytest.mark.parametrize("text", [
    f"Endpoint=https://login.example;ClientId=app;ClientSecret={AZURE_ENCODED};\n",
    f"curl -d 'grant_type=client_credentials&client_secret={AZURE_ENCODED}&scope=x' $TOKEN_URL\n",
])
def test_url_encoded_azure_secrets_are_found_and_redacted(text):
    result = scan_artifact(Artifact(uri="notes.txt", data=text.encode()),
                           Prefilter([cls() for cls in select_rules(["NHG1"])]))
    assert [f.rule_id for f in result.findings] == ["NHG101"]
    snippet = result.findings[0].snippet
    assert "Zr8Tq4" not in snippet and "d29aXk" not in snippet and "kR28Q" not in snippet


def test_an_encoded_azure_secret_of_the_wrong_length_is_not_one():
    assert list(find_provider_keys("s = kR28Q%7EZr8Tq4MvB7nC1sH5jYp0wLq\n")) == []


def test_google_keys_published_in_the_firebase_sdk_are_not_secrets():
    public = "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ"
    assert list(find_provider_keys(f'apiKey: "{public}"\n')) == []
    # Near miss: one character away is a key nobody published.
    other = public[:-1] + "R"
    assert [h.provider.name for h in find_provider_keys(f'apiKey: "{other}"\n')] == ["Google API key"]


@pytest.mark.parametrize(("signature", "found"), [(42, False), (43, True), (44, False)])
def test_sentry_org_tokens_need_a_43_character_signature(signature, found):
    rng = random.Random("sentry")
    token = f"sntrys_{_sentry_claims(rng)}_{_s(rng, ALNUM, signature)}"
    names = [h.provider.name for h in find_provider_keys(f"SENTRY_AUTH_TOKEN={token}\n")]
    assert names == (["Sentry organization token"] if found else [])


@pytest.mark.parametrize(("key", "found"), [
    (f"sk-admin-{'a1B2c3D4e5' * 5}12345abc" + "T3BlbkFJ" + f"{'Z9y8X7w6V5' * 5}zQ7pL3kR", True),
    # One character short on either side of the marker is no admin key.
    (f"sk-admin-{'a1B2c3D4e5' * 5}12345ab" + "T3BlbkFJ" + f"{'Z9y8X7w6V5' * 5}zQ7pL3kR", False),
    (f"sk-admin-{'a1B2c3D4e5' * 5}12345abc" + "T3BlbkFJ" + f"{'Z9y8X7w6V5' * 5}zQ7pL3k", False),
])
def test_admin_keys_have_their_exact_length(key, found):
    assert bool(list(find_provider_keys(f'key = "{key}"\n'))) is found


@pytest.mark.parametrize(("text", "name"), [
    # Text with other non-ASCII characters is searched lower-cased, as ASCII text is.
    ('okta_api_token = "00Xk29dLqP0wZr8Tq4MvB7nC1sH5jYp0wLqd29aXk8"  # clé de l\'équipe\n',
     "Okta API token"),
    # `ſ` equals `s` case-insensitively: such text is searched as written.
    ("ſentry_token = " + "9f2c4e7a1b3d5f60" * 4 + "\n", "Sentry auth token"),
])
def test_keys_named_in_non_ascii_text_are_found(text, name):
    assert [h.provider.name for h in find_provider_keys(text)] == [name]


def test_anchor_alternatives_are_split_only_at_the_top_level():
    # Each alternative becomes its own literal-first search; a `|` in a class stays.
    from nhiguard.rules.secrets._providers import _alternatives

    assert _alternatives("secret.?access.?key|aws.?secret") == ["secret.?access.?key", "aws.?secret"]
    assert _alternatives("[0-9]q~") == ["[0-9]q~"]
    assert _alternatives("a[|]b") == ["a[|]b"]
