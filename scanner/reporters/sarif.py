"""SARIF 2.1.0, as docs/architecture.md's SARIF contract says, built with sarif-om.

GitHub reads only part of SARIF: it ignores `taxonomies` and `suppressions`,
so the taxonomy links are repeated as tags and suppressed results are left
out unless asked for.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import sarif_om as om
from jschema_to_python.to_json import to_json

from .. import __version__
from ..finding import Finding, Notification
from ..rule import KINDS, LEVELS, SECURITY_SEVERITY, Rule
from ..taxonomy import COMPONENTS, TAXA
from .base import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/nhiguard/nhiguard"
SRCROOT = "%SRCROOT%"
MAX_TAGS = 10  # GitHub shows ten tags per rule and drops the rest


def rule_tags(rule: type[Rule]) -> list[str]:
    """`security`, the kind tag, then the taxonomy links, ten at most."""
    tags = ["security", rule.kind, *(TAXA[t].tag for t in rule.taxa)]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _taxonomy_order(rules: list[type[Rule]]) -> list[str]:
    used = {TAXA[t].component for r in rules for t in r.taxa}
    return [key for key in COMPONENTS if key in used]


# GitHub shows at most this many characters of a rule's fullDescription, as
# plain text; the Markdown version belongs in help.markdown.
FULL_DESCRIPTION_MAX = 1024
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|`|^#+\s*|^\s*[-*]\s+)", re.M)


def plain_description(markdown: str, limit: int = FULL_DESCRIPTION_MAX) -> str:
    """Markdown as one plain paragraph within `limit` characters: link texts
    kept, marks dropped, cut at the last full sentence that fits."""
    text = " ".join(_MD_MARKS.sub("", _MD_LINK.sub(r"\1", markdown)).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    end = cut.rfind(". ")
    return cut[:end + 1] if end > limit // 2 else cut[:cut.rfind(" ")] + "\u2026"


def _descriptor(rule: type[Rule], components: list[str]) -> om.ReportingDescriptor:
    relationships = []
    for t in rule.taxa:
        comp = TAXA[t].component
        relationships.append(om.ReportingDescriptorRelationship(
            target=om.ReportingDescriptorReference(
                id=t,
                tool_component=om.ToolComponentReference(
                    name=COMPONENTS[comp].name, index=components.index(comp)),
            ),
            kinds=["relevant"],
        ))
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=plain_description(rule.full_description())),
        help=om.MultiformatMessageString(text=rule.help_text(), markdown=rule.help_markdown()),
        help_uri=rule.help_uri(),
        default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
        relationships=relationships,
        properties={
            "tags": rule_tags(rule),
            "precision": rule.precision,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "kind": rule.kind,
            "kindDescription": KINDS[rule.kind],
        },
    )


def _taxonomy(key: str, rules: list[type[Rule]]) -> om.ToolComponent:
    comp = COMPONENTS[key]
    used = sorted({t for r in rules for t in r.taxa if TAXA[t].component == key})
    return om.ToolComponent(
        name=comp.name,
        version=comp.version,
        organization=comp.organization,
        information_uri=comp.information_uri,
        short_description=om.MultiformatMessageString(text=comp.short_description),
        taxa=[
            om.ReportingDescriptor(
                id=t,
                name=TAXA[t].name,
                short_description=om.MultiformatMessageString(text=TAXA[t].name),
                help_uri=TAXA[t].help_uri,
            )
            for t in used
        ],
    )


def _location(f_uri: str, srcroot_relative: bool) -> om.ArtifactLocation:
    if srcroot_relative:
        return om.ArtifactLocation(uri=f_uri, uri_base_id=SRCROOT)
    return om.ArtifactLocation(uri=f_uri)


def _is_relative(uri: str) -> bool:
    return "://" not in uri and not uri.startswith("/")


def _result(f: Finding, index: int) -> om.Result:
    region = om.Region(
        start_line=f.line, start_column=f.column, end_line=f.end_line, end_column=f.end_column,
        snippet=om.ArtifactContent(text=f.snippet),
    )
    result = om.Result(
        rule_id=f.rule_id,
        rule_index=index,
        level=f.level,
        message=om.Message(text=f.message),
        locations=[om.Location(physical_location=om.PhysicalLocation(
            artifact_location=_location(f.uri, _is_relative(f.uri)), region=region))],
        partial_fingerprints={"primaryLocationLineHash": f.fingerprint},
    )
    if f.commit:  # a history finding: the URI stays repository-relative
        result.properties = {"commit": f.commit}
    if f.suppressed:
        # A baseline lives outside the scanned source: an "external" suppression.
        kind = "external" if f.baseline_state == "unchanged" else "inSource"
        result.suppressions = [om.Suppression(kind=kind, justification=f.suppression or "")]
    if f.baseline_state:
        result.baseline_state = f.baseline_state
    return result


def _notification(n: Notification) -> om.Notification:
    note = om.Notification(
        message=om.Message(text=n.message),
        level=n.level,
        descriptor=om.ReportingDescriptorReference(id=n.kind),
    )
    loc = om.PhysicalLocation(artifact_location=_location(n.uri, _is_relative(n.uri)))
    if n.line:
        loc.region = om.Region(start_line=n.line)
    note.locations = [om.Location(physical_location=loc)]
    return note


def _git(srcroot: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(srcroot), *args], capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _https_remote(url: str) -> str:
    """A remote as an absolute https URI without credentials, or ""."""
    if url.startswith("git@") and ":" in url:
        host, path = url[4:].split(":", 1)
        url = f"https://{host}/{path}"
    if url.startswith(("https://", "http://")):
        scheme, rest = url.split("://", 1)
        rest = rest.split("@", 1)[-1]  # never copy a token embedded in a remote URL
        return f"{scheme}://{rest.removesuffix('.git')}"
    return ""


def _provenance(srcroot: Path) -> list[om.VersionControlDetails] | None:
    revision = _git(srcroot, "rev-parse", "HEAD")
    remote = _https_remote(_git(srcroot, "remote", "get-url", "origin"))
    if not (revision and remote):
        return None
    details = om.VersionControlDetails(repository_uri=remote, revision_id=revision,
                                       mapped_to=om.ArtifactLocation(uri_base_id=SRCROOT))
    branch = _git(srcroot, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        details.branch = branch
    return [details]


def build_sarif(report: Report, automation_id: str = "nhiguard/") -> dict[str, Any]:
    rules = report.rules
    components = _taxonomy_order(rules)
    index = {r.id: i for i, r in enumerate(rules)}
    driver = om.ToolComponent(
        name="nhiguard",
        full_name=f"nhiguard {__version__}",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        organization="nhiguard",
        rules=[_descriptor(r, components) for r in rules],
        supported_taxonomies=[
            om.ToolComponentReference(name=COMPONENTS[k].name, index=i) for i, k in enumerate(components)
        ],
    )
    invocation = om.Invocation(
        execution_successful=True,
        tool_execution_notifications=[_notification(n) for n in report.result.notifications] or None,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        taxonomies=[_taxonomy(k, rules) for k in components],
        results=[_result(f, index[f.rule_id]) for f in report.shown],
        invocations=[invocation],
        automation_details=om.RunAutomationDetails(id=automation_id),
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=report.srcroot.as_uri() + "/")},
        column_kind="unicodeCodePoints",
        version_control_provenance=_provenance(report.srcroot),
    )
    log = om.SarifLog(schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])
    data: dict[str, Any] = json.loads(to_json(log))
    _restore_defaults(data, report)
    return data


def _restore_defaults(data: dict[str, Any], report: Report) -> None:
    """sarif-om's serializer drops values equal to the schema default (level
    "warning" among them); GitHub and readers prefer them spelt out."""
    run = data["runs"][0]
    for desc, rule in zip(run["tool"]["driver"]["rules"], report.rules, strict=True):
        desc.setdefault("defaultConfiguration", {})["level"] = LEVELS[rule.severity]
    for res, f in zip(run.get("results", []), report.shown, strict=True):
        res["level"] = f.level
    for note, n in zip(run["invocations"][0].get("toolExecutionNotifications", []),
                       report.result.notifications, strict=True):
        note["level"] = n.level


def render(report: Report) -> str:
    return json.dumps(build_sarif(report), indent=2, ensure_ascii=False) + "\n"
