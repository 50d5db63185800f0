#!/usr/bin/env bash
# Bake the default project into ./demo-project (or $1), install it and run its
# pipeline on the built-in demo data. Needs only Python and the package index.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$PWD/demo-project}
python=${PYTHON:-python3}
if ! command -v uv >/dev/null 2>&1; then
  "$python" -m pip install -q "uv>=0.5"
fi
mkdir -p "$out"
uvx --from "cookiecutter>=2.6" cookiecutter --no-input --output-dir "$out" "$root"
project="$out/churn-retrain"
cd "$project"
uv venv -q -p "$python" .venv
uv pip install -q -p .venv/bin/python -r requirements.lock
uv pip install -q -p .venv/bin/python --no-deps -e .
export PATH="$project/.venv/bin:$PATH"
dvc repro
dvc metrics show
# The retraining loop, step by step, on a scratch copy (your project is left as it is):
# before the demo drift onset -> no retrain; after it -> drift -> retrain -> gate passes ->
# PR body; then a deliberately bad hyperparameter -> the gate rejects it and says why.
churn_retrain demo
echo
echo "Baked and ran: $project  (activate with: source $project/.venv/bin/activate)"
