"""The promotion PR body: complete, honest about what is missing, always under GitHub's limit."""

from __future__ import annotations

import json
from pathlib import Path

from {{ cookiecutter.package_name }}.adapters.inputs import fingerprint
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import parse_params
from {{ cookiecutter.package_name }}.jobs.report import (
    GITHUB_BODY_LIMIT,
    build_report,
    mlflow_link,
)

from .conftest import small_params
from .test_gate import evaluation, frame


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_report_with_hundreds_of_columns_stays_under_the_limit(project: Path) -> None:
    p = parse_params(small_params())
    from {{ cookiecutter.package_name }}.core.gate import judge

    preds = frame(p, candidate_quality=1.6, champion_quality=1.0)
    current = {"ref": "main", "commit": "c", "model_md5": "a" * 32, "reason": "pinned"}
    write(
        project / "reports/gate.json",
        {**judge(evaluation(p, preds), preds, p, current).to_dict(), "inputs": fingerprint(p, project)},
    )
    columns = {
        f"feature_with_a_rather_long_name_{i:04d}": {
            "method": "Wasserstein distance (normed)",
            "score": i / 500,
            "threshold": 0.1,
            "drifted": i > 50,
        }
        for i in range(800)
    }
    write(
        project / "reports/drift/drift_summary.json",
        {
            "dataset_drift": True,
            "drifted_share": 0.9,
            "drift_share_threshold": 0.5,
            "drifted_columns": [c for c, r in columns.items() if r["drifted"]],
            "columns": columns,
            "rows_used": {"reference": 20000, "current": 2100},
            "reference_range": ["2026-01-01", "2026-02-21"],
            "current_range": ["2026-03-25", "2026-03-31"],
        },
    )
    failures = [
        {"column": f"c{i}", "rule": "max null share", "expected": "<= 0.0", "observed": "x" * 500} for i in range(3000)
    ]
    write(
        project / "reports/data_checks.json",
        {"subject": "2026-01-01..2026-03-31", "rows": 10, "passed": False, "checks": 5000, "failures": failures},
    )
    write(
        project / "reports/decision.json",
        {
            "retrain": True,
            "reason": "drift fired (combine: any)",
            "triggers": [{"name": "drift", "fired": True, "detail": "700 of 800 columns drifted " + "y" * 5000}],
        },
    )
    write(
        project / "models/model_info.json",
        {"run_id": "r1", "experiment_id": "3", "tracking_uri": "https://mlflow.example.com/"},
    )
    assert main(["--root", str(project), "report"]) == 0
    body = (project / "reports/promotion.md").read_text()
    assert len(body) < GITHUB_BODY_LIMIT
    assert body.splitlines()[2].startswith("**Promote**")
    assert "| metric | champion | candidate | delta | interval | rule | result |" in body
    assert "feature_with_a_rather_long_name_0799" in body  # the most drifted column is listed first
    assert "790 more columns" in body
    assert "2985 more in reports/data_checks.json" in body
    assert "https://mlflow.example.com/#/experiments/3/runs/r1" in body
    assert "dvc repro" in body


def test_report_names_what_is_missing(project: Path) -> None:
    p = parse_params(small_params())
    body = build_report(p, project)
    assert "**Not gated**" in body
    assert "reports/decision.json is missing" in body
    assert "reports/data_checks.json is missing" in body
    assert len(body) < GITHUB_BODY_LIMIT


def test_mlflow_link_only_for_a_tracking_server() -> None:
    assert mlflow_link({"run_id": "r", "experiment_id": "1", "tracking_uri": "sqlite:///mlflow.db"}) is None
    assert (
        mlflow_link({"run_id": "r", "experiment_id": "1", "tracking_uri": "http://h:5000"})
        == "http://h:5000/#/experiments/1/runs/r"
    )
    assert mlflow_link(None) is None


def test_reproduce_names_the_candidate_commit_not_the_champion(project: Path) -> None:
    """Issue 8: "Reproduce" named HEAD, the champion's commit, so following it rebuilt the old model."""
    import subprocess

    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.x",
    }

    def git(*args: str) -> str:
        import os

        done = subprocess.run(
            ["git", *args], cwd=project, env={**os.environ, **env}, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (project / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    git("add", "-A")
    git("commit", "-q", "-m", "champion")
    champion = git("rev-parse", "HEAD")
    (project / "dvc.lock").write_text("schema: '2.0'\nstages: {train: {}}\n")  # dvc repro: the candidate's lock
    p = parse_params(small_params())
    body = build_report(p, project)
    assert champion not in body
    assert "git checkout <candidate-commit>" in body  # open-pr puts the promotion branch's commit here
    git("commit", "-q", "-am", "candidate")  # on a commit that pins the candidate, that commit is named
    assert f"git checkout {git('rev-parse', 'HEAD')}" in build_report(p, project)
