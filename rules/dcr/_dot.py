"""django-oauth-toolkit: registration settings in Django's `OAUTH2_PROVIDER`.

django-oauth-toolkit serves RFC 7591 registration when `DCR_ENABLED` is true.
Who may register is `DCR_REGISTRATION_PERMISSION_CLASSES`: by default only
signed-in users; `AllowAllDCRPermission` lets anyone in. The applications it
creates have no secret expiry, so every confidential client it registers holds
a secret for life.

Settings are read from the `OAUTH2_PROVIDER` dict literal, in a settings
module or a settings class, and from later `OAUTH2_PROVIDER["KEY"] = value`
assignments. A value that is not a literal (`env.bool(...)`) is left alone.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nhiguard.pyast import dotted_name, literal_value, string_value, subscript_key
from nhiguard.pyview import PythonView

SETTING = "OAUTH2_PROVIDER"
ENABLED = "DCR_ENABLED"
PERMISSIONS = "DCR_REGISTRATION_PERMISSION_CLASSES"
OPEN_PERMISSION = "AllowAllDCRPermission"


@dataclass(frozen=True)
class Entry:
    """One key of `OAUTH2_PROVIDER` and the expression it is given."""

    key: ast.expr  # where the key is written, to anchor a finding
    value: ast.expr


def settings(py: PythonView) -> dict[str, Entry]:
    """The literal keys `OAUTH2_PROVIDER` is given in the file; later
    assignments win, as they do when Django imports the module."""
    found: dict[str, Entry] = {}
    for node in ast.walk(py.module):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id == SETTING and isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    name = string_value(key)
                    if key is not None and name is not None:
                        found[name] = Entry(key, item)
            elif isinstance(target, ast.Subscript) and dotted_name(target.value) == SETTING:
                name = subscript_key(target)
                if name is not None:
                    found[name] = Entry(target, value)
    return found


def enabled(entries: dict[str, Entry]) -> Entry | None:
    """The `DCR_ENABLED` entry when it is literally true."""
    entry = entries.get(ENABLED)
    return entry if entry is not None and literal_value(entry.value) is True else None


def open_permission(entries: dict[str, Entry]) -> ast.expr | None:
    """The `AllowAllDCRPermission` element of the permission classes, written
    as a dotted string or as the class itself."""
    entry = entries.get(PERMISSIONS)
    if entry is None or not isinstance(entry.value, ast.Tuple | ast.List):
        return None
    for element in entry.value.elts:
        name = string_value(element) or dotted_name(element) or ""
        if name.rsplit(".", 1)[-1] == OPEN_PERMISSION:
            return element
    return None
