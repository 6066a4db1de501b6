# Sourced by scripts/serve and scripts/test: a virtual environment under .venv with the project
# installed (re-installed whenever pyproject.toml changes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "Assay needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
# ASSAY_EXTRAS: "" for serving (scripts/serve), "dev" for the tests and the linter
# (scripts/test). Each install is stamped with pyproject.toml's hash, so a change reinstalls.
extras=${ASSAY_EXTRAS:-}
stamp=.venv/.assay-installed${extras:+-$extras}
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Assay${extras:+ with its $extras tools} into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
  echo "$wanted" > "$stamp"
  [ -z "$extras" ] || echo "$wanted" > .venv/.assay-installed  # the serving set is in too
fi
mkdir -p var
