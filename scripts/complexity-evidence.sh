#!/usr/bin/env bash
# Real complexity fixes, reverted: each example under examples/complexity is measured with the fixed code as base
# and the unfixed code as head, and `profgate compare` judges them. Released versions are installed from PyPI into
# virtual environments outside the repository (in WORK, default a temporary folder).
#   bash scripts/complexity-evidence.sh [WORK]
# Prints each comparison; writes WORK/<example>.json (the comparison) and WORK/<example>.md (the PR comment).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/profgate-evidence-XXXXXX")}
mkdir -p "$work"
cli="node $root/dist/cli.js"
measure=(--processes 6 --values 3 --min-time 0.01 --profile-iterations 3 --quiet)

venv() { # venv NAME PACKAGE==VERSION: a virtual environment with that one release
  local dir="$work/venv-$1"
  [ -x "$dir/bin/python" ] || { python3 -m venv "$dir" && "$dir/bin/pip" install -q --no-deps "$2"; }
  echo "$dir/bin/python"
}

compare_runs() { # compare_runs NAME: WORK/NAME-base and WORK/NAME-head compared
  (cd "$root" && $cli compare "$work/$1-base" "$work/$1-head" --json "$work/$1.json" --markdown "$work/$1.md" --no-fail)
}

example="$root/examples/complexity"

# sqlparse PR #848: 0.6.0 fixed, 0.5.5 unfixed.
for side in base head; do
  version=$([ $side = base ] && echo 0.6.0 || echo 0.5.5)
  (cd "$example/sqlparse" && $cli run benchmarks --suite native --python "$(venv "sqlparse-$version" "sqlparse==$version")" --out "$work/sqlparse-$side" "${measure[@]}")
done
compare_runs sqlparse

# Two CPython fixes, rewritten minimally before and after in examples/complexity/<name>/versions: each side is a copy
# of the example with its version in src/, so the functions keep one path on both sides.
rewritten() { # rewritten NAME: WORK/NAME-base (fixed) and WORK/NAME-head (unfixed)
  for side in base head; do
    version=$([ $side = base ] && echo fixed || echo unfixed)
    project="$work/$1-$side-project"
    rm -rf "$project" && mkdir -p "$project/src"
    cp -R "$example/$1/benchmarks" "$project/"
    cp "$example/$1/versions/$version/"*.py "$project/src/"
    (cd "$project" && $cli run benchmarks --suite native --pythonpath src --out "$work/$1-$side" "${measure[@]}")
  done
  compare_runs "$1"
}
# gh-136065 (CVE-2025-6075): os.path.expandvars.
rewritten expandvars
# gh-123067 (CVE-2024-7592): http.cookies._unquote.
rewritten cookies
echo "comparisons in $work"
