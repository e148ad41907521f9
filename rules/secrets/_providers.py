"""The table of provider key formats and the matcher over it.

NHG101 reports the ordinary rows, NHG105 the `critical=True` ones (admin and
service-account keys); NHG104 names the provider of a base64-decoded value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from nhiguard.document import Document
from nhiguard.finding import Finding
from nhiguard.patterns import KeywordSet, PatternSet, folds_into_ascii
from nhiguard.rule import Rule

from ._config import is_lock_file
from ._encoded import EncodedPrefixes, encoded_keywords
from ._values import (
    KEY_RUN,
    KEY_SEQUENCES,
    entropy,
    is_phrase,
    is_placeholder,
    is_random,
    private_key_body,
)

# Words that turn a well-shaped token into documentation rather than a key.
_TOKEN_PLACEHOLDERS = ("example", "sample", "placeholder", "replace", "your", "dummy", "fake",
                       "redacted", "xxxx", "****", "...", "…", "changeme", "insert", "mock")
_LONG_TOKEN_PLACEHOLDERS = tuple(w for w in _TOKEN_PLACEHOLDERS if len(w) >= 6 or not w.isalpha())


@dataclass(frozen=True)
class Provider:
    """One key format: `prefix` + `body`, or group 1 of `regex` when given.

    Regexes stay free of lookarounds so Hyperscan can run them all in one pass;
    `edge` lists the characters that may not touch the key on either side,
    checked afterwards. A format without a fixed prefix is only searched near
    its `anchor` (default: `context` or `key_hint`): `context` must occur within
    `window` characters before the key (and `after` characters after it), and
    `key_hint` before it on its line. `before`, when given, must match the text
    right before the key (a regex that starts with an alternation is scanned
    character by character by `re`; a key with a literal start is found fast,
    and the few candidates are checked against `before`)."""

    name: str
    body: str = ""
    prefix: str = ""
    keywords: tuple[str, ...] = ()
    critical: bool = False
    regex: str = ""
    edge: str = "A-Za-z0-9_-"
    context: str = ""
    window: int = 80
    after: int = 0
    key_hint: str = ""
    anchor: str = ""
    before: str = ""
    # Character classes the key must mix: u(pper), l(ower), d(igit).
    classes: str = ""

    @property
    def pattern(self) -> str:
        return self.regex or "(" + re.escape(self.prefix) + self.body + ")"

    @property
    def all_keywords(self) -> tuple[str, ...]:
        return self.keywords or (self.prefix,)

    @property
    def anchored(self) -> bool:
        """Searched only near its anchor: a bare 40-character pattern run over a
        whole file would cost as much as every other pattern together."""
        return bool(self.anchor) or (not self.prefix and not self.after
                                     and bool(self.context or self.key_hint))


_B64URL = "[A-Za-z0-9_-]"
# What a line says before a context-keyed key: it assigns a key, a token, a secret.
_HINT = r"key|token|secret|credential"
_OPENAI_HALF = f"(?:{_B64URL}{{74}}|{_B64URL}{{58}})"  # the longer first: a match ends at the key's end
_OPENAI_ORG_BODY = _OPENAI_HALF + "T3BlbkFJ" + _OPENAI_HALF
# An Azure secret's `~` is written `%7E` inside a URL or an encoded connection string.
_AZURE_CHAR = "(?:[A-Za-z0-9_.~-]|%7[Ee])"
PROVIDERS: tuple[Provider, ...] = (
    Provider("OpenAI project API key", _B64URL + "{40,250}", "sk-proj-"),
    Provider("OpenAI user API key", _B64URL + "{40,250}", "sk-None-"),
    Provider("OpenAI API key", regex=r"(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})",
             keywords=("T3BlbkFJ",)),
    # Organisation keys carry the `T3BlbkFJ` marker between two halves: of 58 or 74 characters
    # for admin keys, of 20 to 74 for service-account keys.
    Provider("OpenAI service account key", f"{_B64URL}{{20,74}}T3BlbkFJ{_B64URL}{{20,74}}",
             "sk-svcacct-", critical=True),
    Provider("OpenAI admin key", _OPENAI_ORG_BODY, "sk-admin-", critical=True),
    Provider("Anthropic API key", _B64URL + "{93}AA", "sk-ant-api03-"),
    Provider("Anthropic admin key", _B64URL + "{93}AA", "sk-ant-admin01-", critical=True),
    Provider("Anthropic OAuth token", _B64URL + "{80,140}", "sk-ant-oat01-"),
    Provider("Hugging Face access token", "[A-Za-z0-9]{34}", "hf_", classes="ul"),
    Provider("Hugging Face organization token", "[A-Za-z0-9]{34}", "api_org_", classes="ul"),
    Provider("GitHub personal access token", "[A-Za-z0-9]{36}", "ghp_"),
    Provider("GitHub fine-grained personal access token", "[A-Za-z0-9_]{82}", "github_pat_"),
    Provider("GitHub OAuth access token", "[A-Za-z0-9]{36}", "gho_"),
    Provider("GitHub App user access token", "[A-Za-z0-9]{36}", "ghu_"),
    # Server and refresh tokens are 36 characters or, newer, longer (76 for refresh, and
    # installation tokens with `_` inside).
    Provider("GitHub App installation token", "[A-Za-z0-9_]{36,255}", "ghs_"),
    Provider("GitHub refresh token", "[A-Za-z0-9_]{36,255}", "ghr_"),
    Provider("GitLab personal access token", "[A-Za-z0-9_.-]{20,60}", "glpat-"),
    Provider("Slack bot token", r"[0-9]{8,13}-[0-9]{8,13}-[A-Za-z0-9]{20,40}", "xoxb-"),
    # User tokens, and the same shape issued with rotation on (`xoxe-`).
    Provider("Slack user token", regex=r"(xox[pe](?:-[0-9]{8,13}){3}-[A-Za-z0-9]{28,34})",
             keywords=("xoxp-", "xoxe-")),
    # Bot tokens issued before 2017: one number, then the secret.
    Provider("Slack legacy bot token", regex=r"(xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26})",
             keywords=("xoxb-",), classes="ul"),
    Provider("Slack configuration token", r"xox[bp]-1-[A-Za-z0-9]{140,200}", "xoxe.",
             keywords=("xoxe",)),
    Provider("Slack configuration refresh token", r"[0-9]-[A-Za-z0-9]{140,170}", "xoxe-"),
    Provider("Slack legacy token", regex=r"(xox[os]-[0-9]+-[0-9]+-[0-9]+-[a-fA-F0-9]{10,})",
             keywords=("xoxo-", "xoxs-")),
    Provider("Slack legacy workspace token",
             regex=r"(xox[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,48}(?:-[0-9A-Za-z]{8,48}){1,4})",
             keywords=("xoxa-", "xoxr-"), classes="d"),
    Provider("Slack app-level token", r"[0-9]-[A-Z0-9]{8,12}-[0-9]{10,14}-[a-f0-9]{40,70}", "xapp-"),
    Provider("Slack webhook URL", regex=r"((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)"
             r"/[A-Za-z0-9_/+-]{30,})", edge="A-Za-z0-9_/+-", keywords=("hooks.slack.com",)),
    Provider("Google API key", _B64URL + "{35}", "AIza"),
    Provider("Google OAuth client secret", _B64URL + "{28}", "GOCSPX-"),
    Provider("Google Cloud service account private key", critical=True,
             regex=r"""private_key["']?\s*[:=]\s*["'](-----BEGIN (?:RSA )?PRIVATE KEY-----"""
             r"""[A-Za-z0-9+/=\\\s]{64,}-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)["']""", edge="",
             context=r"""["']?type["']?\s*[:=]\s*["']service_account""", window=4000, after=4000,
             keywords=("service_account",)),
    Provider("Azure AD client secret", regex=r"([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})",
             edge="A-Za-z0-9_~.-", anchor="[0-9]Q~", keywords=("Q~",), classes="uld"),
    Provider("Azure AD client secret", regex=f"({_AZURE_CHAR}{{3}}[0-9]Q%7[Ee]{_AZURE_CHAR}{{31,34}})",
             edge="A-Za-z0-9_~.%-", anchor="Q%7E", keywords=("Q%7E", "Q%7e"), classes="uld"),
    # On the key's line `okta` must start a word: not the `ok`+`ta` inside `rookTable`.
    Provider("Okta API token", "00" + _B64URL + "{40}", context="okta", keywords=("okta",),
             key_hint=_HINT + "|[^a-z]okta|^okta", classes="ul"),
    Provider("Auth0 client secret", _B64URL + "{64,88}", context="auth0", window=600,
             key_hint=r"secret", keywords=("auth0",), classes="uld"),
    Provider("LangSmith API key", r"(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", "lsv2_"),
    Provider("Pinecone API key", r"[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}", "pcsk_"),
    Provider("Cohere API key", "[A-Za-z0-9]{40}", context=r"cohere|co_api_key",
             key_hint=_HINT + "|cohere",
             keywords=("cohere", "co_api_key"), classes="uld"),
    Provider("Groq API key", "[A-Za-z0-9]{52}", "gsk_"),
    Provider("Replicate API token", _B64URL + "{37}", "r8_", classes="ld"),
    Provider("Perplexity API key", "[A-Za-z0-9]{48}", "pplx-"),
    Provider("Mistral API key", "[A-Za-z0-9]{32}", context="mistral", keywords=("mistral",),
             key_hint=_HINT + "|mistral", classes="uld"),
    Provider("xAI API key", "[A-Za-z0-9_]{80}", "xai-"),
    Provider("OpenRouter API key", "[a-f0-9]{64}", "sk-or-v1-"),
    Provider("Stripe live secret key", "[A-Za-z0-9]{24,99}", "sk_live_"),
    Provider("Stripe live restricted key", "[A-Za-z0-9]{24,99}", "rk_live_"),
    Provider("Stripe test secret key", "[A-Za-z0-9]{24,99}", "sk_test_"),
    Provider("Stripe test restricted key", "[A-Za-z0-9]{24,99}", "rk_test_"),
    Provider("Stripe live restricted key", "[A-Za-z0-9]{24,99}", "rk_prod_"),
    Provider("HashiCorp Vault service token", _B64URL + "{90,120}", "hvs."),
    Provider("HashiCorp Vault batch token", _B64URL + "{138,300}", "hvb."),
    Provider("HashiCorp Vault token", regex=r"(s\.[A-Za-z0-9]{24})", edge="A-Za-z0-9_.-",
             context="vault", keywords=("vault",), classes="uld"),
    # Or assigned to a `token` (the key's literal start keeps the search fast where
    # `token` is common: OAuth code says it on most lines).
    Provider("HashiCorp Vault token", regex=r"(s\.[A-Za-z0-9]{24})",
             before=r"""(?:token|TOKEN|Token)["']?[ ]?[:=][ ]?["']?""", edge="A-Za-z0-9_.-",
             keywords=("token", "TOKEN", "Token"), classes="uld"),
    Provider("AWS access key ID", regex=r"((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})", edge="A-Za-z0-9",
             keywords=("AKIA", "ASIA", "ABIA", "ACCA")),
    Provider("AWS secret access key", regex=r"([A-Za-z0-9/+]{40})", edge="A-Za-z0-9/+",
             key_hint=r"secret.?access.?key|aws.?secret", classes="uld",
             keywords=("secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret",
                       "aws.secret", "awssecret", "aws-secret")),
    Provider("Amazon Bedrock API key", "[A-Za-z0-9+/]{109,269}={0,2}", "ABSK"),
    # Short-lived, but hours long: base64 of a presigned request.
    Provider("Amazon Bedrock short-lived API key", "[A-Za-z0-9+/]{100,4000}={0,2}",
             "bedrock-api-key-"),
    # Credentials of the tools agents most often reach through MCP servers.
    Provider("Supabase access token", "[a-z0-9]{40}", "sbp_", classes="d"),
    Provider("Supabase secret key", _B64URL + "{20,64}", "sb_secret_"),
    Provider("Notion integration token", "[A-Za-z0-9]{40,50}", "ntn_"),
    Provider("Notion integration secret", "[A-Za-z0-9]{43}", "secret_", context="notion"),
    Provider("HubSpot private app token", regex=r"(pat-(?:na|eu|ap)[0-9]-[a-f0-9]{8}-[a-f0-9]{4}"
             r"-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})", keywords=("pat-na", "pat-eu", "pat-ap")),
    Provider("Linear API key", "[A-Za-z0-9]{40}", "lin_api_"),
    Provider("npm access token", "[A-Za-z0-9]{36}", "npm_"),
    Provider("Sentry user auth token", "[a-f0-9]{64}", "sntryu_"),
    # Auth tokens made before the `sntryu_` prefix: 64 hex digits named as Sentry's.
    Provider("Sentry auth token", "[a-f0-9]{64}", context="sentry", key_hint=_HINT + "|sentry",
             keywords=("sentry",), classes="ld"),
    # `sntrys_`, base64 JSON claims, `_`, and a 43-character signature (32 bytes, unpadded).
    Provider("Sentry organization token", "eyJ[A-Za-z0-9+/]{20,400}={0,2}_[A-Za-z0-9+/]{43}",
             "sntrys_", edge="A-Za-z0-9+/_-"),
    Provider("Atlassian API token", "[A-Za-z0-9_=-]{150,250}", "ATATT3"),
    # Tokens made before the `ATATT3` prefix: 24 characters named as Atlassian's (one
    # row per name: a literal anchor is searched much faster than an alternation).
    *(Provider("Atlassian API token", "[A-Za-z0-9]{24}", context=name, key_hint=_HINT,
               keywords=(name,), classes="ul") for name in ("atlassian", "jira", "confluence")),
    Provider("Shopify access token", "[a-fA-F0-9]{32}", "shpat_"),
    Provider("Shopify custom app access token", "[a-fA-F0-9]{32}", "shpca_"),
    Provider("Shopify private app access token", "[a-fA-F0-9]{32}", "shppa_"),
    Provider("Shopify app shared secret", "[a-fA-F0-9]{32}", "shpss_"),
    Provider("DigitalOcean personal access token", "[a-f0-9]{64}", "dop_v1_"),
    Provider("DigitalOcean OAuth token", "[a-f0-9]{64}", "doo_v1_"),
    Provider("DigitalOcean refresh token", "[a-f0-9]{64}", "dor_v1_"),
    Provider("Postman API key", "[a-f0-9]{24}-[a-f0-9]{34}", "PMAK-"),
    Provider("Langfuse secret key", "[a-f0-9-]{36}", "sk-lf-"),
    Provider("Tavily API key", "[A-Za-z0-9-]{32,48}", "tvly-"),
    Provider("Firecrawl API key", "[a-f0-9]{32}", "fc-"),
    Provider("E2B API key", "[a-f0-9]{40}", "e2b_"),
    Provider("PyPI API token", _B64URL + "{50,}", "pypi-AgEIcHlwaS5vcmc"),
)

# One pass for the literal prefixes (cheap to compile, unlike the bounded repeats of
# the full patterns, which cost Hyperscan about 0.4 s); then each provider whose
# prefix occurs runs its own regex, which Python's `re` scans quickly from a literal.
_PREFIXES = PatternSet([(str(i), re.escape(k)) for i, p in enumerate(PROVIDERS) if not p.anchored
                        for k in p.all_keywords])
_REGEXES = [re.compile(p.pattern) for p in PROVIDERS]
_ANCHORED = [(i, re.compile(p.anchor or p.context or p.key_hint, re.I), _REGEXES[i])
             for i, p in enumerate(PROVIDERS) if p.anchored]


def _required_words(pattern: str) -> tuple[str, ...] | None:
    """Each alternative's longest literal stretch, lower-cased: text holding none
    cannot match. None if some alternative has none (the anchor always runs)."""
    if "(" in pattern or "\\" in pattern:
        return None
    words = []
    for alternative in pattern.split("|"):
        stretches, current, i = [], "", 0
        while i < len(alternative):
            c, after = alternative[i], alternative[i + 1: i + 2]
            if c == "[":  # a character class: no literal, skip to its end
                i = alternative.index("]", i)
            if (c.isalnum() or c in "_~-") and after not in ("?", "*", "{"):
                current += c
            else:
                stretches.append(current)
                current = ""
            i += 1
        longest = max([*stretches, current], key=len)
        if not longest:
            return None
        words.append(longest.lower())
    return tuple(words)


# Each case-insensitive anchor regex over every file cost more than all prefixed
# formats together. One caseless keyword pass rules most anchors out, and lower-case
# regexes without `re.I` find the rest in lower-cased text at the same offsets: exact
# unless the text `folds_into_ascii`; such text runs them as written. Each alternative
# is a pattern of its own, so each starts with a literal, which `re` finds fast
# (`secret.?access.?key|aws.?secret` was tried at every character).
_ANCHOR_WORDS = [_required_words(anchor.pattern) for _, anchor, _ in _ANCHORED]
_ANCHOR_WORD_SET = KeywordSet(w for words in _ANCHOR_WORDS if words for w in words)


def _alternatives(pattern: str) -> list[str]:
    """A pattern's top-level alternatives (`_required_words` allows no groups or
    escapes; a `|` inside a character class is no alternative)."""
    return pattern.split("|") if "[" not in pattern else [pattern]


_LOWER_ANCHORS = [tuple(re.compile(alt) for alt in _alternatives(anchor.pattern.lower())) if words else ()
                  for (_, anchor, _), words in zip(_ANCHORED, _ANCHOR_WORDS, strict=True)]
# Which anchors a word found in the text can start: the others are not tried.
_ANCHORS_BY_WORD: dict[str, list[int]] = {}
for _at, _words in enumerate(_ANCHOR_WORDS):
    for _word in set(_words or ()):
        _ANCHORS_BY_WORD.setdefault(_word, []).append(_at)
_ALWAYS_ANCHORED = [at for at, words in enumerate(_ANCHOR_WORDS) if words is None]
_EDGES = [re.compile(f"[{p.edge}]") if p.edge else None for p in PROVIDERS]
# What must end right before the key, looked for in this many characters before it.
_BEFORE = {p: re.compile(rf"(?:{p.before})\Z") for p in PROVIDERS if p.before}
_BEFORE_WINDOW = 32
_CLASSES = {"u": re.compile("[A-Z]"), "l": re.compile("[a-z]"), "d": re.compile("[0-9]")}
# Mobile app configs ship a Google API key by design; it is not a secret there.
_PUBLIC_KEY_FILES = ("google-services.json", "googleservice-info.plist")
# Google API keys published on purpose in the Firebase Android SDK's sources and
# samples, copied into countless apps (the list gitleaks allows for the same reason).
_PUBLIC_GOOGLE_KEYS = frozenset({
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs", "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU", "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A", "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4", "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM", "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g", "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw", "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
})


@dataclass(frozen=True)
class KeyMatch:
    provider: Provider
    key: str
    start: int
    end: int
    # Found by decoding the base64 run text[start:end], which is what must be masked.
    encoded: bool = False


def find_provider_keys(text: str, uri: str = "") -> Iterator[KeyMatch]:
    """Every real-looking provider key in `text`, in no particular order."""
    if uri and is_lock_file(uri):
        return
    public = uri.lower().endswith(_PUBLIC_KEY_FILES)
    seen: set[tuple[int, int]] = set()
    pem = _pem_bodies(text)
    for index, m in _matches(text):
        provider = PROVIDERS[index]
        if (public and provider.prefix == "AIza") or (index, m.start(1)) in seen:
            continue
        if pem and not provider.critical and any(a <= m.start(1) < b for a, b in pem):
            continue  # 64 base64 characters of a private key are no API key
        if not _clear_edges(index, text, m.start(1), m.end(1)):
            continue
        seen.add((index, m.start(1)))
        if _plausible(provider, m, text):
            yield KeyMatch(provider, m.group(1), m.start(1), m.end(1))


_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_PEM_BLOCK_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----")


def _pem_bodies(text: str) -> list[tuple[int, int]]:
    """Offsets of the bodies of PEM private keys in `text` (reported as keys
    by NHG105 or the generic rules, never piecemeal as other formats)."""
    if "PRIVATE KEY" not in text:
        return []
    bodies = []
    for begin in _PEM_BLOCK.finditer(text):
        end = _PEM_BLOCK_END.search(text, begin.end())
        bodies.append((begin.end(), end.start() if end else len(text)))
        if end is None:  # no later block ends either: one search, not one per marker
            break
    return bodies


def _matches(text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """Candidate keys: prefixed formats from one pass over the text; context-keyed
    ones from the rest of the line (and `window` more characters) after their anchor."""
    for index in sorted(int(name) for name in _PREFIXES.present(text)):
        for m in _REGEXES[index].finditer(text):
            yield index, m
    if folds_into_ascii(text):  # the lower-case anchors could miss a match: run them as written
        chosen = [(at, [anchor.finditer(text)]) for at, (_, anchor, _) in enumerate(_ANCHORED)]
    else:
        # The anchors' words, found in the text in one pass (caseless), say which to try.
        present = _ANCHOR_WORD_SET.present(text.encode("utf-8", "surrogatepass"))
        ats = sorted({at for word in present for at in _ANCHORS_BY_WORD[word]}.union(_ALWAYS_ANCHORED))
        lower = text.lower() if ats else ""
        chosen = [(at, [alt.finditer(lower) for alt in _LOWER_ANCHORS[at]]
                   or [_ANCHORED[at][1].finditer(text)]) for at in ats]
    for at, searches in chosen:
        index, _, regex = _ANCHORED[at]
        p = PROVIDERS[index]
        for a in (a for search in searches for a in search):
            # The Azure anchor sits 3 characters and a digit in, each character perhaps `%7E`.
            start = a.start() - 10 if p.anchor else a.end()
            end = text.find("\n", a.end() + (p.window if p.context else 0))
            if p.key_hint and not p.context:  # the value may sit below its name
                for _ in range(_NAME_LINES):
                    end = text.find("\n", end + 1) if end >= 0 else end
            for m in regex.finditer(text, max(0, start), len(text) if end < 0 else end):
                yield index, m


def _clear_edges(index: int, text: str, start: int, end: int) -> bool:
    """The key is not part of a longer token: no key character touches it."""
    edge = _EDGES[index]
    if edge is None:
        return True
    return not (start > 0 and edge.match(text, start - 1)) and not (end < len(text)
                                                                     and edge.match(text, end))


def _plausible(p: Provider, m: re.Match[str], text: str) -> bool:
    key = m.group(1)
    if p.before and not _BEFORE[p].search(text, max(0, m.start(1) - _BEFORE_WINDOW), m.start(1)):
        return False
    if p.context:
        window = text[max(0, m.start() - p.window): m.end() + p.after]
        if not re.search(p.context, window, re.I):
            return False
    if p.key_hint and not re.search(p.key_hint, _name_before(text, m.start(1)), re.I):
        return False
    if any(not _CLASSES[c].search(key) for c in p.classes):
        return False
    if "PRIVATE KEY" in key:
        body = private_key_body(key) or ""
        return len(body) >= 256 and "..." not in body and entropy(body) >= 5.0
    if key in _PUBLIC_GOOGLE_KEYS:
        return False
    body = key[len(p.prefix):] if key.startswith(p.prefix) else key
    # A long random body holds short words by chance (1 in 2,000 for 146 upper-case
    # characters): there only long markers count.
    words = _TOKEN_PLACEHOLDERS if len(body) < 100 else _LONG_TOKEN_PLACEHOLDERS
    if is_placeholder(body, words, KEY_SEQUENCES, KEY_RUN) or is_phrase(body):
        return False
    if p.context or p.key_hint:  # no fixed shape: the value itself must look random
        return is_random(body)
    return entropy(body) >= 3.0


# What may stand on a value's line before it when its name is on an earlier line:
# an XML element's or a YAML block scalar's value alone, a Terraform variable's default.
_VALUE_ALONE = re.compile(r"""\s*(?:default\s*=\s*)?["']?""")
# How many lines up a name may sit: `variable "x" {` above `type` and `default`.
_NAME_LINES = 3


def _name_before(text: str, start: int) -> str:
    """The text that names the value at `start`: its line up to the value, or,
    when the value stands alone there, also the `_NAME_LINES` lines above it."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _VALUE_ALONE.fullmatch(text, line_start, start):
        return text[line_start:start]
    begin = line_start
    for _ in range(_NAME_LINES):
        if begin == 0:
            break
        begin = text.rfind("\n", 0, begin - 1) + 1
    return text[begin:start]


# An AWS key ID and its secret written this many lines apart or closer are one credential.
_AWS_PAIR_LINES = 3


def _aws_pairs(doc: Document, hits: list[KeyMatch]) -> dict[int, KeyMatch]:
    """Each AWS key ID's start -> the secret access key written next to it
    (the nearest one after it, else before it, within `_AWS_PAIR_LINES`), and
    that secret's start -> the ID, for the earlier of the two."""
    ids = [h for h in hits if h.provider.name == "AWS access key ID"]
    secrets = [h for h in hits if h.provider.name == "AWS secret access key"]
    pairs: dict[int, KeyMatch] = {}
    taken: set[int] = set()
    for key_id in ids:
        id_line = doc.position(key_id.start)[0]
        near = [s for s in secrets if s.start not in taken
                and abs(doc.position(s.start)[0] - id_line) <= _AWS_PAIR_LINES]
        if not near:
            continue
        secret = min(near, key=lambda s: (s.start < key_id.start, abs(s.start - key_id.start)))
        taken.add(secret.start)
        first, second = (key_id, secret) if key_id.start < secret.start else (secret, key_id)
        pairs[first.start] = second
    return pairs


def _encodable(critical: bool) -> set[str]:
    """Prefixes worth looking for inside base64 runs: distinctive enough to find
    by their encodings alone (context-keyed formats need the words around them)."""
    return {k for p in PROVIDERS if p.critical == critical and not p.anchored
            for k in p.all_keywords if len(k) >= 4}


def rule_keywords(critical: bool) -> set[str]:
    """What NHG101 (critical False) or NHG105 (True) needs in a file's bytes:
    a prefix, or an encoding of one."""
    plain = {k for p in PROVIDERS if p.critical == critical for k in p.all_keywords}
    return plain | encoded_keywords(_encodable(critical))


@cache
def _encoded_prefixes() -> EncodedPrefixes:
    # Built on first use: most runs (a pre-commit hook on a few files) never decode.
    return EncodedPrefixes(_encodable(False) | _encodable(True))


def _encoded_keys(text: str, uri: str) -> Iterator[KeyMatch]:
    if uri and is_lock_file(uri):
        return
    for run in _encoded_prefixes().runs(text):
        for hit in find_provider_keys(run.decoded):
            yield KeyMatch(hit.provider, hit.key, run.start, run.end, encoded=True)


def _provider_keys(doc: Document) -> list[KeyMatch]:
    # NHG101 and NHG105 read the same matches: found once per file, in offset order.
    return doc.derived("secrets.provider_keys", lambda d: sorted(
        [*find_provider_keys(d.text, d.uri), *_encoded_keys(d.text, d.uri)],
        key=lambda k: k.start))


class ProviderKeyRule(Rule):
    """Shared check of NHG101 and NHG105; each picks its rows of the table."""

    critical_keys = False
    literal_secret = True

    def check(self, doc: Document) -> Iterator[Finding]:
        seen: set[int] = set()
        hits = [h for h in _provider_keys(doc) if h.provider.critical == self.critical_keys]
        partner = _aws_pairs(doc, hits)
        for hit in hits:
            if hit.start in seen:
                continue
            seen.add(hit.start)
            name, last = hit.provider.name, hit
            other = partner.get(hit.start)
            if other is not None:  # one credential, one finding, spanning both halves
                seen.add(other.start)
                name, last = "AWS access key (ID and secret access key)", other
            line, column = doc.position(hit.start)
            end_line, end_column = doc.position(last.end)
            if hit.encoded:  # the run decodes to the key: mask all of it
                yield self.report(doc, line, column, self.message(f"{name}, base64-encoded,"),
                                  end_line=end_line, end_column=end_column,
                                  secret=doc.text[hit.start:hit.end])
                continue
            yield self.report(doc, line, column, self.message(name),
                              end_line=end_line, end_column=end_column, secret=hit.key,
                              public_prefix=hit.provider.prefix)

    def message(self, provider: str) -> str:
        return f"{provider} written as a literal."
