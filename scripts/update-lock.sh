#!/usr/bin/env bash
# Re-resolve the baked project's lockfile (requirements.lock) from its pyproject.toml.
# The lock is universal (every platform, Python >= 3.11) and carries no project
# name, so one file serves every bake. Run after changing dependencies, then run
# the template's tests: they install the baked project from this lock.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cookiecutter --no-input --output-dir "$work" "$here" >/dev/null
project=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name '*-dvc-remote' | head -n 1)
uv pip compile "$project/pyproject.toml" --extra dev --extra lightgbm --universal --python-version 3.11 \
  --no-header --no-annotate --quiet -o "$here/{{cookiecutter.project_slug}}/requirements.lock"
echo "updated {{cookiecutter.project_slug}}/requirements.lock"
