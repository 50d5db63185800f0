#!/usr/bin/env bash
# Run the template's tests. Extra arguments go to pytest, e.g. `scripts/test.sh -m "not slow"`.
#
#   fast tier  (-m "not slow and not act"): option matrix, hooks, lockfile, workflow checks
#   slow tier  (-m slow): bake -> install from the lockfile -> lint, type-check, test -> dvc repro
#   act tier   (-m act): the baked project's GitHub workflows run for real with act
#   -n 0: no parallel workers (pytest-xdist); the default is one per core
#   servers    (-m servers): team mode against real PostgreSQL, S3 (moto), MLflow and Dask on loopback
#
# Installs land in two venvs kept between runs: .venv (template tooling) and
# .venv-baked (every baked project's dependencies, from the lockfile), plus uv's cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
if ! command -v uv >/dev/null 2>&1; then
  "$python" -m pip install -q "uv>=0.5"
fi
venv=${TEMPLATE_VENV:-$root/.venv}
[ -x "$venv/bin/python" ] || uv venv -q -p "$python" "$venv"
uv pip install -q -p "$venv/bin/python" -r requirements-dev.txt
export BAKED_VENV=${BAKED_VENV:-$root/.venv-baked}
# The servers tier (tests/test_team_mode.py): the server side (MLflow with basic-auth, moto, psycopg2)
# and an s3 bake's client side live in venvs of their own, kept between runs like the others.
export SERVERS_VENV=${SERVERS_VENV:-$root/.venv-servers}
export S3_BAKED_VENV=${S3_BAKED_VENV:-$root/.venv-s3}
export PATH="$venv/bin:$PATH"
# Independent bakes run in parallel (pytest-xdist, one worker per core by default; PYTEST_WORKERS=0
# runs in-process). Tests sharing one repository or one bake carry an xdist_group and stay on one
# worker (--dist loadgroup); each worker has its own baked venv (conftest.baked_env). The slowest
# tests are listed at the end.
workers=${PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}
exec "$venv/bin/python" -m pytest -n "$workers" --dist loadgroup --durations=25 "$@"
