#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environments the tests use, from PyPI. Sourced by .ci/run; exports
# MM_VENV (pyspark, azure-ai-ml), MM_CHECKOV_VENV (checkov) and MM_SQL_VENV (sqlfluff). A cache outside the clone makes reruns fast; a
# missing or broken venv is rebuilt.
set -euo pipefail
cache="${MM_CACHE:-$HOME/.cache/many-models}"
make_venv() { # name requirements-file
  local dir="$cache/$1" req="$2" stamp
  stamp="$(sha256sum "$req" | cut -c1-16)"
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.mm-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "ci: creating the Python venv $dir from $req"
    rm -rf "$dir"
    # ensurepip has been seen to fail once on a busy machine; a second try from scratch succeeds.
    python3 -m venv "$dir" || { rm -rf "$dir" && python3 -m venv "$dir"; }
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$stamp" >"$dir/.mm-stamp"
  fi
}
make_venv venv .ci/requirements/engine.txt
make_venv checkov .ci/requirements/checkov.txt
make_venv sql .ci/requirements/sql.txt
export MM_VENV="$cache/venv" MM_CHECKOV_VENV="$cache/checkov" MM_SQL_VENV="$cache/sql"
