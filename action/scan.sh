#!/usr/bin/env bash
# The Action's scan step. Inputs arrive in the environment (never through
# template expansion), so a value cannot become a command. The step records
# nhiguard's exit code as an output and always succeeds itself: the upload
# still runs after findings, and the last step fails the job on the code.
#
#   NHIGUARD_BIN           the nhiguard command (in the Action's own venv)
#   NHIGUARD_PATHS         one path per line; a single line is split on spaces
#                          unless it names an existing file or folder
#   NHIGUARD_ARGS          extra arguments, split as a shell would (no expansion)
#   NHIGUARD_FAIL_ON, NHIGUARD_SARIF, NHIGUARD_CHANGED_ONLY, NHIGUARD_UPLOAD
#   NHIGUARD_BASE, NHIGUARD_HEAD              pull request base and head commits
#   NHIGUARD_BASE_REPO, NHIGUARD_HEAD_REPO    their repositories (owner/name)
set -uo pipefail

nhiguard=${NHIGUARD_BIN:-nhiguard}
python=$(dirname "$(command -v "$nhiguard")")/python
[ -x "$python" ] || python=python3

output() { echo "$1=$2" >> "$GITHUB_OUTPUT"; }
summary() { [ -n "${GITHUB_STEP_SUMMARY:-}" ] && echo "$1" >> "$GITHUB_STEP_SUMMARY"; return 0; }

# --- upload: a fork's pull request gets a read-only token -------------------
upload=${NHIGUARD_UPLOAD:-true}
if [ "$upload" = "true" ] && [ -n "${NHIGUARD_HEAD_REPO:-}" ] \
    && [ "${NHIGUARD_HEAD_REPO}" != "${NHIGUARD_BASE_REPO:-}" ]; then
  upload=false
  echo "::notice title=nhiguard::pull request from a fork (${NHIGUARD_HEAD_REPO}): its token cannot" \
       "upload SARIF, so the upload is skipped; the annotations and job summary show the findings"
fi
output upload "$upload"
output sarif-file "$NHIGUARD_SARIF"

# --- paths and extra arguments as arrays --------------------------------------
paths=()
if [[ "${NHIGUARD_PATHS:-.}" == *$'\n'* ]] || [ -e "${NHIGUARD_PATHS:-.}" ]; then
  while IFS= read -r line; do
    [ -n "$line" ] && paths+=("$line")
  done <<< "${NHIGUARD_PATHS:-.}"
else
  read -r -a paths <<< "${NHIGUARD_PATHS:-.}"
fi
extra=()
if [ -n "${NHIGUARD_ARGS:-}" ]; then
  if ! split=$("$python" -c 'import os, shlex; print("\n".join(shlex.split(os.environ["NHIGUARD_ARGS"])))' 2>&1); then
    echo "::error title=nhiguard::cannot split the args input as a shell would: $split"
    output exit-code 2
    exit 0
  fi
  mapfile -t extra <<< "$split"
fi

# --- which lines the pull request adds -----------------------------------------
have() { git cat-file -e "$1^{commit}" 2>/dev/null; }
fetch() { git fetch --quiet --no-tags --depth="$1" origin "${@:2}" 2>/dev/null; }
cannot() {
  echo "::error title=nhiguard::$1. Check out with actions/checkout's fetch-depth: 0," \
       "or set changed-lines-only: false to scan the whole tree."
  summary "nhiguard could not scan this pull request's changes: $1."
  output exit-code 2
  exit 0
}

diff_args=()
base=${NHIGUARD_BASE:-}
head=${NHIGUARD_HEAD:-}
if [ "${NHIGUARD_CHANGED_ONLY:-true}" = "true" ] && [ -n "$base" ] && [ -n "$head" ]; then
  git rev-parse --git-dir > /dev/null 2>&1 || cannot "this is not a git checkout"
  # Raw parents: a shallow clone hides them from rev-list, not from the object.
  mapfile -t parents < <(git cat-file -p HEAD 2>/dev/null | sed -n 's/^parent //p')
  if [ "${#parents[@]}" -eq 2 ] && [ "${parents[1]}" = "$head" ]; then
    # The default checkout: GitHub's merge of the head into the base branch.
    # Its first parent is the base branch as merged, so the diff is what the
    # pull request adds, and one commit is all that must be fetched.
    have "${parents[0]}" || fetch 1 "${parents[0]}" \
      || cannot "cannot fetch the base branch commit ${parents[0]:0:12}"
    diff_args=(--diff "${parents[0]}..HEAD")
  else
    # The head itself is checked out: diff from the merge base, deepening a
    # shallow history until base and head meet.
    for depth in 50 500 5000; do
      have "$base" && have "$head" && git merge-base "$base" "$head" > /dev/null 2>&1 && break
      fetch "$depth" "$base" "$head" || break
    done
    have "$base" || cannot "cannot fetch the base commit ${base:0:12}"
    git merge-base "$base" "$head" > /dev/null 2>&1 \
      || cannot "no merge base of ${base:0:12} and ${head:0:12} within the fetched history"
    diff_args=(--diff "$base...$head")
  fi
fi

# --- scan ----------------------------------------------------------------------
"$nhiguard" scan "${paths[@]}" "${extra[@]}" "${diff_args[@]}" --no-progress \
  --fail-on "$NHIGUARD_FAIL_ON" \
  --format github --format sarif --output - --output "$NHIGUARD_SARIF"
code=$?
output exit-code "$code"
if [ "$code" -ge 2 ]; then
  echo "::error title=nhiguard::the scan ended with exit code $code (2: usage or configuration" \
       "error, 3: scan failed); see the log above"
fi
exit 0
