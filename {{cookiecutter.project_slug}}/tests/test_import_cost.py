"""What the daily check imports: loading the champion pays for its own estimator, not for every one.

``import skops.io`` runs scikit-learn's ``all_estimators()``, which imports every scikit-learn
module, ``sklearn.utils._testing`` (and so pytest) and, when Dask is installed, ``dask.array``
through scikit-learn's array-API shim, and looks each ``scipy.special`` ufunc up in every loaded
module (0.6 s). A scheduled check must not pay for a test runner, the optional distributed engine
or that search, so it imports skops without them (see ``adapters.model_store``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import small_params, write_params
from .test_decide import champion_repo  # noqa: F401  (module fixture reused)

NEVER_IMPORTED = (
    "pytest",
    "dask",
    "sklearn.utils._testing",
    # modules only scikit-learn's estimator walk imports (this project's model uses none of them)
    "sklearn.gaussian_process",
    "sklearn.semi_supervised",
    "sklearn.neural_network",
)


def test_the_check_loads_the_champion_without_pytest_dask_or_the_estimator_walk(
    champion_repo: Path,
    tmp_path: Path,
) -> None:
    root = tmp_path / "check"
    shutil.copytree(champion_repo, root)
    write_params(root, small_params())  # compute.engine: local, the default
    code = (
        "import json, sys; from {{ cookiecutter.package_name }}.cli import main;"
        f"rc = main(['--root', {str(root)!r}, 'check', '--to', '2026-01-27', '--now', '2026-01-28', "
        "'--all-triggers']);"
        f"imported = [m for m in {NEVER_IMPORTED!r} if m in sys.modules];"
        "from skops.io._trusted_types import SCIPY_UFUNC_TYPE_NAMES as ufuncs;"
        "print(json.dumps([rc, 'skops.io' in sys.modules, imported, len(ufuncs)]))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    rc, loaded_with_skops, imported, scipy_ufuncs = json.loads(out.strip().splitlines()[-1])
    assert rc == 0
    decision = json.loads((root / "reports/decision.json").read_text())
    decay = next(t for t in decision["triggers"] if t["name"] == "decay")
    assert decay["evaluated"], decay  # the champion was loaded and scored on the new days
    assert loaded_with_skops
    assert imported == []
    assert scipy_ufuncs == 0  # skops' scipy.special scan (a search of sys.modules per ufunc) did not run


def test_without_the_scan_the_trust_policy_still_decides(tmp_path: Path) -> None:
    """skops trusts no estimator by default then: the project's policy admits scikit-learn classes and
    still refuses the rest (a function, even one under scikit-learn), in a process that imported skops
    only through model_store."""
    import scipy.special
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    (tmp_path / "good.skops").write_bytes(sio.dumps(model))
    model.hook_ = os.system  # what a tampered file would carry
    model.score_fn_ = accuracy_score
    model.link_ = scipy.special.expit  # a scipy ufunc: skops' own scan would have trusted it
    (tmp_path / "bad.skops").write_bytes(sio.dumps(model))
    write_params(tmp_path, small_params())
    code = f"""
import json, sys
from pathlib import Path
from {{ cookiecutter.package_name }}.adapters import model_store
from {{ cookiecutter.package_name }}.config import load_params

params = load_params(Path({str(tmp_path)!r}, "params.yaml"))
good = model_store.load(Path({str(tmp_path)!r}, "good.skops"), params)
try:
    model_store.load(Path({str(tmp_path)!r}, "bad.skops"), params, "bad")
    refused = ""
except model_store.UntrustedModelError as exc:
    refused = str(exc)
from skops.io._trusted_types import SCIPY_UFUNC_TYPE_NAMES, SKLEARN_ESTIMATOR_TYPE_NAMES
print(json.dumps([type(good).__name__, refused, len(SKLEARN_ESTIMATOR_TYPE_NAMES), len(SCIPY_UFUNC_TYPE_NAMES),
                  "pytest" in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, refused, default_estimators, scipy_ufuncs, pytest_imported = json.loads(out.strip().splitlines()[-1])
    assert default_estimators == 0  # the scans did not run: those types met the policy
    assert scipy_ufuncs == 0
    assert loaded == "Pipeline"
    assert f"{os.system.__module__}.system" in refused
    assert "sklearn.metrics._classification.accuracy_score" in refused
    assert ".expit" in refused, refused  # a function, even a scipy ufunc: only model.trusted_types admits it
    assert not pytest_imported


def test_the_credentials_step_imports_no_params_machinery(tmp_path: Path) -> None:
    """`export-if-set` runs as its own step before every daily check: it reads no params.yaml, so it pays
    for neither pydantic nor pandas (0.21 s before, 0.07 s after; docs/benchmarks.md, issue 23)."""
    code = (
        "import json, sys; from {{ cookiecutter.package_name }}.cli import main;"
        "rc = main(['export-if-set']);"
        "print(json.dumps([rc, [m for m in ('pydantic', 'pandas', 'yaml', 'sklearn') if m in sys.modules]]))"
    )
    env = {**os.environ, "GITHUB_ENV": str(tmp_path / "env"), "IF_SET_AWS_REGION": "eu-west-1"}
    env.pop("AWS_REGION", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    rc, imported = json.loads(out.strip().splitlines()[-1])
    assert rc == 0
    assert imported == []
    assert (tmp_path / "env").read_text() == "AWS_REGION=eu-west-1\n"
