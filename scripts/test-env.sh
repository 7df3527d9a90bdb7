#!/usr/bin/env bash
# The Python environment the pytest-plugin tests run in: the real pytest-benchmark, pytest-codspeed and the other
# plugins real suites load beside them, pinned in requirements/test-plugins.txt, in .venv-test (not committed).
# Run before the tests (npm test runs it as "pretest"); a no-op when the venv already matches the pins.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=requirements/test-plugins.txt
venv=.venv-test
python=${PROFGATE_TEST_BASE_PYTHON:-python3}
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "test-env: creating $venv from $requirements with $python" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
echo "$want" >"$stamp"
