#!/usr/bin/env bash
# Re-resolve the baked project's lockfiles from its pyproject.toml.
#
#   requirements.lock                     local DVC remote (the default bake): everything, the
#                                         dev tools (pytest, ruff, mypy, pre-commit, cruft) and Dask
#                                         included: people, pr.yml's lint/test job, template-update
#   requirements-runtime.lock             what the workflow jobs run: the package, lightgbm and
#                                         the PostgreSQL driver; no test or lint tool, no Dask (a
#                                         project on compute.engine: dask adds requirements.lock)
#   locks/requirements[-runtime]-<extra>.lock  s3, gs, azure, ssh: the same two with that remote's
#                                         DVC plugin
#
# Each lock is universal (every platform, Python >= 3.11) and carries no project name, so one
# file serves every bake; the post-generation hook keeps the one matching `dvc_remote_url` as
# the project's requirements.lock. A plugin cannot be added on top of the default lock (dvc-s3
# needs botocore, which pins python-dateutil < 3 while the default resolution takes 4.x):
# every remote gets a whole resolution of its own, started from the default lock's pins so
# the locks differ only where they must. Every lock carries the `dask` extra (compute.engine: dask).
# Run after changing dependencies, then run the
# template's tests: they install the baked project from these locks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/{{cookiecutter.project_slug}}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cookiecutter --no-input --output-dir "$work" "$here" >/dev/null
project=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name '*-dvc-remote' | head -n 1)
compile() {  # compile OUTPUT [--extra NAME]...: everything (the dev lock)
  local out=$1
  shift
  uv pip compile "$project/pyproject.toml" --extra dev --extra dask --extra lightgbm "$@" --universal --python-version 3.11 \
    --no-header --no-annotate --quiet -o "$out"
}
compile_runtime() {  # compile_runtime OUTPUT DEV_LOCK [--extra NAME]...: the jobs' subset, at the dev lock's pins
  local out=$1 dev=$2
  shift 2
  cp "$dev" "$out"  # start from the dev lock's pins: the two locks agree on every shared package
  uv pip compile "$project/pyproject.toml" --extra lightgbm --extra postgres "$@" --universal --python-version 3.11 \
    --no-header --no-annotate --quiet -o "$out"
}
compile "$dest/requirements.lock"
compile_runtime "$dest/requirements-runtime.lock" "$dest/requirements.lock"
echo "updated {{cookiecutter.project_slug}}/requirements.lock and requirements-runtime.lock"
mkdir -p "$dest/locks"
for extra in s3 gs azure ssh; do
  out="$dest/locks/requirements-$extra.lock"
  [ -f "$out" ] || cp "$dest/requirements.lock" "$out"  # start from the default pins
  compile "$out" --extra "$extra"
  compile_runtime "$dest/locks/requirements-runtime-$extra.lock" "$out" --extra "$extra"
  echo "updated {{cookiecutter.project_slug}}/locks/requirements[-runtime]-$extra.lock"
done
