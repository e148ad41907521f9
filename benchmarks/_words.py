"""Vocabulary and naming helpers shared by the benchmark tree generators.

Everything here is plain data plus a few functions of a `random.Random`, so a
generator that is handed the same seeded RNG writes the same text.
"""

from __future__ import annotations

import random
import textwrap

NOUNS = (
    "account", "agent", "alert", "archive", "asset", "audit", "backlog", "balance",
    "batch", "billing", "blob", "bucket", "budget", "cache", "catalog", "channel",
    "checkout", "claim", "client", "cluster", "config", "connector", "contract",
    "cursor", "customer", "dataset", "deployment", "device", "digest", "document",
    "domain", "event", "export", "feature", "feed", "filter", "gateway", "grant",
    "graph", "handler", "index", "inventory", "invoice", "job", "ledger", "lease",
    "listing", "manifest", "message", "metric", "model", "monitor", "node", "order",
    "owner", "package", "page", "partition", "payload", "payment", "pipeline",
    "policy", "pool", "profile", "project", "prompt", "queue", "quota", "record",
    "region", "registry", "release", "report", "request", "resource", "response",
    "role", "route", "schedule", "schema", "scope", "segment", "session", "shard",
    "snapshot", "source", "span", "status", "storage", "stream", "subscription",
    "summary", "task", "template", "tenant", "ticket", "tool", "topic", "trace",
    "user", "vault", "version", "webhook", "window", "worker", "workflow",
)
VERBS = (
    "apply", "archive", "build", "check", "collect", "compute", "convert", "create",
    "decode", "delete", "describe", "dispatch", "emit", "encode", "enrich", "ensure",
    "evaluate", "expand", "export", "extract", "fetch", "filter", "flush", "format",
    "handle", "import", "index", "load", "lookup", "merge", "migrate", "normalize",
    "notify", "parse", "patch", "persist", "poll", "prepare", "publish", "purge",
    "read", "reconcile", "refresh", "register", "render", "replay", "resolve",
    "restore", "retry", "rotate", "route", "sample", "save", "schedule", "scan",
    "serialize", "split", "store", "submit", "summarize", "sync", "track",
    "transform", "update", "upload", "validate", "verify", "watch", "write",
)
ADJECTIVES = (
    "active", "async", "batched", "cached", "canonical", "cold", "composite",
    "current", "default", "deferred", "dirty", "draft", "effective", "empty",
    "expired", "external", "final", "global", "hot", "idle", "incoming", "internal",
    "latest", "legacy", "local", "managed", "nested", "optional", "outgoing",
    "partial", "pending", "primary", "private", "public", "raw", "remote",
    "retained", "scoped", "secondary", "shared", "stale", "static", "strict",
    "temporary", "trusted", "unique", "valid", "verified", "virtual", "weighted",
)
SENTENCE_WORDS = (
    "the", "a", "this", "each", "every", "when", "if", "then", "so", "that", "is",
    "are", "was", "be", "not", "only", "once", "before", "after", "while", "with",
    "from", "into", "for", "by", "on", "of", "and", "or", "but", "it", "we", "they",
    "should", "must", "may", "can", "never", "always", "still", "again", "later",
)
TEAMS = (
    "platform", "payments", "identity", "search", "data-eng", "ml-infra", "growth",
    "sre", "security", "billing", "support-tools", "agents",
)
PY_STDLIB = (
    "asyncio", "base64", "collections", "contextlib", "dataclasses", "datetime",
    "enum", "functools", "hashlib", "itertools", "json", "logging", "math", "os",
    "pathlib", "re", "time", "typing", "urllib.parse", "uuid",
)
NPM_PACKAGES = (
    "react", "react-dom", "express", "zod", "axios", "lodash", "date-fns", "pino",
    "@tanstack/react-query", "@modelcontextprotocol/sdk", "openai", "@octokit/rest",
    "typescript", "vitest", "eslint", "prettier", "ts-node", "dotenv", "jsonwebtoken",
    "@aws-sdk/client-s3", "graphql", "ioredis", "pg", "uuid", "yaml", "commander",
)
IMAGES = (
    "python:3.12-slim", "node:20-alpine", "nginx:1.27", "redis:7.2", "postgres:16",
    "ghcr.io/acme/worker:1.8.2", "ghcr.io/acme/api:2.4.0", "busybox:1.36",
    "grafana/grafana:11.1.0", "otel/opentelemetry-collector:0.104.0",
)
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")


def word(rng: random.Random, pool: tuple[str, ...]) -> str:
    return pool[rng.randrange(len(pool))]


def snake(rng: random.Random, parts: int = 2) -> str:
    """A snake_case identifier such as `pending_invoice` or `sync_cached_lease`."""
    if parts <= 1:
        return word(rng, NOUNS)
    if parts == 2:
        first = word(rng, ADJECTIVES) if rng.random() < 0.5 else word(rng, VERBS)
        return f"{first}_{word(rng, NOUNS)}"
    return f"{word(rng, VERBS)}_{word(rng, ADJECTIVES)}_{word(rng, NOUNS)}"


def func_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{word(rng, VERBS)}_{word(rng, NOUNS)}"
    return f"{word(rng, VERBS)}_{word(rng, ADJECTIVES)}_{word(rng, NOUNS)}"


def camel(rng: random.Random) -> str:
    """A camelCase identifier for TypeScript."""
    return word(rng, VERBS) + word(rng, NOUNS).capitalize()


def pascal(rng: random.Random, parts: int = 2) -> str:
    names = [word(rng, ADJECTIVES), word(rng, NOUNS)] if parts == 2 else [word(rng, NOUNS)]
    if parts >= 3:
        names.append(word(rng, ("Service", "Client", "Manager", "Store", "Handler", "Repo")))
    return "".join(n.capitalize() for n in names)


def kebab(rng: random.Random) -> str:
    return f"{word(rng, ADJECTIVES)}-{word(rng, NOUNS)}"


def sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    """A lower-case English-looking sentence mixing glue words and domain nouns."""
    count = rng.randint(low, high)
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            out.append(word(rng, SENTENCE_WORDS))
        elif roll < 0.75:
            out.append(word(rng, NOUNS))
        elif roll < 0.9:
            out.append(word(rng, VERBS))
        else:
            out.append(word(rng, ADJECTIVES))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def paragraph(
    rng: random.Random, sentences: int = 4, width: int = 0, indent: str = ""
) -> str:
    """A few sentences; wrapped to `width` columns (with `indent`) when width is set."""
    text = " ".join(sentence(rng) for _ in range(rng.randint(2, sentences + 1)))
    if not width:
        return text
    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)


def semver(rng: random.Random) -> str:
    return f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def hex_digest(rng: random.Random, length: int = 40) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def iso_date(rng: random.Random) -> str:
    return (
        f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )
