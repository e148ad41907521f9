"""What kind of file an artifact is, decided from its name alone (cheap)."""

from __future__ import annotations

from .tree import TREE_FORMATS

PYTHON = "python"
YAML = "yaml"
JSON = "json"
TOML = "toml"
INI = "ini"
ENV = "env"
HCL = "hcl"
JAVASCRIPT = "javascript"
TYPESCRIPT = "typescript"
SHELL = "shell"
MARKDOWN = "markdown"
DOCKERFILE = "dockerfile"
TEXT = "text"

ALL_KINDS = frozenset(
    {PYTHON, YAML, JSON, TOML, INI, ENV, HCL, JAVASCRIPT, TYPESCRIPT, SHELL, MARKDOWN, DOCKERFILE, TEXT}
)
# Kinds that have a key/value `tree` view: those with a parser in the tree
# package's table (which imports no parser until one is used).
TREE_KINDS = TREE_FORMATS
CONFIG_KINDS = TREE_KINDS | {HCL}

_BY_SUFFIX = {
    ".py": PYTHON, ".pyi": PYTHON,
    ".yaml": YAML, ".yml": YAML,
    ".json": JSON, ".jsonc": JSON,
    ".toml": TOML,
    ".ini": INI, ".cfg": INI,
    ".env": ENV,
    ".tf": HCL, ".tfvars": HCL, ".hcl": HCL,
    ".js": JAVASCRIPT, ".mjs": JAVASCRIPT, ".cjs": JAVASCRIPT, ".jsx": JAVASCRIPT,
    ".ts": TYPESCRIPT, ".mts": TYPESCRIPT, ".cts": TYPESCRIPT, ".tsx": TYPESCRIPT,
    ".sh": SHELL, ".bash": SHELL, ".zsh": SHELL,
    ".md": MARKDOWN, ".markdown": MARKDOWN,
}

# Never worth reading: media, archives, compiled objects, fonts.
BINARY_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tiff", ".psd", ".mp3", ".mp4",
    ".mov", ".avi", ".wav", ".ogg", ".flac", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar",
    ".tar", ".jar", ".war", ".whl", ".egg", ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".pyc",
    ".pyo", ".class", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".pdf", ".sqlite", ".db", ".bin",
    ".dat", ".parquet",
})


def _name(uri: str) -> str:
    # Plain string work: this runs for every listed file.
    return uri.split("?", 1)[0].rsplit("/", 1)[-1].lower()


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def kind_of(uri: str) -> str:
    """The file kind for a path or store URI, e.g. `python`, `yaml`, `env`."""
    lower = _name(uri)
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return ENV
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return DOCKERFILE
    return _BY_SUFFIX.get(_suffix(lower), TEXT)


def is_binary_name(uri: str) -> bool:
    return _suffix(_name(uri)) in BINARY_SUFFIXES
