"""Configuration: `[tool.nhiguard]` in pyproject.toml or a `.nhiguard.toml`.

Found as ruff finds its own: the nearest folder, from the scanned path
upward to the repository root, holding a `.nhiguard.toml` or a
`pyproject.toml` with a `[tool.nhiguard]` table (a pyproject.toml without
one is passed over). Command-line options win over the file; the file wins
over defaults.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .policy import Policy, PolicyError


class ConfigError(ValueError):
    """The configuration is wrong (exit code 2)."""


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fail_on: str | None = None
    # Seconds one file may take before it is abandoned (0: no limit).
    file_timeout: float | None = None
    # Run structural rules on test code and recorded test data too.
    include_tests: bool = False
    policy: Policy = field(default_factory=Policy)
    source: str | None = None


_LIST_KEYS = ("select", "ignore", "exclude")


def _from_table(table: dict[str, Any], source: str) -> Config:
    cfg = Config(source=source)
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: {raw_key} must be a list of strings")
            setattr(cfg, key, list(value))
        elif key == "fail_on":
            if not isinstance(value, str):
                raise ConfigError(f"{source}: fail-on must be a string")
            cfg.fail_on = value
        elif key == "file_timeout":
            # bool is an int subclass: `file-timeout = true` is a mistake, not 1 s.
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{source}: file-timeout must be a number of seconds >= 0")
            cfg.file_timeout = float(value)
        elif key == "include_tests":
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: include-tests must be true or false")
            cfg.include_tests = value
        elif key == "policy":
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: policy must be a table")
            try:
                cfg.policy = Policy.from_mapping(value)
            except PolicyError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        else:
            raise ConfigError(f"{source}: unknown setting {raw_key!r} (known: select, ignore, "
                              "exclude, fail-on, file-timeout, include-tests, policy)")
    if cfg.include_tests:  # the engine reads it with the policy every worker gets
        cfg.policy = replace(cfg.policy, include_tests=True)
    return cfg


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def upward(start: Path) -> Iterator[Path]:
    """`start`'s folder and its parents, up to the repository root (the
    folder holding `.git`) or the file system's root: where configuration
    and a .secrets.baseline are looked for, nearest first."""
    folder = start.absolute()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        yield candidate
        if (candidate / ".git").exists():
            return


def _dedicated_table(data: dict[str, Any]) -> dict[str, Any]:
    """A `.nhiguard.toml`'s settings: top-level keys, or a `[tool.nhiguard]`
    table pasted from a pyproject.toml (so every example fits either file)."""
    tool = data.get("tool")
    if set(data) == {"tool"} and isinstance(tool, dict) and isinstance(tool.get("nhiguard"), dict):
        return tool["nhiguard"]
    return data


def _shown(path: Path) -> str:
    """`path` as the user can open it from the current folder."""
    return os.path.relpath(path) if Path.cwd() in path.parents else str(path)


def _config_in(folder: Path) -> Config | None:
    """The configuration `folder` itself holds, if any."""
    dedicated = folder / ".nhiguard.toml"
    if dedicated.is_file():
        return _from_table(_dedicated_table(_read_toml(dedicated)), _shown(dedicated))
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("nhiguard")
        if isinstance(table, dict):
            return _from_table(table, f"{_shown(pyproject)} [tool.nhiguard]")
    return None


def load_config(explicit: str | None, start: Path) -> Config:
    """The explicit --config file, else the nearest configuration from
    `start` (a scanned file or folder) upward, stopping at the repository
    root (a folder with `.git`); defaults if none is found."""
    if explicit:
        path = Path(explicit)
        data = _read_toml(path)
        table = (data.get("tool", {}).get("nhiguard", data) if path.name == "pyproject.toml"
                 else _dedicated_table(data))
        return _from_table(table, str(path))
    for folder in upward(start):
        found = _config_in(folder)
        if found is not None:
            return found
    return Config()
