"""MLflow: where runs are logged and how models are registered.

The tracking URI is, in order: ``MLFLOW_TRACKING_URI``, ``mlflow.tracking_uri``
in params.yaml, and otherwise a sqlite file inside the project (MLflow 3 refuses
the plain file store). ``mlflow`` is imported only inside these functions: it
costs seconds, and the fast paths of the CLI never need it.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from ..config import Params
from ..core.text import error_line

# The whole package travels with a logged model (its custom transformers live in core/).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
CHALLENGER = "challenger"
CHAMPION = "champion"
PREVIOUS = "previous"

# Libraries the saved Pipeline needs at load time. Listing them explicitly skips
# MLflow's requirement inference, which costs several seconds per log_model call.
MODEL_REQUIREMENTS = ("scikit-learn", "pandas", "numpy", "scipy", "skops", "pyarrow")
# Their import names: an estimator from one of these needs no lookup of its distribution.
LISTED_MODULES = ("sklearn", "pandas", "numpy", "scipy", "skops", "pyarrow")


def tracking_uri(params: Params, root: Path) -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI") or params.mlflow.tracking_uri
    return uri or f"sqlite:///{(root / 'mlflow.db').resolve()}"


def prepare(params: Params, root: Path, write: bool = False) -> str:
    """Before anything is fitted or written: bounded HTTP limits for MLflow, a tracking server
    that answers (and, with ``write``, accepts a write to the experiment), a complete sqlite store
    (mlflow_store.py). Raises TrackingUnavailable (one line)."""
    from . import mlflow_store

    uri = tracking_uri(params, root)
    limits = mlflow_store.apply_http_limits(params.mlflow.http)
    if uri.startswith(("http://", "https://")):
        mlflow_store.check_server(uri, **limits, experiment=params.mlflow.experiment if write else None)
    elif (db := mlflow_store.sqlite_path(uri)) is not None:
        mlflow_store.ensure_sqlite_store(db)
    return uri


def configure(params: Params, root: Path) -> str:
    import mlflow

    uri = prepare(params, root)
    mlflow.set_tracking_uri(uri)
    if uri.startswith("sqlite:"):
        # Keep artifacts beside the database instead of the current directory.
        artifacts = (root / "mlartifacts").resolve()
        if mlflow.get_experiment_by_name(params.mlflow.experiment) is None:
            mlflow.create_experiment(params.mlflow.experiment, artifact_location=artifacts.as_uri())
    mlflow.set_experiment(params.mlflow.experiment)
    return uri


def pip_requirements(params: Params | None = None) -> list[str]:
    """Pinned requirements of the saved model, the configured estimator's library included (e.g. lightgbm)."""
    names = list(MODEL_REQUIREMENTS)
    if params is not None:
        from ..config import estimator_path

        top = estimator_path(params.project.task, params.model.estimator).split(":")[0].split(".")[0]
        if top not in LISTED_MODULES:  # scanning every installed distribution costs about a second
            names += [d for d in metadata.packages_distributions().get(top, []) if d not in names]
    reqs = []
    for name in names:
        try:
            reqs.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return reqs


def git_state(root: Path) -> dict[str, str]:
    def run(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return result.stdout.strip() if result.returncode == 0 else ""

    sha = run("rev-parse", "HEAD") or "unknown"
    dirty = bool(run("status", "--porcelain", "--untracked-files=no"))
    return {"git_sha": sha, "git_dirty": str(dirty).lower(), "git_branch": run("rev-parse", "--abbrev-ref", "HEAD")}


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dvc_locked_md5(root: Path, path: str) -> str | None:
    """The md5 DVC recorded for an output in dvc.lock (what `dvc pull` restores)."""
    import yaml

    lock = root / "dvc.lock"
    if not lock.exists():
        return None
    data = yaml.safe_load(lock.read_text()) or {}
    for stage in (data.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if out.get("path") == path:
                return str(out.get("md5"))
    return None


def log_training_run(
    params: Params,
    root: Path,
    model: Any,
    tags: dict[str, str],
    metrics: dict[str, float],
    register: bool = True,
    input_example: Any = None,
) -> dict[str, Any]:
    """Log the fitted Pipeline; with ``input_example`` (a few input rows) also its signature and that example."""
    import mlflow
    import mlflow.sklearn

    uri = configure(params, root)
    flat_params = {
        "estimator": params.model.estimator,
        "seed": params.model.seed,
        **{f"model.{k}": v for k, v in params.model.params.items()},
        "features": ",".join(params.features.all),
        "task": params.project.task,
    }
    with mlflow.start_run() as run:
        mlflow.log_params(flat_params)
        mlflow.set_tags(tags)
        if metrics:
            mlflow.log_metrics(metrics)
        signature = None
        if input_example is not None:
            from mlflow.models import infer_signature

            # pyfunc serves the Pipeline's predict(): the signature says what goes in and comes out
            signature = infer_signature(input_example, model.predict(input_example))
        logged = log_sklearn_model(params, model, signature=signature, input_example=input_example)
        run_id = run.info.run_id
        experiment_id = run.info.experiment_id
    info: dict[str, Any] = {
        "run_id": run_id,
        "experiment_id": experiment_id,
        "tracking_uri": uri,
        "model_uri": logged.model_uri,
    }
    if register:
        from mlflow import MlflowClient

        version = mlflow.register_model(logged.model_uri, params.mlflow.registered_model)
        MlflowClient().set_registered_model_alias(params.mlflow.registered_model, CHALLENGER, version.version)
        info["registered_model"] = params.mlflow.registered_model
        info["version"] = str(version.version)
    return info


def log_sklearn_model(params: Params, model: Any, signature: Any = None, input_example: Any = None) -> Any:
    """Log ``model`` with MLflow's sklearn flavour, serialised by skops (no pickle).

    ``skops_trusted_types`` is the list of types this model holds, each already approved by
    ``model_store``'s policy (params.yaml); the package's code travels with the model so its
    own classes load anywhere.
    """
    import mlflow.sklearn

    from . import model_store

    types = model_store.model_types(model)
    refused = model_store.refused_types(types, params)
    if refused:
        raise model_store.UntrustedModelError(
            f"the model holds type(s) {', '.join(refused)} that are not trusted: list them in params.yaml "
            "model.trusted_types if you trust them"
        )
    return mlflow.sklearn.log_model(
        model,
        name="model",
        pip_requirements=pip_requirements(params),
        serialization_format="skops",
        skops_trusted_types=types,
        code_paths=[str(PACKAGE_DIR)],
        signature=signature,
        input_example=input_example,
    )


def log_evaluation(params: Params, root: Path, run_id: str, metrics: dict[str, float]) -> None:
    """The holdout metrics onto the training run: one batch through the client (the run, its
    experiment and the store exist since train; no experiment lookup, no run reopened)."""
    import time

    from mlflow import MlflowClient
    from mlflow.entities import Metric

    from .mlflow_store import TrackingUnavailable

    uri = prepare(params, root)
    stamp = int(time.time() * 1000)
    try:
        MlflowClient(tracking_uri=uri).log_batch(
            run_id,
            metrics=[Metric(f"holdout_{k}", v, stamp, 0) for k, v in metrics.items() if not math.isnan(v)],
        )
    except Exception as exc:  # MLflow, SQLAlchemy, requests: one line instead of a traceback
        first = error_line(exc)
        raise TrackingUnavailable(f"logging the holdout metrics to MLflow ({uri}) failed: {first}") from exc


def log_report(params: Params, root: Path, run_id: str, files: list[Path]) -> str | None:
    """Attach the promotion report, model card and figures to the candidate's MLflow run.

    Returns None, or why it could not (an unreachable tracking server or an unknown run
    must not stop the promotion report: the same files are committed with the PR).
    """
    import mlflow

    try:
        configure(params, root)
        with mlflow.start_run(run_id=run_id):
            for file in files:
                folder = "report/figures" if file.suffix in (".png", ".svg") else "report"
                mlflow.log_artifact(str(file), artifact_path=folder)
    except Exception as exc:  # MLflow raises many types (MlflowException, OSError, HTTP errors)
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None
