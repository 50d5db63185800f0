"""Promotion on main: mirror what main pins in the MLflow registry and tag the commit.

Git is the truth (``main``'s dvc.lock pins the model); the registry follows it:
the pinned model gets a registered version (reused when one with the same file md5
exists), alias ``champion`` moves to it and ``previous`` to the version it replaces,
and the commit is tagged ``model-v<N>`` (N counts promotions in git, so it is stable
even when the MLflow store is a throw-away sqlite file on a runner). Running it
twice on the same commit changes nothing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..config import Params
from . import gitops
from .champion import MODEL_PATH

TAG_RE = re.compile(r"^model-v(\d+)$")
MD5_TAG = "model.md5"


class PromotionError(RuntimeError):
    pass


@dataclass(frozen=True)
class Promotion:
    model_md5: str | None
    tag: str | None
    version: str | None
    previous: str | None
    created_tag: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_tags(root: Path) -> list[tuple[int, str]]:
    out = gitops.git(root, "tag", "-l", "model-v*").stdout.split()
    found = [(int(m.group(1)), name) for name in out if (m := TAG_RE.match(name))]
    return sorted(found)


def tag_at_head(root: Path) -> str | None:
    names = gitops.git(root, "tag", "--points-at", "HEAD", "-l", "model-v*").stdout.split()
    tagged = sorted((int(m.group(1)), n) for n in names if (m := TAG_RE.match(n)))
    return tagged[-1][1] if tagged else None


def _metrics(root: Path) -> dict[str, float]:
    path = root / "metrics.json"
    if not path.exists():
        return {}
    flat: dict[str, float] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}{key}.", value)
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and not math.isnan(node):
            flat[prefix.rstrip(".")] = float(node)

    walk("", json.loads(path.read_text()))
    return flat


def _find_version(client: Any, name: str, md5: str) -> Any | None:
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except Exception:  # no such registered model yet
        return None
    for mv in sorted(versions, key=lambda v: int(v.version)):
        if (mv.tags or {}).get(MD5_TAG) == md5:
            return mv
        try:
            if mv.run_id and client.get_run(mv.run_id).data.tags.get(MD5_TAG) == md5:
                return mv
        except Exception:  # run deleted or in another store
            continue
    return None


def _alias(client: Any, name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except Exception:
        return None


def register(params: Params, root: Path, md5: str, sha: str) -> tuple[str, str | None]:
    """Registered version for the model file with ``md5``; (version, previous champion)."""
    import joblib
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    from . import tracking

    tracking.configure(params, root)
    client = MlflowClient()
    name = params.mlflow.registered_model
    mv = _find_version(client, name, md5)
    if mv is None:
        model_file = root / MODEL_PATH
        if not model_file.exists() or tracking.file_md5(model_file) != md5:
            raise PromotionError(
                f"{MODEL_PATH} with md5 {md5} (pinned by dvc.lock) is not in the workspace: `dvc pull` could not "
                "fetch it. Configure the DVC remote (README, 'Set up on GitHub') and re-run this workflow."
            )
        model = joblib.load(model_file)
        with mlflow.start_run(run_name=f"promote {sha[:12]}"):
            mlflow.set_tags({MD5_TAG: md5, "git_sha": sha, "source": "promote.yml"})
            metrics = _metrics(root)
            if metrics:
                mlflow.log_metrics(metrics)
            logged = mlflow.sklearn.log_model(
                model,
                name="model",
                pip_requirements=tracking.pip_requirements(),
                serialization_format="cloudpickle",
                code_paths=[str(tracking.PACKAGE_DIR)],
            )
        mv = mlflow.register_model(logged.model_uri, name)
    version = str(mv.version)
    client.set_model_version_tag(name, version, MD5_TAG, md5)
    client.set_model_version_tag(name, version, "git_sha", sha)
    current = _alias(client, name, tracking.CHAMPION)
    previous = None
    if current is not None and current != version:
        client.set_registered_model_alias(name, tracking.PREVIOUS, current)
        previous = current
    client.set_registered_model_alias(name, tracking.CHAMPION, version)
    return version, previous


def promote(params: Params, root: Path, push: bool = True) -> Promotion:
    from . import tracking

    md5 = tracking.dvc_locked_md5(root, MODEL_PATH)
    if not md5:
        return Promotion(None, None, None, None, False, "dvc.lock pins no model: nothing to promote")
    sha = gitops.git(root, "rev-parse", "HEAD").stdout.strip()
    existing = tag_at_head(root)
    version, previous = register(params, root, md5, sha)
    if existing:
        return Promotion(md5, existing, version, previous, False, f"HEAD is already tagged {existing}")
    tags = model_tags(root)
    tag = f"model-v{(tags[-1][0] if tags else 0) + 1}"
    message = f"{params.mlflow.registered_model} {tag}\n\nmodel md5 {md5}\nMLflow version {version}\n"
    gitops.git(root, *gitops.identity(root), "tag", "-a", tag, "-m", message, "HEAD")
    if push:
        gitops.push(root, f"refs/tags/{tag}")
    return Promotion(md5, tag, version, previous, True, f"tagged {tag}")


def markdown(result: Promotion, name: str) -> str:
    if result.model_md5 is None:
        return f"### Promotion\n\n{result.reason}.\n"
    rows = [
        ("git tag", result.tag or "-"),
        ("MLflow model", name),
        ("version @champion", result.version or "-"),
        ("version @previous", result.previous or "(unchanged)"),
        ("model md5", result.model_md5),
    ]
    table = "\n".join(f"| {k} | `{v}` |" for k, v in rows)
    return f"### Promotion: {result.reason}\n\n| | |\n|---|---|\n{table}\n"
