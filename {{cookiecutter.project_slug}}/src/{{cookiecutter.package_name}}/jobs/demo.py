"""The newcomer demonstration: one command, three verdicts, on a scratch copy.

It copies this project's files (not its data, models, git history or DVC cache)
into a scratch directory, makes that a fresh git repository and walks the loop with
the demo simulator, whose inputs and label relationship change on
``data.demo.drift_onset`` (call it D):

0. first model on data up to D-15, gated (floors only) and "merged" to main;
1. data up to D-1 (before the onset): ``decide`` says no retrain, and why;
2. data up to D+13: ``decide`` says retrain (drift fires), ``dvc repro`` retrains on a
   ``promote/demo`` branch, ``gate`` promotes, ``report`` writes the PR body;
3. a deliberately bad hyperparameter change: ``gate`` rejects it, and says why.

Commits in the scratch repository carry the simulated dates, so age and cooldown
read the same calendar as the data. The scratch project trains on the last 28 days
(``split.max_train_days``) so a retrain after the onset learns the new regime; MLflow
logs to a sqlite file inside the scratch directory. Nothing outside it is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..adapters.files import write_text_atomic

IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "data",
    "models",
    "reports",
    "mlflow.db",
    "mlartifacts",
    "mlruns",
    "cache",
    "tmp",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "dvc.lock",
    "metrics.json",
    "config.local",
)

BAD_PARAMS = {
    "logistic_regression": {"C": 1e-5, "max_iter": 1000},
    "ridge": {"alpha": 1e6},
    "random_forest": {"max_depth": 1, "n_estimators": 3},
    "hist_gradient_boosting": {"max_iter": 2, "learning_rate": 0.01},
}


class DemoError(RuntimeError):
    pass


class Scratch:
    def __init__(self, root: Path, say: Callable[[str], None], cli_main: Callable[[list[str]], int]):
        self.root = root
        self.say = say
        self.cli_main = cli_main
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
            "GIT_AUTHOR_NAME": "retrain-demo",
            "GIT_AUTHOR_EMAIL": "demo@example.invalid",
            "GIT_COMMITTER_NAME": "retrain-demo",
            "GIT_COMMITTER_EMAIL": "demo@example.invalid",
        }
        for var in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
            self.env.pop(var, None)

    def run(self, *cmd: str, date: dt.date | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if date is not None:
            stamp = f"{date.isoformat()}T00:00:00+00:00"
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
        result = subprocess.run(list(cmd), cwd=self.root, env=env, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise DemoError(
                f"`{' '.join(cmd)}` failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
            )
        return result

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a subcommand in this process (Evidently is imported once, not per step), output captured.

        GitHub's step variables are hidden meanwhile: a demo must not set a workflow's outputs.
        """
        hidden = {var: os.environ.pop(var) for var in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY") if var in os.environ}
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = self.cli_main(["--root", str(self.root), *args])
        finally:
            os.environ.update(hidden)
        return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())

    def params(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "params.yaml").read_text())

    def set_params(self, **updates: Any) -> None:
        raw = self.params()
        for dotted, value in updates.items():
            node = raw
            *path, last = dotted.split(".")
            for key in path:
                node = node[key]
            node[last] = value
        write_text_atomic(self.root / "params.yaml", yaml.safe_dump(raw, sort_keys=False))

    def commit(self, message: str, date: dt.date) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--no-verify", "-m", message, date=date)

    def dvc_repro(self) -> None:
        self.say("    $ dvc repro")
        self.run(sys.executable, "-m", "dvc", "repro", "-q")


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.strip().splitlines())


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def make_scratch(project: Path, target: Path) -> None:
    if not (project / "params.yaml").exists() or not (project / "dvc.yaml").exists():
        raise DemoError(f"{project} is not a project root (no params.yaml / dvc.yaml)")
    if target.exists() and any(target.iterdir()):
        raise DemoError(f"{target} exists and is not empty: choose an empty --workdir")
    shutil.copytree(project, target, ignore=IGNORE, dirs_exist_ok=True)


def run_demo(
    root: Path,
    cli_main: Callable[[list[str]], int],
    workdir: str | None = None,
    rows_per_day: int = 150,
    keep: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    """Walk the loop on a scratch copy of ``root``; ``cli_main`` is the project's CLI (passed in, not imported)."""
    base = Path(workdir).resolve() if workdir else Path(tempfile.mkdtemp(prefix="retrain-demo-"))
    scratch_root = base / "project"
    try:
        make_scratch(root, scratch_root)
        verdicts = _walk(Scratch(scratch_root, say, cli_main), rows_per_day)
    except DemoError as exc:
        say(f"demo failed: {exc}")
        say(f"scratch directory kept for inspection: {scratch_root}")
        return 2
    expected = {"before onset": False, "after onset": True, "bad change": False}
    say("")
    say("Summary")
    ok = True
    for step, want in expected.items():
        got = verdicts[step]
        ok &= got == want
        label = {"before onset": "retrain", "after onset": "promote", "bad change": "promote"}[step]
        say(f"  {step:<13} {label}={str(got).lower():<5} (expected {str(want).lower()})")
    kept = keep_review(scratch_root, root)
    if kept is not None:
        say(
            f"The promotion pull request a reviewer would read: {kept / 'promotion.md'} (figures and model card beside it)"
        )
    if keep or workdir:
        say(f"scratch project kept at {scratch_root}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


REVIEW = ("promotion.md", "model_card.md", "figures")
KEPT_REVIEW = "reports/demo"  # git-ignored in the project: what the demo leaves for a person to read


def keep_review(scratch_root: Path, root: Path) -> Path | None:
    """Copy the walk's promotion PR body, model card and figures into the project (``reports/demo/``),
    so what the demo points at outlives its scratch copy. None when the walk produced no body."""
    reports = scratch_root / "reports"
    if not (reports / "promotion.md").exists():
        return None
    target = root / KEPT_REVIEW
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in REVIEW:
        source = reports / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def _walk(s: Scratch, rows_per_day: int) -> dict[str, bool]:
    say = s.say
    raw = s.params()
    onset = dt.date.fromisoformat(str(raw["data"]["demo"]["drift_onset"]))
    first_end, before_end, after_end = (
        onset - dt.timedelta(days=15),
        onset - dt.timedelta(days=1),
        onset + dt.timedelta(days=13),
    )
    start = min(dt.date.fromisoformat(str(raw["data"]["start_date"])), first_end - dt.timedelta(days=40))
    say(f"Demo on a scratch copy: {s.root}")
    say("  (your project, its data, models, git history and MLflow store are not touched)")
    say(f"  demo source, {rows_per_day} rows/day, drift onset {onset}")
    s.set_params(
        **{
            "data.source": "demo",
            "data.start_date": start.isoformat(),
            "data.end_date": first_end.isoformat(),
            "data.demo.rows_per_day": rows_per_day,
            "data.demo.bad_days": [],
            "split.max_train_days": 28,
            "evaluate.champion_ref": "main",
        }
    )
    s.run("git", "init", "-q")
    s.run("git", "symbolic-ref", "HEAD", "refs/heads/main")
    s.commit("demo: project from the template", first_end)

    say("")
    say(f"Step 0 - the first model, data {start}..{first_end}")
    s.dvc_repro()
    gate = s.cli("gate")
    say(_indent(gate.stdout.splitlines()[0]))
    if gate.returncode != 0:
        raise DemoError(f"the first model did not pass its floors:\n{gate.stdout}")
    s.commit("Promote the first model", first_end)
    say(f"    merged to main on {first_end}: this model is the champion")

    verdicts: dict[str, bool] = {}
    say("")
    say(f"Step 1 - new days up to {before_end}, before the drift onset")
    decision = _decide(s, before_end)
    verdicts["before onset"] = decision["retrain"]

    say("")
    say(f"Step 2 - new days up to {after_end}, after the drift onset")
    decision = _decide(s, after_end)
    verdicts["after onset"] = False
    if decision["retrain"]:
        s.run("git", "checkout", "-q", "-b", "promote/demo")
        s.dvc_repro()
        drift = s.cli("drift")
        say(_indent(drift.stdout.splitlines()[0] if drift.stdout else drift.stderr))
        gate = s.cli("gate")
        say(_indent("\n".join(line for line in gate.stdout.splitlines() if not line.startswith("  written"))))
        report = s.cli("report")
        say(_indent(report.stdout or report.stderr))
        verdicts["after onset"] = gate.returncode == 0
        say(f"    PR body written (kept in {KEPT_REVIEW}/ of this project at the end)")
        if gate.returncode == 0:
            s.commit("Retrain after drift", after_end)
            s.run("git", "checkout", "-q", "main")
            s.run("git", "merge", "-q", "--ff-only", "promote/demo", date=after_end)
            say("    merged to main: the retrained model is the champion")
    else:
        say("    decide did not ask for a retrain: nothing to promote")

    say("")
    estimator = str(s.params()["model"]["estimator"])
    bad = BAD_PARAMS.get(estimator, {})
    say(f"Step 3 - a deliberately bad change: model.params of {estimator} -> {bad}")
    s.run("git", "checkout", "-q", "-b", "experiment/bad-params")
    s.set_params(**{"model.params": bad})
    s.dvc_repro()
    gate = s.cli("gate")
    say(_indent("\n".join(line for line in gate.stdout.splitlines() if not line.startswith("  written"))))
    verdicts["bad change"] = gate.returncode == 0
    return verdicts


def _decide(s: Scratch, end: dt.date) -> dict[str, Any]:
    s.set_params(**{"data.end_date": end.isoformat()})
    ingest = s.cli("ingest")
    if ingest.returncode != 0:
        raise DemoError(f"ingest failed:\n{ingest.stdout}{ingest.stderr}")
    result = s.cli("decide", "--now", end.isoformat(), "--all-triggers")
    if result.returncode != 0:
        raise DemoError(f"decide failed:\n{result.stdout}{result.stderr}")
    s.say(_indent("\n".join(line for line in result.stdout.splitlines() if not line.startswith("  written"))))
    return _json(s.root / "reports/decision.json")
