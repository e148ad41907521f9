"""Package discovery for the folder layout: scanner/ installs as `nhiguard`,
rules/ as `nhiguard.rules`. Every package under them is found, so a new rule
family or engine subpackage cannot be left out of the wheel."""

from setuptools import find_packages, setup

LAYOUT = {"nhiguard": "scanner", "nhiguard.rules": "rules"}


def _packages(name: str, folder: str) -> list[str]:
    return [name, *(f"{name}.{sub}" for sub in find_packages(folder))]


setup(
    package_dir=LAYOUT,
    packages=[p for name, folder in LAYOUT.items() for p in _packages(name, folder)],
)
