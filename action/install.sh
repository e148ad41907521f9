#!/usr/bin/env bash
# The Action's install step: nhiguard in its own virtual environment, from
# the hash-checked lock (wheels only, from the cached pip folder when warm),
# so the caller's Python and packages are never touched. Any failure stops
# the Action here with a message, before a scan or an upload of nothing.
#
#   NHIGUARD_PYTHON   the interpreter actions/setup-python installed
#   NHIGUARD_VENV     where to create the environment
#   NHIGUARD_SOURCE   the Action's checkout (the nhiguard source tree)
set -uo pipefail

fail() {
  echo "::error title=nhiguard install failed::$1 (see the log above); nothing was scanned"
  exit 1
}

[ -x "${NHIGUARD_PYTHON:-}" ] || fail "no Python interpreter at '${NHIGUARD_PYTHON:-}'"
# The lock holds wheels for these runners and CPython 3.12 only (see its
# header). Anything else would end in a long pip error, or, without
# --only-binary, in a slow unpinned build: say plainly what is supported.
runner="$(uname -s) $(uname -m)"
case "$runner" in
  "Linux x86_64" | "Linux aarch64" | "Darwin x86_64" | "Darwin arm64") ;;
  *) fail "the Action runs on Linux (x86_64, aarch64) and macOS (x86_64, arm64) runners, not on $runner; elsewhere, pip install nhiguard in a step of your own and run nhiguard scan" ;;
esac
version=$("$NHIGUARD_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
  || fail "the Python interpreter at $NHIGUARD_PYTHON does not start"
[ "$version" = "3.12" ] \
  || fail "action/requirements.lock pins wheels for CPython 3.12 (as action.yml sets it up), not $version"
"$NHIGUARD_PYTHON" -m venv "$NHIGUARD_VENV" || fail "cannot create a virtual environment in $NHIGUARD_VENV"
pip=("$NHIGUARD_VENV/bin/python" -m pip --disable-pip-version-check --quiet)
"${pip[@]}" install --require-hashes --only-binary=:all: -r "$NHIGUARD_SOURCE/action/requirements.lock" \
  || fail "cannot install the pinned dependencies in action/requirements.lock"
# setuptools and wheel come from the lock: no isolated build environment to fetch.
"${pip[@]}" install --no-deps --no-build-isolation --no-index "$NHIGUARD_SOURCE" \
  || fail "cannot install nhiguard from $NHIGUARD_SOURCE"
"$NHIGUARD_VENV/bin/nhiguard" --version || fail "the installed nhiguard does not start"
echo "nhiguard=$NHIGUARD_VENV/bin/nhiguard" >> "$GITHUB_OUTPUT"
