#!/usr/bin/env bash
# Re-resolve the baked project's lockfiles from its pyproject.toml.
#
#   requirements.lock                     local DVC remote (the default bake)
#   locks/requirements-<extra>.lock       s3, gs, azure, ssh: the lock with that remote's DVC plugin
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
compile() {  # compile OUTPUT [--extra NAME]...
  local out=$1
  shift
  uv pip compile "$project/pyproject.toml" --extra dev --extra dask "$@" --universal --python-version 3.11 \
    --no-header --no-annotate --quiet -o "$out"
}
compile "$dest/requirements.lock"
echo "updated {{cookiecutter.project_slug}}/requirements.lock"
mkdir -p "$dest/locks"
for extra in s3 gs azure ssh; do
  out="$dest/locks/requirements-$extra.lock"
  [ -f "$out" ] || cp "$dest/requirements.lock" "$out"  # start from the default pins
  compile "$out" --extra "$extra"
  echo "updated {{cookiecutter.project_slug}}/locks/requirements-$extra.lock"
done
