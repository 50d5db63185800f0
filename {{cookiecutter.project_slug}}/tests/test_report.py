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
            "current_range": ["2026-01-14", "2026-01-20"],  # the newest days of small_params' window
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
    assert "| metric | champion | candidate | improvement | interval of improvement | rule | result |" in body
    assert "feature_with_a_rather_long_name_0799" in body  # the most drifted column is listed first
    assert "790 more columns" in body
    assert "2985 more in reports/data_checks.json" in body
    assert "https://mlflow.example.com/#/experiments/3/runs/r1" in body
    assert "dvc repro" in body


def test_report_never_shows_sections_written_for_other_data(project: Path) -> None:
    """Issue 24: a PROMOTE body showed an old cooldown decision and a drift table of weeks before the
    candidate's holdout, without a word. Sections written for another data end are named, not shown."""
    p = parse_params(small_params())  # data up to 2026-01-20
    write(
        project / "reports/decision.json",
        {
            "retrain": False,
            "reason": "cooldown: retraining is blocked until 2026-01-12",
            "data": {"end_date": "2026-01-05"},
            "triggers": [],
        },
    )
    write(
        project / "reports/drift/drift_summary.json",
        {"dataset_drift": False, "columns": {}, "current_range": ["2025-12-30", "2026-01-05"]},
    )
    body = build_report(p, project)
    assert "cooldown" not in body
    assert "reports/decision.json was written for data up to 2026-01-05, not this candidate's (2026-01-20)" in body
    assert "reports/drift/drift_summary.json was written for data up to 2026-01-05" in body
    assert "run `decide` for it" in body
    assert "run `drift` for it" in body
    # written for this data: shown
    write(
        project / "reports/decision.json",
        {"retrain": True, "reason": "change fired", "data": {"end_date": "2026-01-20"}, "triggers": []},
    )
    assert "change fired" in build_report(p, project)


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


{%- if cookiecutter.model_task == "classification" %}


# binary figures (ROC, PR, calibration); regression: test_regression_figure_is_a_valid_png; multiclass draws no candidate-vs-champion figure
def test_report_draws_figures_writes_the_model_card_and_links_both(project: Path) -> None:
    import pandas as pd

    from {{ cookiecutter.package_name }}.core.gate import judge
    from {{ cookiecutter.package_name }}.jobs.figures import is_image

    p = parse_params(small_params())
    preds = frame(p, candidate_quality=1.6, champion_quality=1.0)
    (project / "reports").mkdir()
    preds.to_parquet(project / "reports/predictions.parquet", index=False)
    write(project / "reports/evaluation.json", evaluation(p, preds))
    holdout = evaluation(p, preds)["holdout"]
    split = {"train": {"start": "2026-01-01", "end": "2026-01-15", "rows": 1800}, "holdout": holdout}
    write(project / "data/processed/split.json", split)
    current = {"ref": "main", "commit": "c", "model_md5": "a" * 32, "reason": "pinned"}
    write(
        project / "reports/gate.json",
        {**judge(evaluation(p, preds), preds, p, current).to_dict(), "inputs": fingerprint(p, project)},
    )
    write(
        project / "reports/drift/drift_summary.json",
        {
            "dataset_drift": True,
            "drifted_share": 0.5,
            "drift_share_threshold": 0.5,
            "drifted_columns": ["age"],
            "columns": {
                "age": {"method": "Wasserstein distance (normed)", "score": 0.4, "threshold": 0.1, "drifted": True},
                "plan": {"method": "chi-square p_value", "score": 0.3, "threshold": 0.05, "drifted": False},
            },
            "reference_range": ["2026-01-01", "2026-01-15"],
            "current_range": ["2026-01-14", "2026-01-20"],
        },
    )
    write(
        project / "reports/importance.json",
        {
            "metric": "roc_auc",
            "rows": 2000,
            "repeats": 5,
            "seed": 0,
            "models": ["candidate", "champion"],
            "total_features": 2,
            "features": [
                {"feature": "age", "candidate": {"mean": 0.1, "std": 0.01}, "champion": {"mean": 0.05, "std": 0.01}},
                {"feature": "plan", "candidate": {"mean": 0.0, "std": 0.0}, "champion": {"mean": 0.02, "std": 0.01}},
            ],
        },
    )
    write(
        project / "reports/decision.json",
        {
            "retrain": True,
            "reason": "decay fired",
            "triggers": [
                {
                    "name": "decay",
                    "fired": True,
                    "evaluated": True,
                    "detail": "bad",
                    "extra": {
                        "windows": [
                            {
                                "start": "2026-01-07",
                                "end": "2026-01-13",
                                "rows": 500,
                                "value": 0.7,
                                "interval": [0.66, 0.74],
                            }
                        ]
                    },
                }
            ],
            "champion": {"baseline": {"roc_auc": 0.8}, "promoted_at": "2026-01-06T08:00:00+00:00"},
        },
    )
    import subprocess
    import sys

    # In its own process: drawing the five figures and the card imports no scikit-learn (issue 24: the
    # report's cost; the curves and their areas are the gate's NumPy metrics).
    code = (
        "import sys; from {{ cookiecutter.package_name }}.cli import main;"
        f"rc = main(['--root', {str(project)!r}, 'report', '--no-track']);"
        "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'mlflow'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []", out
    body = (project / "reports/promotion.md").read_text()
    figures = project / "reports/figures"
    for name in ("roc_pr.png", "calibration.png", "drift.png", "timeline.png", "importance.png"):
        assert is_image(figures / name), name
        assert f"](figures/{name})" in body, name
    assert "](model_card.md)" in body
    assert "| feature | candidate | champion | change |" in body
    assert "| age | +0.1000 ± 0.0100" in body
    card = (project / "reports/model_card.md").read_text()
    for heading in (
        "## Data",
        "## Features",
        "## Estimator",
        "## Holdout metrics",
        "## Drift at training time",
        "## Provenance",
        "## Known limits",
    ):
        assert heading in card, heading
    # Issue 24: the card said "trained on data up to" the holdout's last day; training ends before it.
    assert "- Trained on data up to 2026-01-15:" in card
    assert f"({holdout['start']}..{holdout['end']}, {holdout['rows']} rows)" in card
    row = next(line for line in card.splitlines() if line.startswith("| roc_auc"))
    low, high = (float(x) for x in row.split("|")[3].strip(" []").split(","))
    value = float(row.split("|")[2])
    assert low <= value <= high, row
    assert pd.read_parquet(project / "reports/predictions.parquet").shape[0] == 2000


{%- endif %}


{%- if cookiecutter.model_task == "classification" %}


# binary figure names
def test_figures_skip_what_cannot_be_drawn(project: Path) -> None:
    from {{ cookiecutter.package_name }}.jobs.figures import render_all

    p = parse_params(small_params())
    figures = {f.name: f for f in render_all(p, project)}
    assert figures["model.png"].path is None
    assert "missing" in figures["model.png"].note
    assert figures["drift.png"].path is None
    # labels that are not binary 0/1 (e.g. a multiclass project): no binary curves, a reason instead
    import pandas as pd

    (project / "reports").mkdir()
    pd.DataFrame(
        {"y_true": [0, 1, 2, 1], "candidate": [0.1, 0.5, 0.9, 0.4], "champion": [0.2, 0.4, 0.8, 0.5]}
    ).to_parquet(project / "reports/predictions.parquet")
    skipped = {f.name: f for f in render_all(p, project)}["model.png"]
    assert skipped.path is None
    assert "no candidate-vs-champion plot" in skipped.note


{%- endif %}


def test_regression_figure_is_a_valid_png(tmp_path: Path) -> None:
    import numpy as np

    from {{ cookiecutter.package_name }}.jobs.figures import (
        is_image,
        regression_errors,
    )

    rng = np.random.default_rng(0)
    y = rng.normal(50, 10, 500)
    path = regression_errors(
        y, {"candidate": y + rng.normal(0, 3, 500), "champion": y + rng.normal(0, 5, 500)}, tmp_path / "errors.png"
    )
    assert is_image(path)


def test_pin_links_points_figures_and_card_at_the_commit() -> None:
    from {{ cookiecutter.package_name }}.jobs.report import pin_links, section

    body = "## Pictures\n\n[card](model_card.md)\n\n![ROC](figures/roc_pr.png)\n\n## Next\n\n[other](https://x/y.png)\n"
    pinned = pin_links(body, server="https://github.com/", repository="acme/churn", sha="abc123")
    assert "![ROC](https://github.com/acme/churn/blob/abc123/reports/figures/roc_pr.png?raw=true)" in pinned
    assert "[card](https://github.com/acme/churn/blob/abc123/reports/model_card.md)" in pinned
    assert "[other](https://x/y.png)" in pinned
    assert section(pinned, "## Pictures").count("\n") == 5
    assert "## Next" not in section(pinned, "## Pictures")


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
