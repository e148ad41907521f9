"""NHG305: a GitHub Actions workflow or job with `permissions: write-all`."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node


class ActionsWriteAll(Rule):
    """
    ## What it does
    Finds GitHub Actions workflows (`.github/workflows/*.yml`) that give the
    `GITHUB_TOKEN` every write permission with `permissions: write-all`, at
    workflow or job level. One finding per `write-all`.

    ## Why is this bad?
    Every step, third-party action and agent in the job can then push code,
    publish packages, change releases and approve pull requests with the
    token (OWASP NHI5 Overprivileged NHI, ASI03 Identity & Privilege Abuse).

    ## Example
    ```yaml
    permissions: write-all
    ```

    ## Use instead
    ```yaml
    permissions:
      contents: read
      pull-requests: write
    ```
    """

    id = "NHG305"
    name = "ActionsWriteAll"
    kind = "kind/wildcard-scope"
    severity = "medium"
    precision = "very-high"
    summary = "GitHub Actions token granted every write permission (`permissions: write-all`)."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI03:2026", "CWE-250", "CWE-732")
    keywords = ("write-all",)
    file_kinds = frozenset({YAML})
    scans_tests = False

    VALID = [
        Valid("on: push\npermissions:\n  contents: read\njobs:\n  build:\n"
              "    runs-on: ubuntu-latest\n", path=".github/workflows/ci.yml"),
        Valid("on: push\npermissions: read-all\n", path=".github/workflows/ci.yml"),
    ]
    INVALID = [
        Invalid("on: push\npermissions: write-all\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
                "    permissions: write-all\n", path=".github/workflows/release.yml",
                count=2, line=2),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if ".github/workflows/" not in doc.uri.replace("\\", "/"):
            return
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            if not root.is_mapping:
                continue
            jobs = root.get("jobs")
            places: list[Node] = [root]
            if jobs is not None and jobs.is_mapping:
                places += [job for _, job in jobs.entries if job.is_mapping]
            for place in places:
                perms = place.get("permissions")
                if perms is not None and perms.text() == "write-all":
                    yield self.report(doc, perms.pos_line, perms.pos_column,
                                      "`permissions: write-all` gives the token every write "
                                      "permission: grant only the scopes the job needs.")
