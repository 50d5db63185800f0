"""Benchmark the baked default project: what the retrain loop costs and how it grows.

    python bench/run.py --smoke          # minutes: smallest sizes, one repetition (what CI runs)
    python bench/run.py --full           # the published figures: docs/benchmarks.md + docs/benchmarks.png

It bakes the template's default project into a temporary directory, installs it from
its lockfile into its own venv (uv), and measures from the outside: every figure is one
command in a *fresh* wrapper process (bench/_wrap.py) that reports wall time and the
peak RSS of the command's process tree (``getrusage(RUSAGE_CHILDREN).ru_maxrss``).
Each figure is the median of ``--reps`` runs. Sections (``--only`` / ``--skip``):

  check    the scheduled check job as retrain.yml runs it (its steps after setup, read from the baked
           workflow), no trigger firing, at 30 days .. 3 years of history and 300 .. 30,000 rows/day,
           with and without bytecode, beside the same job of a baseline commit (--baseline)
  noop     daily decide where no trigger fires, with 30 and 180 days of history
  loop     ingest -> validate -> decide -> dvc repro -> gate -> report at 10k/100k/1M rows,
           plus fit-only time (train.fit in its own process), dvc repro with nothing changed
           and logging the model to MLflow
  drift    the project's drift.compute_drift vs full-data Evidently DataDriftPreset on
           1M rows x 20 columns, a drifted and an undrifted pair
  setup    what every job pays before its first step: the steps of .github/actions/setup/action.yml
           (read from the baked file) on a fresh Python with a warm uv cache, `dvc pull` of the check
           job's targets from a local DVC remote into a fresh clone, then the check job's first step;
           with and without the action's bytecode-compile step, with and without PYTHONDONTWRITEBYTECODE
  gate     the promotion gate on a project whose holdout has --gate-rows rows (full 1M): the `gate`
           command's process and the `run_gate` call in a fresh process
  install  environment from the lockfile: uv warm cache, uv cold cache, plain pip
  newcomer scripts/demo.sh from a fresh clone of the template, the baked `demo`, `gate` and `report`, the baked
           project's default pytest tier (with its 15 slowest tests), beside what the READMEs state
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
PROBES = HERE / "probes"
WRAP = HERE / "_wrap.py"
# PYTHONDONTWRITEBYTECODE (set on some CI images and sandboxes) makes every process compile every
# module it imports from source: seconds per command. Measured commands run without it, in a venv
# whose bytecode was compiled at install time, i.e. the steady state of a user's machine. A
# PYTHONPYCACHEPREFIX (the template's tests set one) would hide that bytecode: stripped too.
STRIPPED_ENV = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH", "PYTHONHOME")
SECTIONS = ("check", "setup", "noop", "loop", "gate", "drift", "install", "newcomer", "backtest")
KEY_LIBRARIES = ("pandas", "numpy", "scikit-learn", "pyarrow", "evidently", "mlflow", "dvc", "pydantic")


@dataclass
class Config:
    mode: str
    reps: int
    loop_sizes: list[int]
    heavy_reps: int  # loop at >= 1M rows and full-data Evidently: the slowest figures
    breakdown_rows: int  # loop size at which each pipeline stage is also timed on its own (0: none)
    noop_history: list[int]
    drift_rows: int
    installs: list[str]
    sections: list[str]
    out_dir: Path
    work: Path
    keep: bool = False
    venv: Path | None = None  # reuse a venv that holds the lockfile (the template tests' shared one)
    check_cases: list[tuple[int, int]] = field(default_factory=lambda: [(30, 300)])  # (history days, rows/day)
    baseline: str | None = None  # git ref of the template whose check job is measured beside this one
    check_reps: int = 1  # repetitions per check case (full 5: 3 was too noisy)
    backtest_days: int = 30  # days the backtest section replays (full 365: issue 18's target)
    loop_estimators: list[str] = field(default_factory=lambda: ["default"])  # model.estimator per loop case
    setup_cases: list[tuple[int, int]] = field(default_factory=lambda: [(30, 300)])
    # (compile step kept, PYTHONDONTWRITEBYTECODE=1 in the runner's environment) per setup run
    setup_variants: list[tuple[bool, bool]] = field(default_factory=lambda: [(True, False)])
    gate_rows: int = 0  # holdout rows of the gate section (0: skipped)
    newcomer: bool = False  # run the newcomer section outside --full (it takes minutes)


class Skipped(Exception):
    """Raised by a section that this mode does not run (e.g. minutes long in --smoke)."""


# --setup-variants: (the action's bytecode-compile step kept, PYTHONDONTWRITEBYTECODE=1 on the runner)
SETUP_VARIANTS: dict[str, tuple[bool, bool]] = {
    "compile": (True, False), "compile+nopyc": (True, True),
    "nocompile": (False, False), "nocompile+nopyc": (False, True)}


def variant_name(variant: tuple[bool, bool] | list[bool]) -> str:
    compile_step, nopyc = variant
    return ("compile" if compile_step else "nocompile") + ("+nopyc" if nopyc else "")


@dataclass
class Measure:
    wall: float
    peak_rss_mb: float
    rc: int
    bench: dict[str, Any] = field(default_factory=dict)
    cpu: float | None = None  # user + system seconds of the command's processes


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------- running things


class Runner:
    """Runs commands in the baked project's environment, each in a fresh wrapper process."""

    def __init__(self, work: Path, venv: Path) -> None:
        self.work = work
        self.venv = venv
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.counter = 0

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self, date: dt.date | None = None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MLFLOW_", "GITHUB_", "VIRTUAL_ENV")) and k not in STRIPPED_ENV}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
                    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
                    "PYTHONWARNINGS": "ignore"})
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date.isoformat()}T12:00:00+00:00"
        env.update(extra)
        return env

    def measure(self, name: str, cmd: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,),
                env: dict[str, str] | None = None) -> Measure:
        self.counter += 1
        log_path = self.logs / f"{self.counter:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.log"
        result = subprocess.run([sys.executable, str(WRAP), str(log_path), "--", *cmd], cwd=cwd,
                                env=env or self.env(), capture_output=True, text=True, check=False)
        if result.returncode != 0 or not result.stdout.strip():
            raise RuntimeError(f"wrapper failed for {name}: {result.stderr[-2000:]}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
        text = log_path.read_text(errors="replace")
        if data["rc"] not in ok_codes:
            raise RuntimeError(f"{name}: `{' '.join(cmd)}` exited {data['rc']} (log {log_path}):\n{text[-3000:]}")
        bench = {}
        for line in text.splitlines():
            if line.startswith("BENCH "):
                bench = json.loads(line[6:])
        m = Measure(data["wall"], data["peak_rss_mb"], data["rc"], bench, data.get("cpu"))
        log(f"  {name}: {m.wall:.2f} s, {m.peak_rss_mb:.0f} MB" + (f" {bench}" if bench else ""))
        return m

    def run(self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True,
            timeout: int = 3600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(cmd, cwd=cwd, env=env or self.env(), capture_output=True, text=True,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"`{' '.join(cmd)}` exited {result.returncode} in {cwd}:\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result


def median_measure(samples: list[Measure]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "wall": round(statistics.median(s.wall for s in samples), 3),
        "peak_rss_mb": round(statistics.median(s.peak_rss_mb for s in samples), 1),
        "n": len(samples),
        "walls": [s.wall for s in samples],
    }
    if all(s.cpu is not None for s in samples):
        out["cpu"] = round(statistics.median(s.cpu for s in samples if s.cpu is not None), 3)
    numeric = {k for s in samples for k, v in s.bench.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    for key in sorted(numeric):
        out[key] = round(statistics.median(s.bench[key] for s in samples if key in s.bench), 3)
    for key in {k for s in samples for k, v in s.bench.items() if k not in numeric}:
        out[key] = samples[-1].bench[key]
    return out


# ----------------------------------------------------------------------------- the baked project


@dataclass
class Baked:
    project: Path
    package: str
    venv: Path
    runner: Runner


def bake(cfg: Config, template: Path = TEMPLATE, name: str = "baked", venv: Path | None = None) -> Baked:
    from cookiecutter.main import cookiecutter

    out = cfg.work / name
    out.mkdir(parents=True, exist_ok=True)
    project = Path(cookiecutter(str(template), no_input=True, output_dir=str(out)))
    context = json.loads((template / "cookiecutter.json").read_text())
    package = project.name.replace("-", "_")
    assert (project / "src" / package).is_dir(), f"unexpected package layout in {project} ({context['package_name']})"
    venv = venv or cfg.venv or cfg.work / "venv"
    log(f"baked {project}; installing its lockfile into {venv} (uv)")
    if not (venv / "bin" / "python").exists():
        subprocess.run(["uv", "venv", "-q", "-p", python311(), str(venv)], check=True)
    # Full runs compile all bytecode up front, so no figure pays a first import's compile; smoke runs
    # leave it to the first import (PYTHONDONTWRITEBYTECODE is not passed on, so .pyc files get written).
    compile_flag = ["--compile-bytecode"] if cfg.mode == "full" else []
    subprocess.run(["uv", "pip", "install", "-q", *compile_flag, "-p", str(venv / "bin/python"), "-r",
                    str(project / "requirements.lock")], check=True)
    subprocess.run(["uv", "pip", "install", "-q", "-p", str(venv / "bin/python"), "--no-deps", "-e", str(project)],
                   check=True)
    return Baked(project, package, venv, Runner(cfg.work, venv))


RUNTIME_LOCK = "requirements-runtime.lock"
# Issue 23's floor: the least a Python process that scores a scikit-learn model on a pandas frame imports.
CHECK_FLOOR = "import pandas, sklearn.linear_model"


def runtime_build(cfg: Config, b: Baked) -> Baked:
    """``b``'s project installed as the workflows' setup action installs it: ``requirements-runtime.lock``
    only (no pytest, linters or Dask), bytecode compiled in full runs as the action's bytecode step does.
    A template older than the lock split (a baseline ref) falls back to ``requirements.lock``, said in the log."""
    lock = b.project / RUNTIME_LOCK
    if not lock.exists():
        log(f"{b.project} has no {RUNTIME_LOCK} (a template before the lock split): the check runs in {b.venv}")
        return b
    venv = cfg.work / f"{b.venv.name}-runtime"  # under --work: a given --venv's folder is not ours to fill
    log(f"installing {lock.name} into {venv} (uv): the check job's environment")
    if not (venv / "bin" / "python").exists():
        subprocess.run(["uv", "venv", "-q", "-p", python311(), str(venv)], check=True)
    compile_flag = ["--compile-bytecode"] if cfg.mode == "full" else []
    subprocess.run(["uv", "pip", "sync", "-q", *compile_flag, "-p", str(venv / "bin/python"), str(lock)], check=True)
    subprocess.run(["uv", "pip", "install", "-q", "-p", str(venv / "bin/python"), "--no-deps", "-e", str(b.project)],
                   check=True)
    return Baked(b.project, b.package, venv, Runner(cfg.work, venv))


def importable(b: Baked, modules: tuple[str, ...]) -> dict[str, bool]:
    """Which of ``modules`` the venv of ``b`` can import (find_spec: nothing is imported)."""
    code = ("import importlib.util, json, sys; "
            "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in sys.argv[1:]}))")
    out = subprocess.run([b.runner.python, "-c", code, *modules], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def bake_baseline(cfg: Config) -> tuple[Baked, str]:
    """The template as of ``cfg.baseline`` (git archive), baked and installed into its own venv."""
    ref = cfg.baseline or "main"
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=TEMPLATE, capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = cfg.work / f"template-{sha}"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=TEMPLATE, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return bake(cfg, tree, name=f"baked-{sha}", venv=cfg.work / f"venv-{sha}"), sha


def python311() -> str:
    found = subprocess.run(["uv", "python", "find", "3.11"], capture_output=True, text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else "python3.11"


def set_params(project: Path, updates: dict[str, Any]) -> None:
    """Edit params.yaml (dotted keys). The round trip drops comments: fine for a scratch copy."""
    import yaml

    path = project / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    for dotted, value in updates.items():
        node = raw
        *keys, last = dotted.split(".")
        for key in keys:
            node = node[key]
        node[last] = value
    path.write_text(yaml.safe_dump(raw, sort_keys=False))


def copy_project(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
    return dst


def make_champion(b: Baked, dst: Path, updates: dict[str, Any], commit_date: dt.date) -> Path:
    """A copy of the baked project whose main branch pins a trained model (the champion)."""
    project = copy_project(b.project, dst)
    set_params(project, updates)
    env = b.runner.env(date=commit_date)
    b.runner.run(["dvc", "repro", "-q"], cwd=project, env=env)
    b.runner.run(["git", "add", "-A"], cwd=project, env=env)
    b.runner.run(["git", "commit", "-q", "--no-verify", "-m", "bench: champion"], cwd=project, env=env)
    return project


def cli(b: Baked, *args: str) -> list[str]:
    return [b.runner.python, "-m", b.package, *args]


# ----------------------------------------------------------------------------- sections

START = dt.date(2026, 1, 1)


NOOP_TRAIN_DAYS = 21  # 30 days of history minus the 7-day holdout leaves 23: the reference is 21 days in both


def bench_noop(cfg: Config, b: Baked) -> dict[str, Any]:
    """decide on a day when nothing fires; history of H days, reference fixed at NOOP_TRAIN_DAYS days."""
    results: dict[str, Any] = {}
    champion_end = dt.date(2026, 3, 1)          # demo drift onset is 2026-03-15: all data here is pre-onset
    today = champion_end + dt.timedelta(days=8)  # past the 7-day cooldown, 8 x 300 rows < volume trigger
    for history in cfg.noop_history:
        log(f"noop: {history} days of history (champion trained on {NOOP_TRAIN_DAYS} of them)")
        start = champion_end - dt.timedelta(days=history - 1)
        project = make_champion(b, cfg.work / f"noop-{history}", {
            "data.start_date": start.isoformat(), "data.end_date": champion_end.isoformat(),
            "split.max_train_days": NOOP_TRAIN_DAYS,
        }, champion_end)
        b.runner.run(cli(b, "advance", "--to", today.isoformat()), cwd=project)
        b.runner.run(cli(b, "ingest"), cwd=project)
        samples = []
        for rep in range(cfg.reps):
            m = b.runner.measure(f"noop-{history}-decide-{rep}", cli(b, "decide", "--now", today.isoformat()), project)
            samples.append(m)
        decision = json.loads((project / "reports/decision.json").read_text())
        raw_rows = count_raw_rows(b, project)
        entry = median_measure(samples)
        entry.update({
            "history_days": history, "raw_rows": raw_rows, "retrain": decision["retrain"],
            "reason": decision["reason"],
            "reference_range": decision["champion"].get("train_range"),
            "triggers": {t["name"]: ("fired" if t["fired"] else "quiet" if t["evaluated"] else "skipped")
                         for t in decision["triggers"]},
        })
        # What the same decision costs without the drift trigger (Evidently's import and run): the floor
        # the other triggers set.
        set_params(project, {"decide.triggers.drift.enabled": False})
        no_drift = [b.runner.measure(f"noop-{history}-decide-without-drift-{rep}",
                                     cli(b, "decide", "--now", today.isoformat()), project) for rep in range(cfg.heavy_reps)]
        entry["without_drift_trigger"] = median_measure(no_drift)
        set_params(project, {"decide.triggers.drift.enabled": True})
        # The same day's check as a scheduled run does it: ingest the new day, then decide.
        b.runner.run(cli(b, "advance", "--to", (today + dt.timedelta(days=1)).isoformat()), cwd=project)
        daily = b.runner.measure(f"noop-{history}-ingest-one-day", cli(b, "ingest"), project)
        entry["ingest_one_day"] = {"wall": daily.wall, "peak_rss_mb": daily.peak_rss_mb}
        results[str(history)] = entry
        if not cfg.keep:
            shutil.rmtree(project, ignore_errors=True)
    return results


BACKTEST_POLICY_SETS = {"default": [], "configured": ["--policy", "configured"]}
# Smoke keeps the scripts from rotting: one replay of the configured policy exercises the command and the
# report; the four-policy replay (every:1's 30 retrains) is the full run's figure, not CI's.
SMOKE_BACKTEST_POLICY_SETS = {"configured": ["--policy", "configured"]}


def bench_backtest(cfg: Config, b: Baked) -> dict[str, Any]:
    """`backtest` over a year at 300 rows/day (issue 18's target: under 60 s on 2 cores), as a person runs it:
    the default policies (configured, never, every:7, every:1) and the configured one alone. The demo's drift
    onset falls inside the replay, so the configured policy has a change to react to. Smoke: 30 days, the
    configured policy alone."""
    days = cfg.backtest_days
    champion_end = START + dt.timedelta(days=30)
    project = make_champion(b, cfg.work / "backtest", {
        "data.start_date": START.isoformat(), "data.end_date": champion_end.isoformat(),
    }, champion_end)
    first, last = champion_end + dt.timedelta(days=1), champion_end + dt.timedelta(days=days)
    b.runner.run(cli(b, "advance", "--to", last.isoformat()), cwd=project)
    ingest = b.runner.measure(f"backtest-ingest-{days}", cli(b, "ingest"), project)
    out: dict[str, Any] = {"days": days, "rows_per_day": 300, "from": first.isoformat(), "to": last.isoformat(),
                           "ingest": {"wall": ingest.wall}, "runs": {}}
    sets = BACKTEST_POLICY_SETS if cfg.mode == "full" else SMOKE_BACKTEST_POLICY_SETS
    for name, policies in sets.items():
        samples = [b.runner.measure(f"backtest-{name}-{days}-{rep}",
                                    cli(b, "backtest", "--from", first.isoformat(), "--to", last.isoformat(),
                                        "--quiet", *policies), project)
                   for rep in range(cfg.reps)]
        result = json.loads((project / "reports/backtest.json").read_text())
        entry = median_measure(samples)
        entry["policies"] = {k: {"retrains": v["retrains"], "promotions": v["promotions"],
                                 "mean_online": v["mean_online"]} for k, v in result["policies"].items()}
        out["runs"][name] = entry
    if not cfg.keep:
        shutil.rmtree(project, ignore_errors=True)
    return out


def count_raw_rows(b: Baked, project: Path) -> int:
    code = ("import pyarrow.parquet as pq, pathlib, sys; "
            "print(sum(pq.read_metadata(p).num_rows for p in pathlib.Path('data/raw').glob('*.parquet')))")
    return int(b.runner.run([b.runner.python, "-c", code], cwd=project).stdout.strip())


LOOP_DAYS, LOOP_NEW_DAYS = 50, 10


def default_estimator(project: Path) -> str:
    import yaml

    return str(yaml.safe_load((project / "params.yaml").read_text())["model"]["estimator"])


def loop_key(rows: int, estimator: str, default: str) -> str:
    """Loop results are keyed by rows for the baked default estimator, `ROWS ESTIMATOR` for the others."""
    return str(rows) if estimator == default else f"{rows} {estimator}"


def bench_loop(cfg: Config, b: Baked) -> dict[str, Any]:
    results: dict[str, Any] = {}
    champion_end = START + dt.timedelta(days=LOOP_DAYS - LOOP_NEW_DAYS - 1)
    end = START + dt.timedelta(days=LOOP_DAYS - 1)
    default = default_estimator(b.project)
    estimators = [default if e == "default" else e for e in cfg.loop_estimators]
    cases = [(e, rows) for e in estimators for rows in cfg.loop_sizes]
    for n, (estimator, rows) in enumerate(cases):
        per_day = max(rows // LOOP_DAYS, 20)
        key = loop_key(rows, estimator, default)
        tag = key.replace(" ", "-")
        log(f"loop: {rows} rows, {estimator} ({per_day}/day x {LOOP_DAYS} days; champion on the first "
            f"{LOOP_DAYS - LOOP_NEW_DAYS} days)")
        updates: dict[str, Any] = {
            "data.start_date": START.isoformat(), "data.end_date": champion_end.isoformat(),
            "data.demo.rows_per_day": per_day,
            "checks.min_rows": min(50, per_day),
            "decide.triggers.decay.min_rows": min(50, per_day),
        }
        if estimator != default:
            # The default's hyperparameters (C, max_iter) belong to it: the other estimator runs on its defaults.
            updates.update({"model.estimator": estimator, "model.params": {}})
        snapshot = make_champion(b, cfg.work / f"loop-{tag}-snapshot", updates, champion_end)
        env = b.runner.env(date=end)
        b.runner.run(["git", "checkout", "-q", "-b", "promote/bench"], cwd=snapshot, env=env)
        b.runner.run(cli(b, "advance", "--to", end.isoformat()), cwd=snapshot, env=env)
        reps = cfg.heavy_reps if rows >= 1_000_000 else cfg.reps
        steps: dict[str, list[Measure]] = {}
        totals, peaks, fits, noops, mlflows = [], [], [], [], []
        for rep in range(reps):
            work = copy_project(snapshot, cfg.work / f"loop-{tag}-run")
            sequence: list[tuple[str, list[str], tuple[int, ...]]] = [
                ("ingest", cli(b, "ingest"), (0,)),
                ("validate", cli(b, "validate"), (0,)),
                ("decide", cli(b, "decide", "--force", "--all-triggers", "--reason", "benchmark",
                                "--now", end.isoformat()), (0,)),
                ("dvc repro", ["dvc", "repro"], (0,)),
                ("gate", cli(b, "gate"), (0, 1)),       # reject (1) is a valid outcome
                ("report", cli(b, "report"), (0,)),
            ]
            total, peak = 0.0, 0.0
            for name, cmd, ok in sequence:
                m = b.runner.measure(f"loop-{tag}-{name}-{rep}", cmd, work, ok_codes=ok, env=env)
                steps.setdefault(name, []).append(m)
                total += m.wall
                peak = max(peak, m.peak_rss_mb)
            totals.append(total)
            peaks.append(peak)
            fits.append(b.runner.measure(f"loop-{tag}-fit-only-{rep}",
                                         [b.runner.python, str(PROBES / "fit_probe.py"), b.package, str(work)], work))
            noops.append(b.runner.measure(f"loop-{tag}-dvc-repro-noop-{rep}", ["dvc", "repro"], work, env=env))
            if n == 0:
                mlflows.append(b.runner.measure(
                    f"loop-{tag}-mlflow-log-{rep}",
                    [b.runner.python, str(PROBES / "mlflow_probe.py"), b.package, str(work)], work))
        noop_log = (b.runner.logs / sorted(p.name for p in b.runner.logs.glob(f"*loop-{tag}-dvc-repro-noop-*"))[-1])
        split = json.loads((work / "data/processed/split.json").read_text())
        gate = json.loads((work / "reports/gate.json").read_text()) if (work / "reports/gate.json").exists() else {}
        total_med = statistics.median(totals)
        fit_med = statistics.median(f.bench["fit"] for f in fits)
        entry: dict[str, Any] = {
            "rows": rows, "rows_per_day": per_day, "reps": reps, "estimator": estimator,
            "default_estimator": estimator == default,
            "train_rows": split["train"]["rows"], "holdout_rows": split["holdout"]["rows"],
            "total_wall": round(total_med, 3), "totals": totals,
            "peak_rss_mb": round(statistics.median(peaks), 1),
            "steps": {k: median_measure(v) for k, v in steps.items()},
            "fit_only": median_measure(fits),
            "fit_seconds": round(fit_med, 3),
            "non_fit_share": round(1 - fit_med / total_med, 4),
            "outside_fit_seconds": round(total_med - fit_med, 3),
            "repro_noop": median_measure(noops),
            "repro_noop_up_to_date": "Data and pipelines are up to date" in noop_log.read_text(),
            "gate_promote": gate.get("promote"),
            "gate_interval_method": interval_method(gate),
        }
        if mlflows:
            entry["mlflow_log"] = median_measure(mlflows)
        if rows == cfg.breakdown_rows and estimator == default:
            entry["stages"] = stage_breakdown(b, work, env, rows)
        results[key] = entry
        if not cfg.keep:
            shutil.rmtree(snapshot, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
    return results


# ----------------------------------------------------------------------------- the check job, as the workflow runs it

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _expression(text: str, context: dict[str, str]) -> str:
    """GitHub's `a || b || 'x'` for the names a scheduled run defines (the rest are empty)."""
    def one(expr: str) -> str:
        value = ""
        for term in (t.strip() for t in expr.split("||")):
            if term[:1] == "'" and term[-1:] == "'":
                value = term[1:-1]
            elif term in ("true", "false"):
                value = term
            else:
                value = context.get(term, "")
            if value not in ("", "false", "0"):
                return value
        return value
    return EXPR.sub(lambda m: one(m.group(1)), str(text))


def check_job(project: Path, as_of: dt.date) -> list[tuple[str, str, dict[str, str]]]:
    """(name, script, env) of every step of retrain.yml's check job after the setup action, as a
    scheduled run with ``vars.RETRAIN_AS_OF`` set would run them: read from the workflow file, so
    the benchmark measures what the workflow runs."""
    import yaml

    workflow = yaml.safe_load((project / ".github/workflows/retrain.yml").read_text())
    context = {"github.event_name": "schedule", "vars.RETRAIN_AS_OF": as_of.isoformat()}
    env = {k: _expression(v, context) for k, v in (workflow.get("env") or {}).items()}
    steps = workflow["jobs"]["check"]["steps"]
    setup = next(i for i, step in enumerate(steps) if step.get("uses") == "./.github/actions/setup")
    out = []
    for step in steps[setup + 1:]:
        if "run" not in step:
            continue  # upload-artifact: not part of the check's cost
        step_env = {**env, **{k: _expression(v, context) for k, v in (step.get("env") or {}).items()}}
        out.append((step.get("name") or step["run"].splitlines()[0], step["run"], step_env))
    return out


def run_check_job(b: Baked, project: Path, as_of: dt.date, label: str, compiled: bool) -> dict[str, Any]:
    """One run of the check job's steps, each a bash process as on a runner; the wall of the whole sequence."""
    scratch = Path(tempfile.mkdtemp(prefix="gh-", dir=b.runner.work))
    extra = {"GITHUB_OUTPUT": str(scratch / "output"), "GITHUB_STEP_SUMMARY": str(scratch / "summary"),
             "GITHUB_ENV": str(scratch / "env"), "GITHUB_EVENT_NAME": "schedule"}
    if not compiled:
        # No bytecode: an empty pycache prefix hides the venv's .pyc files, and nothing is written.
        extra.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(scratch / "no-pyc"))
    steps = []
    for name, script, env in check_job(project, as_of):
        m = b.runner.measure(f"{label}-{name}", ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                             project, env=b.runner.env(**env, **extra))
        steps.append({"name": name, "wall": m.wall, "peak_rss_mb": m.peak_rss_mb})
    # The floor right after, in the same venv and bytecode state: the ratio holds under the load of the moment.
    floor = b.runner.measure(f"{label}-floor", [b.runner.python, "-c", CHECK_FLOOR], project,
                             env=b.runner.env(**extra)).wall
    shutil.rmtree(scratch, ignore_errors=True)
    decision = json.loads((project / "reports/decision.json").read_text())
    wall = round(sum(s["wall"] for s in steps), 3)
    return {"wall": wall, "floor": floor, "ratio": round(wall / floor, 3), "steps": steps,
            "retrain": decision["retrain"],
            "reason": decision["reason"],
            "evaluated": [t["name"] for t in decision["triggers"] if t["evaluated"]],
            "html": (project / "reports/drift/drift_report.html").exists()}


def check_champion(b: Baked, cfg: Config, history: int, per_day: int,
                   reuse: bool = False) -> tuple[Path, dt.date]:
    """A project whose main pins a champion trained on ``history`` days; the check runs 8 days later.
    ``reuse``: the one the check section left for this case, if it is there (committed, so unchanged)."""
    champion_end = dt.date(2026, 3, 1)  # the demo's drift onset is 2026-03-15: every day here is before it
    done = cfg.work / f"{b.project.parent.name}-check-{history}-{per_day}"
    if reuse and (done / "dvc.lock").exists():
        log(f"reusing the check section's champion {done}")
        return done, champion_end + dt.timedelta(days=8)
    start = champion_end - dt.timedelta(days=history - 1)
    updates: dict[str, Any] = {"data.start_date": start.isoformat(), "data.end_date": champion_end.isoformat(),
                               "data.demo.rows_per_day": per_day}
    if per_day != 300:
        # Volume is the one rule stated in rows: scale it with the rows per day, or every day is a
        # retrain day (the measured day must be quiet). Every other parameter keeps its default.
        updates["decide.triggers.volume.min_new_rows"] = 10000 * per_day // 300
    project = make_champion(b, cfg.work / f"{b.project.parent.name}-check-{history}-{per_day}", updates, champion_end)
    return project, champion_end + dt.timedelta(days=8)  # past the 7-day cooldown


# Issue 23's third target: importing what loads the champion (model_store, the params schema it reads,
# skops) on top of the floor's imports, timed inside one fresh process, so the interpreter's start is out.
MODEL_LOAD_IMPORT = ("import time, pandas, sklearn.linear_model; t = time.perf_counter(); "
                     "from {package}.adapters import model_store; model_store.skops_io(); "
                     "print(time.perf_counter() - t)")


def bench_model_load_import(cfg: Config, b: Baked) -> dict[str, Any]:
    """Seconds to import the model-loading path after the floor, with and without bytecode (median of
    ``cfg.check_reps`` fresh processes each), in the runtime venv ``b`` the check runs in."""
    out: dict[str, Any] = {}
    code = MODEL_LOAD_IMPORT.format(package=b.package)
    for compiled in (True, False):
        extra = {} if compiled else {"PYTHONDONTWRITEBYTECODE": "1",
                                     "PYTHONPYCACHEPREFIX": str(cfg.work / "no-pyc-model-load")}
        walls = sorted(float(b.runner.run([b.runner.python, "-c", code], cwd=b.project,
                                          env=b.runner.env(**extra)).stdout.split()[-1])
                       for _ in range(cfg.check_reps))
        out["pyc" if compiled else "nopyc"] = {"wall": round(statistics.median(walls), 3),
                                               "range": [round(walls[0], 3), round(walls[-1], 3)]}
        log(f"  model-loading import ({'pyc' if compiled else 'no pyc'}): {walls}")
    return out


def shares_champion(cfg: Config, history: int, per_day: int) -> bool:
    """The setup section runs later on the same case: it reuses this champion (built once, minutes at 3 years)."""
    return "setup" in cfg.sections and (history, per_day) in cfg.setup_cases


def bench_check(cfg: Config, b: Baked, progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    builds: list[tuple[str, Baked]] = [("new", b)]
    baseline_sha = None
    if cfg.baseline:
        base, baseline_sha = bake_baseline(cfg)
        builds.append((baseline_sha, base))
    # The champion is built with the full lock (dvc repro, git); the check runs as a runner installs it.
    runtime = {who: runtime_build(cfg, build) for who, build in builds}
    results: dict[str, Any] = {"baseline": baseline_sha, "cases": {}, "floor": CHECK_FLOOR,
                               "lock": RUNTIME_LOCK if runtime["new"] is not b else "requirements.lock",
                               "importable": importable(runtime["new"], ("pytest", "dask", "ruff", "mypy"))}
    history_per_day_first = cfg.check_cases[0]
    for history, per_day in cfg.check_cases:
        key = f"{history}d x {per_day}"
        case: dict[str, Any] = {"history_days": history, "rows_per_day": per_day}
        for who, build in builds:
            log(f"check: {who}, {history} days x {per_day} rows/day")
            champion, as_of = check_champion(build, cfg, history, per_day)
            case["steps_" + ("new" if who == "new" else "baseline")] = [n for n, _, _ in check_job(champion, as_of)]
            for compiled in (True, False):
                if who != "new" and not compiled and history_per_day_first != (history, per_day):
                    continue  # the baseline without bytecode: the first case only (minutes per run)
                reps = cfg.check_reps if who == "new" else cfg.heavy_reps
                runs = []
                for rep in range(reps):
                    work = copy_project(champion, cfg.work / f"check-run-{who}")
                    runs.append(run_check_job(runtime[who], work, as_of, f"check-{who}-{history}-{per_day}-"
                                              f"{'pyc' if compiled else 'nopyc'}-{rep}", compiled))
                best = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
                best["walls"] = [r["wall"] for r in runs]
                best["range"] = [min(best["walls"]), max(best["walls"])]
                ratios = sorted(r["ratio"] for r in runs)
                best["ratio"], best["ratio_range"] = statistics.median(ratios), [ratios[0], ratios[-1]]
                case[f"{'new' if who == 'new' else 'baseline'}_{'pyc' if compiled else 'nopyc'}"] = best
            if not cfg.keep and not (who == "new" and shares_champion(cfg, history, per_day)):
                shutil.rmtree(champion, ignore_errors=True)
        results["cases"][key] = case
        if progress is not None:
            progress(results)  # an interrupted run still reports the cases it finished
    results["model_load_import"] = bench_model_load_import(cfg, runtime["new"])
    return results


# ----------------------------------------------------------------------------- setup: what every job pays first

COND = re.compile(r"^\s*(inputs\.[\w-]+)\s*(==|!=)\s*'([^']*)'\s*$")


def _condition(text: str, context: dict[str, str]) -> bool:
    """The setup action's `if:` forms: `inputs.x == 'v'` and `inputs.x != 'v'`."""
    m = COND.match(str(text))
    if not m:
        raise RuntimeError(f"setup action: the benchmark cannot evaluate `if: {text}`; teach bench/run.py this form")
    return (context.get(m.group(1), "") == m.group(3)) == (m.group(2) == "==")


def setup_action(project: Path, job: str, context: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The steps of .github/actions/setup/action.yml as ``job`` of retrain.yml calls it (its `with:` inputs
    evaluated in ``context``): read from the baked files, so the benchmark runs what the workflow runs."""
    import yaml

    workflow = yaml.safe_load((project / ".github/workflows/retrain.yml").read_text())
    call = next(step for step in workflow["jobs"][job]["steps"] if step.get("uses") == "./.github/actions/setup")
    action = yaml.safe_load((project / ".github/actions/setup/action.yml").read_text())
    inputs = {f"inputs.{k}": str((v or {}).get("default", "")) for k, v in (action.get("inputs") or {}).items()}
    inputs.update({f"inputs.{k}": _expression(str(v), context) for k, v in (call.get("with") or {}).items()})
    steps: list[dict[str, Any]] = []
    for step in action["runs"]["steps"]:
        name = step.get("name") or step.get("uses") or step["run"].splitlines()[0]
        if step.get("if") and not _condition(step["if"], inputs):
            steps.append({"name": name, "not_run": f"`if: {step['if']}` is false for this job"})
        elif "uses" in step:
            steps.append({"name": name, "uses": step["uses"].split("@")[0]})
        else:
            steps.append({"name": name, "run": _expression(step["run"], inputs),
                          "env": {k: _expression(str(v), inputs) for k, v in (step.get("env") or {}).items()},
                          "compile": "--warm" in step["run"] or "compile" in name.lower()})
    return steps, {k.removeprefix("inputs."): v for k, v in inputs.items() if "config" not in k}


def _github_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines a step appended to $GITHUB_ENV (what later steps of the job see)."""
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_setup(b: Baked, champion: Path, steps: list[dict[str, Any]], first: tuple[str, str, dict[str, str]],
              variant: tuple[bool, bool], label: str) -> dict[str, Any]:
    """One job's setup on a fresh runner: a fresh clone (actions/checkout, not timed), a fresh Python with
    nothing installed (`uv venv`, the stand-in for actions/setup-python, timed apart), the machine's warm uv
    cache (what astral-sh/setup-uv restores), then every `run:` step of the action in order, each a bash
    process seeing what earlier steps wrote to $GITHUB_ENV; then the job's first step."""
    compile_step, nopyc = variant
    scratch = Path(tempfile.mkdtemp(prefix="setup-", dir=b.runner.work))
    clone, python = scratch / "repo", scratch / "python"
    b.runner.run(["git", "clone", "-q", str(champion), str(clone)], cwd=scratch)
    venv = b.runner.measure(f"{label}-python", ["uv", "venv", "-q", "-p", python311(), str(python)], scratch)
    files = {"GITHUB_ENV": scratch / "env", "GITHUB_OUTPUT": scratch / "output",
             "GITHUB_STEP_SUMMARY": scratch / "summary"}
    for path in files.values():
        path.touch()
    base = b.runner.env(**{k: str(v) for k, v in files.items()}, GITHUB_EVENT_NAME="schedule")
    base.pop("VIRTUAL_ENV", None)
    base["PATH"] = f"{python / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"  # the runner's Python first
    if nopyc:
        base["PYTHONDONTWRITEBYTECODE"] = "1"
    parts = []
    for step in steps:
        if "run" not in step:
            parts.append({"name": step["name"], "wall": None,
                          "note": step.get("not_run") or "an action: not run here"})
            continue
        if step["compile"] and not compile_step:
            parts.append({"name": step["name"], "wall": None, "note": "left out"})
            continue
        env = {**base, **_github_env(files["GITHUB_ENV"]), **step["env"]}
        m = b.runner.measure(f"{label}-{step['name'][:40]}",
                             ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], clone, env=env)
        parts.append({"name": step["name"], "wall": m.wall, "peak_rss_mb": m.peak_rss_mb})
    name, script, step_env = first
    m = b.runner.measure(f"{label}-first-step", ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                         clone, env={**base, **_github_env(files["GITHUB_ENV"]), **step_env})
    pulled = sum(f.stat().st_size for f in (clone / ".dvc" / "cache").rglob("*") if f.is_file()) \
        if (clone / ".dvc" / "cache").exists() else 0
    shutil.rmtree(scratch, ignore_errors=True)
    return {"python": venv.wall, "steps": parts, "setup": round(sum(p["wall"] or 0 for p in parts), 3),
            "first_step": {"name": name, "wall": m.wall, "peak_rss_mb": m.peak_rss_mb},
            "pulled_mb": round(pulled / 1024**2, 1)}


def dvc_remote_name(project: Path) -> str:
    text = (project / ".dvc" / "config").read_text()
    found = re.search(r"remote\s*=\s*(\S+)", text)
    return found.group(1) if found else "storage"


def bench_setup(cfg: Config, b: Baked) -> dict[str, Any]:
    """What every job pays before its first step, as the check job calls the setup action, per case."""
    results: dict[str, Any] = {"cases": {}}
    for history, per_day in cfg.setup_cases:
        log(f"setup: {history} days x {per_day} rows/day, variants "
            f"{', '.join(variant_name(v) for v in cfg.setup_variants)}")
        champion, as_of = check_champion(b, cfg, history, per_day, reuse=True)
        remote = cfg.work / f"setup-remote-{history}-{per_day}"
        shutil.rmtree(remote, ignore_errors=True)
        # What the DVC_REMOTE_CONFIG secret holds for a local directory remote: the champion's data is
        # pushed there, and each fresh clone pulls it through the action's own steps.
        secret = f"['remote \"{dvc_remote_name(champion)}\"']\n    url = {remote}\n"
        (champion / ".dvc" / "config.local").write_text(secret)
        b.runner.run(["dvc", "push", "-q"], cwd=champion)
        steps, inputs = setup_action(champion, "check", {"secrets.DVC_REMOTE_CONFIG": secret})
        first = check_job(champion, as_of)[0]
        case: dict[str, Any] = {"history_days": history, "rows_per_day": per_day, "inputs": inputs,
                                "raw_rows": count_raw_rows(b, champion), "variants": {}}
        for variant in cfg.setup_variants:
            vname = variant_name(variant)
            runs = [run_setup(b, champion, steps, first, variant, f"setup-{history}-{per_day}-{vname}-{rep}")
                    for rep in range(cfg.reps)]
            order = sorted(runs, key=lambda r: r["setup"])
            mid = order[len(order) // 2]
            case["variants"][vname] = {
                "setup": mid["setup"], "setups": [r["setup"] for r in runs],
                "python": statistics.median(r["python"] for r in runs),
                "first_step": round(statistics.median(r["first_step"]["wall"] for r in runs), 3),
                "first_steps": [r["first_step"]["wall"] for r in runs],
                "first_step_name": mid["first_step"]["name"], "pulled_mb": mid["pulled_mb"],
                "steps": [{**step, "wall": None if step["wall"] is None else round(statistics.median(
                    r["steps"][i]["wall"] for r in runs), 3)} for i, step in enumerate(mid["steps"])],
            }
        results["cases"][f"{history}d x {per_day}"] = case
        if not cfg.keep:
            shutil.rmtree(champion, ignore_errors=True)
            shutil.rmtree(remote, ignore_errors=True)
    return results


# ----------------------------------------------------------------------------- the gate at a large holdout


def interval_method(gate: dict[str, Any]) -> str | None:
    """gate.json names its interval method at the top level (older layouts: under `info`)."""
    return gate.get("interval_method") or (gate.get("info") or {}).get("interval_method")


def bench_gate(cfg: Config, b: Baked) -> dict[str, Any]:
    """The gate on a real project whose holdout has ``cfg.gate_rows`` rows: a champion trained on one day,
    then one new day and `dvc repro` (candidate trained, both scored on the holdout), then `gate`."""
    if cfg.gate_rows <= 0:
        raise Skipped("needs two `dvc repro` runs at the gate's holdout size (minutes); --gate-rows N runs it")
    import yaml

    holdout_days = int(yaml.safe_load((b.project / "params.yaml").read_text())["split"]["holdout_days"])
    per_day = -(-cfg.gate_rows // holdout_days)
    champion_end = START + dt.timedelta(days=holdout_days)  # holdout_days + 1 days: one training day
    end = champion_end + dt.timedelta(days=1)
    log(f"gate: holdout {holdout_days} days x {per_day} rows/day; champion and candidate trained on one day each")
    project = make_champion(b, cfg.work / "gate-project", {
        "data.start_date": START.isoformat(), "data.end_date": champion_end.isoformat(),
        "data.demo.rows_per_day": per_day, "split.max_train_days": 1,
    }, champion_end)
    env = b.runner.env(date=end)
    b.runner.run(["git", "checkout", "-q", "-b", "promote/bench"], cwd=project, env=env)
    b.runner.run(cli(b, "advance", "--to", end.isoformat()), cwd=project, env=env)
    repro = b.runner.measure("gate-dvc-repro", ["dvc", "repro"], project, env=env)
    split = json.loads((project / "data/processed/split.json").read_text())
    commands = [m for rep in range(cfg.reps)
                for m in [b.runner.measure(f"gate-command-{rep}", cli(b, "gate"), project, ok_codes=(0, 1), env=env)]]
    probes = [b.runner.measure(f"gate-probe-{rep}", [b.runner.python, str(PROBES / "gate_probe.py"), b.package,
                                                      str(project)], project, env=env) for rep in range(cfg.reps)]
    gate = json.loads((project / "reports/gate.json").read_text())
    results = {"holdout_rows": split["holdout"]["rows"], "rows_per_day": per_day, "repro": repro.wall,
               "command": median_measure(commands), "probe": median_measure(probes),
               "promote": gate.get("promote"), "interval_method": interval_method(gate)}
    if not cfg.keep:
        shutil.rmtree(project, ignore_errors=True)
    return results


# ----------------------------------------------------------------------------- newcomer paths

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10}


DURATION_CLAIM = re.compile(r"(~\s*|about |under |within )(\d+|" + "|".join(WORDS) + r")\s*(?:min\b|minutes?)")


def readme_claim(text: str, near: str, after: int = 3) -> dict[str, Any] | None:
    """The first "~N min" / "about N minutes" / "under N minutes" within ``after`` lines from one naming ``near``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if near not in line:
            continue
        for j, candidate in enumerate(lines[i:i + after]):
            m = DURATION_CLAIM.search(candidate)
            if m:
                n = int(m.group(2)) if m.group(2).isdigit() else WORDS[m.group(2)]
                return {"minutes": n, "text": m.group(0).strip(), "line": i + j + 1}
    return None


def bench_newcomer(cfg: Config, b: Baked) -> dict[str, Any]:
    """What a newcomer runs first: scripts/demo.sh from a fresh clone, the baked `demo`, the baked `pytest`."""
    if cfg.mode != "full" and not cfg.newcomer:
        raise Skipped("demo.sh, demo and the baked pytest take minutes each; --only newcomer runs them")
    results: dict[str, Any] = {}
    readme = (TEMPLATE / "README.md").read_text()
    baked_readme = (b.project / "README.md").read_text()
    results["claims"] = {"demo.sh": readme_claim(readme, "scripts/demo.sh"),
                         "demo": readme_claim(baked_readme, "See the whole loop on your machine"),
                         "pytest": readme_claim(baked_readme, "pytest   ", after=1)}
    clone = cfg.work / "newcomer-clone"
    out = cfg.work / "newcomer-demo"
    for path in (clone, out):
        shutil.rmtree(path, ignore_errors=True)
    b.runner.run(["git", "clone", "-q", str(TEMPLATE), str(clone)], cwd=cfg.work)
    env = b.runner.env(PYTHON=python311())
    env["PATH"] = os.environ.get("PATH", "")  # a newcomer's shell: no benchmark venv on PATH
    env.pop("VIRTUAL_ENV", None)
    load = os.getloadavg()[0]
    m = b.runner.measure("newcomer-demo.sh", ["bash", str(clone / "scripts/demo.sh"), str(out)], cfg.work, env=env)
    results["demo.sh"] = {"wall": m.wall, "cpu": m.cpu, "load": load, "peak_rss_mb": m.peak_rss_mb,
                          "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone,
                                                   capture_output=True, text=True).stdout.strip()}
    project = next(out.iterdir())
    venv_bin = project / ".venv" / "bin"
    env["PATH"] = f"{venv_bin}{os.pathsep}{env['PATH']}"
    load = os.getloadavg()[0]
    m = b.runner.measure("newcomer-demo", [str(venv_bin / "python"), "-m", b.package, "demo"], project, env=env)
    results["demo"] = {"wall": m.wall, "cpu": m.cpu, "load": load, "peak_rss_mb": m.peak_rss_mb}
    # The quick start's next steps on the model demo.sh trained: `gate` (the first model: floors only), then
    # `report`, the promotion body with its figures and model card, logged to the MLflow run (issue 24).
    for step in ("gate", "report"):
        load = os.getloadavg()[0]
        m = b.runner.measure(f"newcomer-{step}", [str(venv_bin / "python"), "-m", b.package, step], project, env=env)
        results[step] = {"wall": m.wall, "cpu": m.cpu, "load": load, "peak_rss_mb": m.peak_rss_mb}
    # The default tier as the README tells a newcomer to run it: plain `pytest` (addopts: -m 'not slow').
    load = os.getloadavg()[0]
    m = b.runner.measure("newcomer-pytest", [str(venv_bin / "pytest"), "-q", "-p", "no:cacheprovider",
                                             "--durations=15"], project, env=env)
    log_text = sorted(b.runner.logs.glob("*newcomer-pytest.log"))[-1].read_text(errors="replace")
    durations = re.findall(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", log_text, re.M)
    summary = re.findall(r"^(?:=+ )?(\d+ (?:passed|failed).*?)(?: =+)?$", log_text, re.M)
    results["pytest"] = {"wall": m.wall, "cpu": m.cpu, "load": load, "peak_rss_mb": m.peak_rss_mb,
                         "summary": summary[-1] if summary else "",
                         "slowest": [{"seconds": float(t), "when": w, "test": n} for t, w, n in durations]}
    # Again: the first run also writes the bytecode of what only the tests import (pytest, hypothesis...).
    again = b.runner.measure("newcomer-pytest-again", [str(venv_bin / "pytest"), "-q", "-p", "no:cacheprovider"],
                             project, env=env)
    results["pytest"]["again"] = again.wall
    if not cfg.keep:
        for path in (clone, out):
            shutil.rmtree(path, ignore_errors=True)
    return results


IMPORT_FLOOR = "import pandas, pyarrow.parquet, pydantic, yaml, sklearn.pipeline, sklearn.compose, sklearn.linear_model"


def stage_breakdown(b: Baked, work: Path, env: dict[str, str], rows: int) -> dict[str, Any]:
    """Each `dvc repro` stage on its own (what the stage's process costs), with and without MLflow."""
    log(f"loop: stage breakdown at {rows} rows")
    commands = [
        ("python + imports floor", [b.runner.python, "-c", IMPORT_FLOOR]),
        ("import evidently", [b.runner.python, "-c", "from evidently import Report"]),
        ("import mlflow", [b.runner.python, "-c", "import mlflow"]),
        ("dvc --version", ["dvc", "--version"]),
        ("ingest (nothing new)", cli(b, "ingest")),
        ("validate", cli(b, "validate")),
        ("split", cli(b, "split")),
        ("train", cli(b, "train")),
        ("evaluate", cli(b, "evaluate")),
        ("train --no-track", cli(b, "train", "--no-track")),
        ("evaluate --no-track", cli(b, "evaluate", "--no-track")),
    ]
    out = {}
    for name, cmd in commands:
        m = b.runner.measure(f"stage-{rows}-{name}", cmd, work, env=env)
        out[name] = {"wall": m.wall, "peak_rss_mb": m.peak_rss_mb}
    return out


def bench_drift(cfg: Config, b: Baked) -> dict[str, Any]:
    frames = cfg.work / "drift-frames"
    log(f"drift: building frames, {cfg.drift_rows} rows x 20 columns (reference and current)")
    b.runner.run([b.runner.python, str(PROBES / "drift_frames.py"), str(frames), str(cfg.drift_rows),
                  str(cfg.drift_rows)], cwd=PROBES)
    results: dict[str, Any] = {"rows": cfg.drift_rows, "columns": 20, "pairs": {}}
    for pair in ("same", "drift"):
        entry = {}
        for method in ("project", "evidently"):
            reps = cfg.heavy_reps if method == "evidently" else cfg.reps
            samples = [b.runner.measure(f"drift-{pair}-{method}-{rep}",
                                        [b.runner.python, str(PROBES / "drift_probe.py"), method, b.package,
                                         str(b.project), str(frames), pair], PROBES)
                       for rep in range(reps)]
            entry[method] = median_measure(samples)
        entry["speedup_call"] = round(entry["evidently"]["call"] / entry["project"]["call"], 2)
        entry["speedup_wall"] = round(entry["evidently"]["wall"] / entry["project"]["wall"], 2)
        entry["same_verdict"] = entry["project"]["dataset_drift"] == entry["evidently"]["dataset_drift"]
        results["pairs"][pair] = entry
    if not cfg.keep:
        shutil.rmtree(frames, ignore_errors=True)
    return results


def bench_install(cfg: Config, b: Baked) -> dict[str, Any]:
    lock = b.project / "requirements.lock"
    py = python311()
    results: dict[str, Any] = {}
    for kind in cfg.installs:
        samples = []
        for rep in range(cfg.reps if kind == "uv-warm" else cfg.heavy_reps):
            target = cfg.work / f"install-{kind}"
            cache = cfg.work / f"uv-cache-{kind}"
            for path in (target, cache):
                shutil.rmtree(path, ignore_errors=True)
            env = b.runner.env()
            if kind == "pip":
                script = f'"{py}" -m venv "{target}" && "{target}/bin/pip" install -q --no-cache-dir -r "{lock}"'
            else:
                if kind == "uv-cold":
                    env["UV_CACHE_DIR"] = str(cache)
                compile_flag = " --compile-bytecode" if kind == "uv-warm-compile" else ""
                script = (f'uv venv -q -p "{py}" "{target}" && '
                          f'uv pip install -q{compile_flag} -p "{target}/bin/python" -r "{lock}"')
            samples.append(b.runner.measure(f"install-{kind}-{rep}", ["sh", "-c", script], cfg.work, env=env))
            for path in (target, cache):
                shutil.rmtree(path, ignore_errors=True)
        results[kind] = median_measure(samples)
    results["packages"] = sum(1 for line in lock.read_text().splitlines() if re.match(r"^[A-Za-z0-9]", line))
    return results


# ----------------------------------------------------------------------------- machine


def machine(b: Baked | None) -> dict[str, Any]:
    info: dict[str, Any] = {"date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                            "os": platform.platform(), "cores": os.cpu_count()}
    try:
        cpu = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
               if line.startswith("model name")]
        info["cpu"] = cpu[0] if cpu else platform.processor()
        mem = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        info["ram_gb"] = round(int(mem.group(1)) / 1024**2, 1) if mem else None
    except OSError:
        info["cpu"] = platform.processor()
    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    info["uv"] = subprocess.run(["uv", "--version"], capture_output=True, text=True).stdout.strip()
    info["template_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=TEMPLATE,
                                             capture_output=True, text=True).stdout.strip()
    if b is not None:
        code = ("import json, sys, platform; from importlib.metadata import version; "
                f"print(json.dumps({{'python': platform.python_version(), "
                f"**{{n: version(n) for n in {list(KEY_LIBRARIES)!r}}}}}))")
        info["libraries"] = json.loads(b.runner.run([b.runner.python, "-c", code], cwd=b.project).stdout)
    return info


# ----------------------------------------------------------------------------- targets and report

# Why a target is missed: the analysis behind each figure, written from the measurements (stage
# breakdown, import profiles) and filled with this run's numbers. Shown only when the target is missed.


def _get(d: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _stage(results: dict[str, Any], name: str) -> float | None:
    for v in (results.get("loop") or {}).values():
        if "stages" in v and name in v["stages"]:
            return float(v["stages"][name]["wall"])
    return None


def cause_noop(results: dict[str, Any]) -> str:
    noop = results.get("noop") or {}
    without = [v["without_drift_trigger"]["wall"] for v in noop.values() if "without_drift_trigger" in v]
    ev = _stage(results, "import evidently")
    return (
        "Nothing fires, so nothing short-circuits and the drift trigger always runs: "
        + (f"`from evidently import Report` alone takes {fmt_s(ev)} " if ev else "Evidently's import costs seconds ")
        + "(mostly `evidently.descriptors` and `evidently.ui`, pulled in by the package's `__init__`), plus the "
        "Report run on the sampled frames. Without the drift trigger the same decision takes "
        + (f"{fmt_s(max(without))}" if without else "a few seconds")
        + " (the decay trigger unpickles the champion, which imports scikit-learn). Fix, in the project: decide "
        "drift with the statistics Evidently applies by default (normed Wasserstein, Jensen-Shannon; scipy on "
        "the sampled frames) and build the Evidently report only for the PR."
    )


def cause_loop(results: dict[str, Any], key: str) -> str:
    v = (results.get("loop") or {}).get(key, {})
    steps = v.get("steps", {})
    floor, mlflow = _stage(results, "python + imports floor"), _stage(results, "import mlflow")
    train, train_nt = _stage(results, "train"), _stage(results, "train --no-track")
    ev, ev_nt = _stage(results, "evaluate"), _stage(results, "evaluate --no-track")
    per_step = ", ".join(f"{name} {fmt_s(_get(steps, name, 'wall'))}" for name in steps)
    parts = [
        f"`{v.get('estimator', 'the default estimator')}` fits {v.get('train_rows', 0):,} rows in "
        f"{fmt_s(v.get('fit_seconds'))}; the rest is per-process and per-row work outside fitting"
        + (f" (steps: {per_step}; `dvc repro` contains the fit)." if per_step else "."),
        "The loop starts 11 Python processes (6 commands, 5 `dvc repro` stages)"
        + (f", each paying ~{fmt_s(floor)} for Python + pandas/pyarrow/pydantic/scikit-learn imports" if floor else "")
        + ".",
    ]
    if train and train_nt and ev and ev_nt:
        parts.append(f"At the breakdown size MLflow costs `train` {fmt_s(train - train_nt)} ({fmt_s(train)} vs "
                     f"{fmt_s(train_nt)} untracked) and `evaluate` {fmt_s(ev - ev_nt)}"
                     + (f"; `import mlflow` alone {fmt_s(mlflow)}" if mlflow else "") + ".")
    if steps:
        parts.append(f"`gate` {fmt_s(_get(steps, 'gate', 'wall'))} on the {v.get('holdout_rows', 0):,}-row holdout"
                     + (f" (interval: {v['gate_interval_method']})" if v.get("gate_interval_method") else "") + ".")
    return " ".join(p for p in parts if p)


def cause_mlflow(results: dict[str, Any]) -> str:
    ml = next((v["mlflow_log"] for v in (results.get("loop") or {}).values() if "mlflow_log" in v), {})
    return (f"The first call in a process pays one-off lazy imports (the SQLAlchemy store, alembic, model "
            f"flavour code): the same call again takes {fmt_s(ml.get('log_and_register_warm'))}. The train stage "
            "always makes exactly one first call.")


def cause_repro(results: dict[str, Any]) -> str:
    floor = _stage(results, "dvc --version")
    return ("`dvc repro` with nothing to do still starts DVC"
            + (f" ({fmt_s(floor)} for `dvc --version`)" if floor else "")
            + ", loads the pipeline and params, and checks every stage's deps and outs against dvc.lock "
            "(hashes come from DVC's state database; `data/raw` holds one Parquet file per day).")


def cause_check(results: dict[str, Any], key: str | None = None) -> str:
    cases = (results.get("check") or {}).get("cases") or {}
    if not cases:
        return ""
    case = cases[key] if key else next(iter(cases.values()))
    first = next(iter(cases.values()))
    steps = ", ".join(f"{s['name'].split(' (')[0]} {fmt_s(s['wall'])}" for s in case["new_pyc"]["steps"])
    # a section re-measured later (--merge) carries the load of its own run
    load = (results.get("check") or {}).get("load_average_start") or (results.get("machine") or {}).get(
        "load_average_start")
    text = f"Steps: {steps}. "
    if key:
        grew = case["new_pyc"]["wall"] - first["new_pyc"]["wall"]
        text += (f"{fmt_s(grew)} more than at {first['history_days']} d × {first['rows_per_day']}: what still grows "
                 "is reading the newest days' partitions (decay windows, drift window: rows per day) and listing "
                 "one summary per day of history. ")
    text += ("The floor is one Python process importing pandas, pyarrow and scikit-learn (the champion is "
             "unpickled to score the decay windows)" + (f"; the machine's load average was {load} at the start"
                                                         if load else "") + ".")
    return text


def cause_setup(results: dict[str, Any], key: str) -> str:
    case = results["setup"]["cases"][key]
    v = case["variants"].get("compile") or next(iter(case["variants"].values()))
    steps = sorted((st for st in v["steps"] if st.get("wall") is not None), key=lambda st: -st["wall"])
    return ("Per step: " + ", ".join(f"{st['name']} {fmt_s(st['wall'])}" for st in steps)
            + f"; `dvc pull` fetched {v['pulled_mb']} MB for {case['raw_rows']:,} raw rows "
            f"(targets: {case['inputs'].get('dvc-pull-targets') or 'everything'}).")


def cause_gate(results: dict[str, Any]) -> str:
    g = results["gate"]
    x = g["probe"]
    warm = x.get("call_warm")
    top = ", ".join(f"`{name}` {fmt_s(sec)}" for name, sec in (x.get("profile") or [])[:5])
    return (f"`run_gate` {fmt_s(x['call'])} on {g['holdout_rows']:,} rows, the first call in its process"
            + (f"; the same call again {fmt_s(warm)} (the difference: first-call costs, i.e. lazy imports of "
               "scikit-learn's metrics and SciPy, cold file cache)" if warm else "")
            + (f". Where the warm call goes (cProfile; `core/metrics` is every metric computed from the rows, "
               f"candidate and champion, to cross-check evaluation.json): {top}" if top else "")
            + f". Interval: {g.get('interval_method') or '?'}; the process adds Python start and "
            f"{fmt_s(x.get('imports'))} of `jobs.gate` imports.")


def cause_pytest(results: dict[str, Any]) -> str:
    slow = (results.get("newcomer") or {}).get("pytest", {}).get("slowest", [])[:5]
    return "Slowest: " + "; ".join(f"`{t['test']}` {fmt_s(t['seconds'])} ({t['when']})" for t in slow) + "."


def cause_backtest(results: dict[str, Any]) -> str:
    bt = results.get("backtest") or {}
    run = (bt.get("runs") or {}).get("default") or {}
    alone = (bt.get("runs") or {}).get("configured")
    daily = (run.get("policies") or {}).get("every:1", {})
    return (f"The four policies replay one after another in one process; `every:1` alone retrains "
            f"{daily.get('retrains', '?')} times, each a fit on all history so far and a gate on its holdout, "
            "and that is most of the time" + (f": the configured policy alone took {fmt_s(alone['wall'])}"
                                              if alone else "") + ". Pass `--policy configured` (or the policies "
            "you want to compare) for a quick answer.")


CAUSES: dict[str, Callable[[dict[str, Any]], str]] = {
    "backtest_default": cause_backtest,
    "gate": cause_gate,
    "newcomer_pytest": cause_pytest,
    "check": cause_check,
    "noop": cause_noop,
    "mlflow": cause_mlflow,
    "repro_noop": cause_repro,
}


def loop_order(item: tuple[str, dict[str, Any]]) -> tuple[bool, str, int]:
    """Loop cases: the baked default estimator first, then by estimator and rows."""
    v = item[1]
    return (not v.get("default_estimator", True), str(v.get("estimator", "")), int(v["rows"]))


def fmt_s(x: float | None) -> str:
    return "–" if x is None else (f"{x:.2f} s" if x < 10 else f"{x:.1f} s")


def fmt_range(run: dict[str, Any] | None) -> str:
    """Median of a repeated figure with its range, e.g. `3.10 s (2.52-3.41 s, 5 runs)` (an en dash)."""
    if not run:
        return "–"
    walls = run.get("walls") or [run["wall"]]
    if len(walls) < 2:
        return fmt_s(run["wall"])
    return f"{fmt_s(run['wall'])} ({min(walls):.2f}–{max(walls):.2f} s, {len(walls)} runs)"


def cpu_and_load(x: dict[str, Any]) -> str:
    """``; CPU 2.9 min, load 1.04`` for a newcomer figure that has them (older results do not)."""
    parts = ([f"CPU {x['cpu'] / 60:.1f} min"] if x.get("cpu") is not None else []) + (
        [f"load {x['load']:.2f}"] if x.get("load") is not None else [])
    return "; " + ", ".join(parts) if parts else ""


def fmt_mb(x: float | None) -> str:
    return "–" if x is None else (f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB")


def fmt_rows(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue 5: measured value, met or not."""
    rows: list[dict[str, Any]] = []

    def add(key: str, name: str, target: str, measured: str, met: bool | None) -> None:
        rows.append({"key": key, "name": name, "target": target, "measured": measured, "met": met})

    check = (results.get("check") or {}).get("cases") or {}
    if check:
        first = next(iter(check.values()))
        base = first.get("baseline_pyc")
        new = first["new_pyc"]
        quiet = all(not c["new_pyc"]["retrain"] for c in check.values())
        add("check", f"daily check job as retrain.yml runs it ({first['history_days']} d × "
            f"{first['rows_per_day']} rows/day, bytecode compiled)", "≤ 5 s",
            f"{fmt_range(new)}" + (f" (was {fmt_range(base)} at `{results['check']['baseline']}`)"
                                       if base else "") + ("" if quiet else " (a trigger fired!)"),
            new["wall"] <= 5 and quiet)
        add("check_nopyc", "the same without bytecode (PYTHONDONTWRITEBYTECODE, no .pyc)", "reported",
            f"{fmt_range(first['new_nopyc'])}" + (f" (was {fmt_range(first['baseline_nopyc'])})"
                                                     if first.get("baseline_nopyc") else ""), True)
        # Issue 23: the check against the floor, measured beside it, in a venv of the runtime lock.
        lock = results["check"].get("lock", "requirements.lock")
        for key, c in check.items():
            for variant, limit, how in (("new_pyc", 2.0, "bytecode compiled"), ("new_nopyc", 2.5, "no bytecode")):
                run = c.get(variant)
                if not run or "ratio" not in run:
                    continue
                lo, hi = run["ratio_range"]
                targeted = c["rows_per_day"] == 300  # the issue's targets: 30 days and 3 years at 300 rows/day
                add(f"check_floor_{key}_{variant}",
                    f"daily check ÷ import floor, {c['history_days']} d × {c['rows_per_day']} rows/day, {how} "
                    f"(`{lock}`)", f"≤ {limit:g} ×" if targeted else "reported",
                    f"×{run['ratio']:.2f} (×{lo:.2f}–×{hi:.2f}; floor {fmt_s(run['floor'])})",
                    run["ratio"] <= limit if targeted else True)
        # The target is the path as the workflows run it: the setup action compiles bytecode.
        for variant, how, limit in (("pyc", "bytecode compiled", 0.5), ("nopyc", "no bytecode", None)):
            load = (results["check"].get("model_load_import") or {}).get(variant)
            if load:
                add(f"model_load_import_{variant}", f"import of the model-loading path on top of the floor, {how}",
                    f"≤ {limit} s" if limit else "reported",
                    f"{fmt_s(load['wall'])} ({fmt_s(load['range'][0])}–{fmt_s(load['range'][1])})",
                    load["wall"] <= limit if limit else True)
        for key, c in list(check.items())[1:]:
            ratio = c["new_pyc"]["wall"] / new["wall"]
            was = (f"; was ×{c['baseline_pyc']['wall'] / base['wall']:.2f} ({fmt_s(c['baseline_pyc']['wall'])})"
                   if base and c.get("baseline_pyc") else "")
            add(f"check_growth_{key}", f"daily check at {c['history_days']} d × {c['rows_per_day']} rows/day",
                "≤ 1.2 × the first case", f"{fmt_range(c['new_pyc'])} (×{ratio:.2f}){was}", ratio <= 1.2)
    backtest = results.get("backtest")
    if backtest:
        for name, run in backtest["runs"].items():
            policies = ", ".join(f"{k} {v['retrains']} retrains" for k, v in run["policies"].items())
            add(f"backtest_{name}", f"backtest of {backtest['days']} days at {backtest['rows_per_day']} rows/day, "
                f"{'the default policies' if name == 'default' else name + ' policy alone'}",
                "≤ 60 s" if backtest["days"] >= 365 else "reported",
                f"{fmt_range(run)}, peak {fmt_mb(run['peak_rss_mb'])} ({policies})",
                run["wall"] <= 60 if backtest["days"] >= 365 else True)
    noop = results.get("noop") or {}
    if noop:
        worst = max(v["wall"] for v in noop.values())
        quiet = all(not v["retrain"] for v in noop.values())
        add("noop", "daily no-op decide", "≤ 10 s", fmt_s(worst) + ("" if quiet else " (a trigger fired!)"),
            worst <= 10 and quiet)
        if len(noop) > 1:
            keys = sorted(noop, key=int)
            lo, hi = noop[keys[0]], noop[keys[-1]]
            ratio = hi["wall"] / lo["wall"]
            add("noop_growth", "no-op vs history size", "flat (reference fixed)",
                f"{keys[0]} d {fmt_s(lo['wall'])} → {keys[-1]} d {fmt_s(hi['wall'])} (×{ratio:.2f})", ratio <= 1.25)
    loop = results.get("loop") or {}
    for key, v in sorted(loop.items(), key=loop_order):
        if v["rows"] >= 100_000:
            outside = v["total_wall"] - v["fit_seconds"]
            add(f"loop_{key}", f"retrain loop {fmt_rows(v['rows'])} rows, {v.get('estimator', 'default')}: "
                "time outside fitting (share)", "≤ 10 s",
                f"{fmt_s(outside)} of {fmt_s(v['total_wall'])} ({v['non_fit_share']:.0%} outside fitting; "
                f"fit {fmt_s(v['fit_seconds'])})", outside <= 10)
    if loop:
        worst = max(loop.values(), key=lambda v: v["repro_noop"]["wall"])
        add("repro_noop", "dvc repro, nothing changed", "≤ 3 s",
            f"{fmt_s(worst['repro_noop']['wall'])} (at {fmt_rows(worst['rows'])})",
            worst["repro_noop"]["wall"] <= 3 and all(v["repro_noop_up_to_date"] for v in loop.values()))
        ml = next((v["mlflow_log"] for v in loop.values() if "mlflow_log" in v), None)
        if ml:
            add("mlflow", "log model to MLflow (log + register + alias)", "≤ 3 s",
                f"{fmt_s(ml['log_and_register'])} call, +{fmt_s(ml['import_mlflow'])} `import mlflow`",
                ml["log_and_register"] <= 3)
    drift = results.get("drift")
    if drift:
        pairs = drift["pairs"]
        worst_call = max(p["project"]["call"] for p in pairs.values())
        worst_wall = max(p["project"]["wall"] for p in pairs.values())
        worst_mem = max(p["project"]["peak_rss_mb"] for p in pairs.values())
        rows_label = f"{fmt_rows(drift['rows'])} × 20"
        add("drift_time", f"drift {rows_label}: time", "≤ 15 s",
            f"{fmt_s(worst_call)} call; {fmt_s(worst_wall)} process incl. imports", worst_call <= 15)
        add("drift_mem", f"drift {rows_label}: peak memory", "≤ 2 GB", fmt_mb(worst_mem), worst_mem <= 2048)
        speed = min(p["speedup_call"] for p in pairs.values())
        speed_wall = min(p["speedup_wall"] for p in pairs.values())
        add("drift_speedup", "drift vs full-data Evidently", "≥ 5× faster",
            f"×{speed:.1f} (call), ×{speed_wall:.1f} (process)", speed >= 5)
        verdicts = ", ".join(f"{name}: {'drift' if p['project']['dataset_drift'] else 'no drift'}"
                             f"/{'drift' if p['evidently']['dataset_drift'] else 'no drift'}"
                             for name, p in pairs.items())
        add("drift_verdict", "same dataset-drift verdict (project/Evidently)", "both pairs", verdicts,
            all(p["same_verdict"] for p in pairs.values()))
    setup = (results.get("setup") or {}).get("cases") or {}
    for key, case in setup.items():
        variants = case["variants"]
        main_name = "compile" if "compile" in variants else next(iter(variants))
        v = variants[main_name]
        add(f"setup_{key}", f"setup from a warm cache as the check job runs it ({case['history_days']} d × "
            f"{case['rows_per_day']} rows/day{'' if main_name == 'compile' else ', ' + main_name})", "≤ 10 s",
            f"{fmt_range({'wall': v['setup'], 'walls': v['setups']})} (+ {fmt_s(v['python'])} fresh Python; "
            f"then the first step {fmt_s(v['first_step'])})", v["setup"] <= 10)
        for nopyc in ("", "+nopyc"):
            with_c, without = variants.get("compile" + nopyc), variants.get("nocompile" + nopyc)
            if with_c and without:
                step = next((st["wall"] for st in with_c["steps"] if st.get("wall") is not None
                             and "compile" in st["name"].lower()), None)
                add(f"setup_bytecode_{key}{nopyc}", f"the setup's bytecode step, {case['history_days']} d, "
                    + ("PYTHONDONTWRITEBYTECODE=1 on the runner" if nopyc else "hosted runner (no "
                       "PYTHONDONTWRITEBYTECODE)"), "reported",
                    f"costs {fmt_s(step)} in setup; first step {fmt_s(with_c['first_step'])} with it, "
                    f"{fmt_s(without['first_step'])} without (setup + first step "
                    f"{fmt_s(with_c['setup'] + with_c['first_step'])} vs "
                    f"{fmt_s(without['setup'] + without['first_step'])})", True)
    gate = results.get("gate")
    if gate:
        add("gate", f"gate at {gate['holdout_rows']:,} holdout rows", "≤ 2 s",
            f"{fmt_s(gate['probe']['call'])} `run_gate` call ({fmt_s(gate['probe'].get('call_warm'))} again); "
            f"{fmt_s(gate['command']['wall'])} `gate` process"
            + (f" ({gate['interval_method']})" if gate.get("interval_method") else ""), gate["probe"]["call"] <= 2)
    newcomer = results.get("newcomer")
    if newcomer:
        claims = newcomer.get("claims") or {}
        for key, name, claim in (("demo.sh", "`scripts/demo.sh` from a fresh clone", claims.get("demo.sh")),
                                 ("demo", "the baked `demo`", claims.get("demo"))):
            x = newcomer[key]
            limit = claim["minutes"] * 60 if claim else None
            add(f"newcomer_{key}", name, f"README: {claim['text']}" if claim else "README states no time",
                f"{fmt_s(x['wall'])} ({x['wall'] / 60:.1f} min{cpu_and_load(x)})", limit is None or x["wall"] <= limit)
        if "report" in newcomer:
            x = newcomer["report"]
            add("newcomer_report", "the baked `report` after the first `gate` (figures, card, MLflow)", "reported",
                f"{fmt_s(x['wall'])}{cpu_and_load(x)}", True)
        x, claim = newcomer["pytest"], claims.get("pytest")
        limit = claim["minutes"] * 60 if claim else 120
        add("newcomer_pytest", "the baked project's `pytest` (default tier)",
            f"README: {claim['text']}" if claim else "< 2 min",
            f"{fmt_s(x['wall'])} ({x['summary']}{cpu_and_load(x)})"
            + (f"; again {fmt_s(x['again'])}" if x.get("again") else ""), x["wall"] <= limit)
    inst = results.get("install")
    if inst and "uv-warm" in inst:
        add("install_warm", "environment from lockfile, uv warm cache", "≤ 10 s", fmt_s(inst["uv-warm"]["wall"]),
            inst["uv-warm"]["wall"] <= 10)
    for row in rows:
        if row["key"].startswith("loop_") and row["key"].removeprefix("loop_") in loop:
            row["cause"] = "" if row["met"] else cause_loop(results, row["key"].removeprefix("loop_"))
            continue
        if row["key"].startswith("setup_") and not row["key"].startswith("setup_bytecode_"):
            row["cause"] = "" if row["met"] else cause_setup(results, row["key"].removeprefix("setup_"))
            continue
        if row["key"].startswith("check_growth_"):
            row["cause"] = "" if row["met"] else cause_check(results, row["key"].removeprefix("check_growth_"))
            continue
        explain = CAUSES.get(row["key"])
        row["cause"] = "" if row["met"] or explain is None else explain(results)
    return rows


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return [f"| {' | '.join(headers)} |", f"|{'|'.join('---' for _ in headers)}|",
            *(f"| {' | '.join(r)} |" for r in rows)]


SCALE_RESULTS = TEMPLATE / "docs" / "benchmarks-scale.json"


def scale_section() -> str | None:
    """bench/scale.py's section (local against Dask, the memory ceiling) from its saved run, if there is one."""
    if not SCALE_RESULTS.exists():
        return None
    sys.path.insert(0, str(HERE))
    try:
        from scale import render
    finally:
        sys.path.remove(str(HERE))
    return render(json.loads(SCALE_RESULTS.read_text()))


DECISIONS_RESULTS = TEMPLATE / "bench" / "results" / "decisions.json"
DECISIONS_NOTES = HERE / "decisions_notes.md"  # what the saved run shows, written from it by hand


def decisions_section() -> str | None:
    """bench/decisions.py's section (decision quality on streams with known changes) from its saved run."""
    if not DECISIONS_RESULTS.exists():
        return None
    sys.path.insert(0, str(HERE))
    try:
        from decisions import render
    finally:
        sys.path.remove(str(HERE))
    notes = DECISIONS_NOTES.read_text() if DECISIONS_NOTES.exists() else ""
    return render(json.loads(DECISIONS_RESULTS.read_text())).rstrip("\n") + ("\n\n" + notes if notes else "\n")


def render_markdown(cfg: Config, results: dict[str, Any], plot_name: str | None) -> str:
    m = results["machine"]
    libs = m.get("libraries", {})
    lines = [
        "# Benchmarks",
        "",
        "What the retrain loop of the baked default project costs, how it grows with data, and how close it",
        "is to the floor. Produced by `python bench/run.py --full` (CI runs `--smoke`); every figure is the",
        "median of several runs, each command in a fresh process, wall time and peak RSS of its process tree.",
        "",
        f"Run: {m['date_utc']}, mode `{cfg.mode}`, {cfg.reps} repetition(s) per figure"
        + (f" ({cfg.heavy_reps} for the 1M-row loop, full-data Evidently and cold installs)"
           if cfg.heavy_reps != cfg.reps else "") + f", template commit `{m.get('template_commit')}`.",
        *[f"Sections {', '.join(r['sections'])} re-measured on {r['date_utc']}, template commit "
          f"`{r['template_commit']}`: `{r['command']}` (load average at start {r['load_average_start']})."
          for r in results.get("reruns", [])],
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu')}, {m['cores']} cores; RAM {m.get('ram_gb')} GB; {m['os']}",
        f"- load average at start {m['load_average_start']}, at end {m['load_average']} (1/5/15 min)",
        f"- Python {libs.get('python', '?')}; " + ", ".join(f"{k} {v}" for k, v in libs.items() if k != "python"),
        f"- {m.get('uv', 'uv ?')}",
        "",
        "How: the default project (classification, logistic regression, demo source, MLflow on a sqlite file) is",
        "baked and installed from `requirements.lock` into its own venv with compiled bytecode (the daily check runs",
        "in a second venv installed from `requirements-runtime.lock` alone, as the workflows' setup action installs",
        "it, and is compared with the import floor `python -c \"" + CHECK_FLOOR + "\"` measured after each run in the",
        "same venv and bytecode state); each command runs",
        "in a fresh wrapper process (`bench/_wrap.py`) and reports wall time and the peak RSS of its process tree",
        "(`getrusage(RUSAGE_CHILDREN).ru_maxrss`, i.e. the largest single process, not the sum). Commands run",
        "without `PYTHONDONTWRITEBYTECODE`: with it (as on this machine's default environment) every process",
        "recompiles every module it imports, which added seconds to each command in trial runs.",
        "",
        "## Targets",
        "",
    ]
    rows = targets(results)
    lines += table(["what", "target", "measured", "met", "gap and cause"],
                   [[r["name"], r["target"], r["measured"], "yes" if r["met"] else "**no**", r["cause"]]
                    for r in rows])
    notes = results.get("notes") or []
    if notes:
        lines += ["", *notes]
    check = results.get("check")
    if check and check.get("cases"):
        base = check.get("baseline")
        first = next(iter(check["cases"].values()))
        lines += ["", "## 0. The daily check job, as `retrain.yml` runs it", "",
                  "Every step of the `check` job after the setup action, read from the baked project's",
                  "`.github/workflows/retrain.yml` (so the figure cannot drift from what runs) and run as a runner",
                  "runs it: one `bash -eo pipefail` process per step, the workflow's `env:` evaluated for a scheduled",
                  "run with `vars.RETRAIN_AS_OF` set. The champion was trained on the whole history (default",
                  "`split.max_train_days: 0`) and committed the day after its data; the check runs 8 days later, past",
                  "the cooldown, before the demo's drift onset, so no trigger fires. Default params, except that",
                  "`decide.triggers.volume.min_new_rows` scales with rows per day (else at 30,000 rows/day every day",
                  "is a retrain day). *pyc*: the venv's compiled bytecode; *no pyc*: `PYTHONDONTWRITEBYTECODE=1`",
                  "and an empty `PYTHONPYCACHEPREFIX`, so every step compiles every module it imports. Each cell:"
                  f" the median of {cfg.check_reps} run(s) of the job, with the range when there are several."
                  + (f" *was*: the same job of template commit `{base}`, in the same run." if base else ""), ""]
        if "lock" in check:
            found = [m for m, ok in (check.get("importable") or {}).items() if ok]
            lines += [f"The check runs in a venv installed from `{check['lock']}` alone, as the setup action installs "
                      f"it ({'it can import ' + ', '.join(found) if found else 'no pytest, ruff, mypy or Dask in it'}); "
                      f"*÷ floor*: the job's wall over `python -c \"{check['floor']}\"` run right after each job in "
                      "the same venv and bytecode state (the median of the per-run ratios).", ""]
        lines += [f"Steps now: {', '.join(f'`{n}`' for n in first['steps_new'])}."]
        if base:
            lines += [f"Steps at `{base}`: {', '.join(f'`{n}`' for n in first['steps_baseline'])}."]
        lines.append("")
        headers = ["history × rows/day", "now (pyc)", "now (no pyc)"]
        if base:
            headers += ["was (pyc)", "was (no pyc)"]
        headers += ["÷ floor now (pyc / no pyc)", "per step now (pyc)", "decision", "HTML"]
        body = []

        def over_floor(run: dict[str, Any] | None) -> str:
            return f"×{run['ratio']:.2f}" if run and "ratio" in run else "–"

        for c in check["cases"].values():
            row = [f"{c['history_days']} d × {c['rows_per_day']:,}", f"**{fmt_range(c['new_pyc'])}**",
                   fmt_range(c["new_nopyc"])]
            if base:
                row += [fmt_range(c.get("baseline_pyc")), fmt_range(c.get("baseline_nopyc"))]
            row += [f"{over_floor(c.get('new_pyc'))} / {over_floor(c.get('new_nopyc'))}"]
            row += [", ".join(fmt_s(s["wall"]) for s in c["new_pyc"]["steps"]),
                    ("retrain" if c["new_pyc"]["retrain"] else "no retrain") + f" ({len(c['new_pyc']['evaluated'])}"
                    " triggers evaluated)", "yes" if c["new_pyc"]["html"] else "no"]
            body.append(row)
        lines += table(headers, body)
        if base:
            lines += ["", f"Per step at `{base}` (pyc):", ""]
            lines += table(["history × rows/day", *check["cases"][next(iter(check["cases"]))]["steps_baseline"]],
                           [[f"{c['history_days']} d × {c['rows_per_day']:,}",
                             *(fmt_s(s["wall"]) for s in c["baseline_pyc"]["steps"])]
                            for c in check["cases"].values() if c.get("baseline_pyc")])
    noop = results.get("noop")
    if noop:
        lines += ["", "## 1. Daily no-op check (`decide`, no trigger fires)", "",
                  f"Champion trained on {NOOP_TRAIN_DAYS} days before the 7-day holdout "
                  f"(`split.max_train_days: {NOOP_TRAIN_DAYS}`), then 8 new days of demo data",
                  "(300 rows/day, before the drift onset); `decide --now` past the cooldown. Every trigger is",
                  "evaluated (none fires, so nothing short-circuits): age, volume (Parquet metadata only), decay",
                  "(loads the champion, scores the newest windows) and drift (Evidently on the "
                  f"{NOOP_TRAIN_DAYS}-day reference,",
                  "sampled to `drift.sample_cap`).", ""]
        lines += table(["history", "raw rows on disk", "reference read", "decide wall", "peak RSS",
                        "decide without drift trigger", "triggers", "ingest 1 new day"],
                       [[f"{k} days", f"{v['raw_rows']:,}", "..".join(v["reference_range"] or []),
                         f"**{fmt_s(v['wall'])}**", fmt_mb(v["peak_rss_mb"]),
                         fmt_s(v["without_drift_trigger"]["wall"]) if "without_drift_trigger" in v else "–",
                         ", ".join(f"{n} {s}" for n, s in v["triggers"].items()),
                         f"{fmt_s(v['ingest_one_day']['wall'])}"]
                        for k, v in sorted(noop.items(), key=lambda kv: int(kv[0]))])
    loop = results.get("loop")
    if loop:
        lines += ["", "## 2. Full retrain loop", "",
                  f"{LOOP_DAYS} days of demo data; the champion (on `main`) was trained on the first "
                  f"{LOOP_DAYS - LOOP_NEW_DAYS}; the loop ingests",
                  f"the {LOOP_NEW_DAYS} new days, validates the window, runs `decide --force --all-triggers` "
                  "(every trigger evaluated:",
                  "the worst case), `dvc repro` (ingest, validate, split, train with MLflow logging, evaluate",
                  "candidate and champion), `gate` and `report`. *Fit only* is",
                  "`train.fit(params, frame)` on the same training split in its own process (imports and Parquet",
                  "read excluded); everything else is *outside fitting*. Each case runs with the baked default",
                  "estimator and with the others of `--loop-estimators` (`model.estimator` set, `model.params: {}`,",
                  "i.e. that estimator's own defaults; the champion is the same estimator).", ""]
        steps = ["ingest", "validate", "decide", "dvc repro", "gate", "report"]
        ordered = [v for _, v in sorted(loop.items(), key=loop_order)]
        lines += table(["rows", "estimator", "runs", *steps, "total", "peak RSS", "fit only", "outside fit",
                        "share outside"],
                       [[fmt_rows(v["rows"]), f"`{v.get('estimator', 'default')}`", str(v["reps"]),
                         *(fmt_s(v["steps"][s]["wall"]) for s in steps),
                         f"**{fmt_s(v['total_wall'])}**", fmt_mb(v["peak_rss_mb"]), fmt_s(v["fit_seconds"]),
                         f"**{fmt_s(v['total_wall'] - v['fit_seconds'])}**", f"{v['non_fit_share']:.0%}"]
                        for v in ordered])
        lines += ["", "Peak RSS per step:", ""]
        lines += table(["rows", "estimator", *steps, "fit-only process"],
                       [[fmt_rows(v["rows"]), f"`{v.get('estimator', 'default')}`",
                         *(fmt_mb(v["steps"][s]["peak_rss_mb"]) for s in steps),
                         fmt_mb(v["fit_only"]["peak_rss_mb"])]
                        for v in ordered])
        if plot_name:
            lines += ["", f"![cost against data size]({plot_name})"]
        for v in loop.values():
            if "stages" not in v:
                continue
            lines += ["", f"Where the time outside fitting goes, at {fmt_rows(v['rows'])} rows:"
                      " each stage's command run "
                      "on its own, in a fresh process (1 run), next to the fixed cost of starting Python with the",
                      "imports a stage needs:", ""]
            lines += table(["command", "wall", "peak RSS"],
                           [[f"`{k}`", fmt_s(s["wall"]), fmt_mb(s["peak_rss_mb"])] for k, s in v["stages"].items()])
        lines += ["", "## 5. `dvc repro` with nothing changed, and logging a model to MLflow", ""]
        lines += table(["rows", "estimator", "dvc repro (no-op)", "up to date", "peak RSS"],
                       [[fmt_rows(v["rows"]), f"`{v.get('estimator', 'default')}`", fmt_s(v["repro_noop"]["wall"]),
                         "yes" if v["repro_noop_up_to_date"] else "**no**", fmt_mb(v["repro_noop"]["peak_rss_mb"])]
                        for v in ordered])
        ml = next((v for v in loop.values() if "mlflow_log" in v), None)
        if ml:
            x = ml["mlflow_log"]
            lines += ["", f"MLflow, on the {fmt_rows(ml['rows'])}-row model, sqlite store: "
                      f"`tracking.log_training_run` (explicit `pip_requirements`, skops, register + alias "
                      f"`challenger`), first call in a fresh process (what the train stage pays) "
                      f"**{fmt_s(x['log_and_register'])}**; the same call again in that process "
                      f"{fmt_s(x['log_and_register_warm'])}, without registering {fmt_s(x['log_only_warm'])}; "
                      f"`import mlflow` {fmt_s(x['import_mlflow'])}; whole process "
                      f"{fmt_s(x['wall'])}, peak {fmt_mb(x['peak_rss_mb'])}."]
    drift = results.get("drift")
    if drift:
        lines += ["", f"## 3. Drift on {drift['rows']:,} rows × 20 columns (15 numeric, 5 categorical)", "",
                  "Reference and current frames of the same size, built seeded by `bench/probes/drift_frames.py`:",
                  "*same* = same distributions, other seed; *drift* = 12 of 15 numeric and 4 of 5 categorical columns",
                  "changed. *project* = `drift.compute_drift` (params.yaml's drift section: seeded sample to",
                  "`sample_cap` rows, explicit `DataDefinition`); *Evidently* = `Report([DataDriftPreset()])` on the",
                  "full frames with an explicit `DataDefinition`. Each in a fresh process; *call* is the drift call",
                  "alone, *process* includes Python start, imports (Evidently's alone is several seconds) and reading",
                  "the Parquet frames.", ""]
        body = []
        for name, p in drift["pairs"].items():
            for method in ("project", "evidently"):
                x = p[method]
                body.append([name, method, f"{x['n']}", fmt_s(x["call"]), fmt_s(x["wall"]), fmt_mb(x["peak_rss_mb"]),
                             f"{x['drifted_share']:.0%}", "drift" if x["dataset_drift"] else "no drift",
                             f"×{p['speedup_call']:.1f} / ×{p['speedup_wall']:.1f}" if method == "project" else ""])
        lines += table(["pair", "method", "runs", "call", "process", "peak RSS", "drifted share", "verdict",
                        "speed-up call / process"], body)
    inst = results.get("install")
    if inst:
        lines += ["", f"## 4. Environment from the lockfile ({inst['packages']} pinned packages)", "",
                  "A fresh venv each time, `requirements.lock` only. *uv warm*: the machine's uv cache; *uv cold*:",
                  "an empty `UV_CACHE_DIR` (downloads everything); *uv warm + compile*: `--compile-bytecode` (what",
                  "the benchmark's own venv uses; pip compiles by default, uv does not); *pip*: `python -m venv` +",
                  "`pip install --no-cache-dir -r requirements.lock`.", ""]
        lines += table(["method", "runs", "wall", "peak RSS"],
                       [[k, str(v["n"]), fmt_s(v["wall"]), fmt_mb(v["peak_rss_mb"])]
                        for k, v in inst.items() if isinstance(v, dict)])
    setup = results.get("setup")
    if setup and setup.get("cases"):
        lines += ["", "## 6. Setup from a warm cache (what every job pays before its first step)", "",
                  "The `run:` steps of `.github/actions/setup/action.yml`, read from the baked file with the inputs",
                  "the check job passes (`retrain.yml`), each a `bash -eo pipefail` process seeing what earlier steps",
                  "wrote to `$GITHUB_ENV`, in a fresh `git clone` of a project whose champion was pushed to a local",
                  "DVC remote (the `DVC_REMOTE_CONFIG` secret points `.dvc/config.local` at it). The runner's Python",
                  "is a fresh `uv venv` with nothing installed (the stand-in for `actions/setup-python`, shown apart);",
                  "uv's cache is this machine's, warm (what `astral-sh/setup-uv` restores: its download from GitHub's",
                  "cache is not measured here). Then the job's first step (the check) in the same environment.",
                  "Variants: *compile* = the action as written (its bytecode step imports what the check imports,",
                  "so their `.pyc` files are written once); *nocompile* = that step left out; *+nopyc* =",
                  "`PYTHONDONTWRITEBYTECODE=1` on the runner (self-hosted runners, sandboxes), which the bytecode",
                  "step clears for later steps through `$GITHUB_ENV`. Median of the runs, range in parentheses.", ""]
        for case in setup["cases"].values():
            variants = case["variants"]
            names = [st["name"] for st in next(iter(variants.values()))["steps"]]
            lines += [f"{case['history_days']} days × {case['rows_per_day']} rows/day ({case['raw_rows']:,} raw "
                      f"rows); `dvc pull` targets: `{case['inputs'].get('dvc-pull-targets') or 'everything'}`:", ""]
            lines += table(["step", *variants],
                           [["fresh Python (`uv venv`, stand-in)", *(fmt_s(v["python"]) for v in variants.values())]]
                           + [[n, *(fmt_s(v["steps"][i]["wall"]) if v["steps"][i]["wall"] is not None
                                    else f"– ({v['steps'][i]['note']})" for v in variants.values())]
                              for i, n in enumerate(names)]
                           + [["**setup (sum of the run steps)**",
                               *(f"**{fmt_range({'wall': v['setup'], 'walls': v['setups']})}**"
                                 for v in variants.values())],
                              [f"then the first step ({next(iter(variants.values()))['first_step_name']})",
                               *(fmt_range({"wall": v["first_step"], "walls": v["first_steps"]})
                                 for v in variants.values())],
                              ["pulled into the DVC cache", *(f"{v['pulled_mb']} MB" for v in variants.values())]])
            lines.append("")
    gate = results.get("gate")
    if gate:
        lines += ["", f"## 7. The gate at {gate['holdout_rows']:,} holdout rows", "",
                  f"A project whose holdout ({gate['rows_per_day']:,} rows/day) has {gate['holdout_rows']:,} rows: a",
                  "champion trained on one day (`split.max_train_days: 1`), one more day, `dvc repro` (the candidate",
                  f"trained, both models scored on the holdout; {fmt_s(gate['repro'])}), then the gate. *process*:",
                  "the `gate` command in a fresh process (what the `gate-step` of the retrain job runs);",
                  "*call*: `jobs.gate.run_gate` timed inside a fresh process (`bench/probes/gate_probe.py`),",
                  "imports apart: the first call, as `gate` makes it; *call again*: the same call in that process",
                  "(without the first call's lazy imports).", ""]
        if gate["probe"].get("profile"):
            lines += ["Where the call again goes (cProfile, cumulative): "
                      + ", ".join(f"`{n}` {fmt_s(sec)}" for n, sec in gate["probe"]["profile"]) + ".", ""]
        lines += table(["runs", "call", "call again", "imports", "process", "peak RSS", "interval", "verdict"],
                       [[str(gate["command"]["n"]), f"**{fmt_s(gate['probe']['call'])}**",
                         fmt_s(gate["probe"].get("call_warm")),
                         fmt_s(gate["probe"].get("imports")), fmt_range(gate["command"]),
                         fmt_mb(gate["command"]["peak_rss_mb"]), str(gate.get("interval_method") or "–"),
                         "promote" if gate.get("promote") else "reject"]])
    newcomer = results.get("newcomer")
    if newcomer:
        claims = newcomer.get("claims") or {}
        lines += ["", "## 8. Newcomer paths", "",
                  "`scripts/demo.sh` from a fresh `git clone` of the template (commit "
                  f"`{newcomer['demo.sh']['commit']}`;",
                  "it bakes with `uvx cookiecutter`, installs the lockfile with uv's warm cache, runs `dvc repro` and",
                  "the baked `demo`), then in the project it made: the baked `demo` again, and plain `pytest -q",
                  "--durations=15` (the default tier: the baked `addopts` deselect `slow`). One run each.", ""]
        body = []
        for key, what in (("demo.sh", "`scripts/demo.sh`"), ("demo", "baked `demo`"), ("gate", "baked `gate`"),
                          ("report", "baked `report`"), ("pytest", "baked `pytest`")):
            if key not in newcomer:
                continue  # results from before gate and report were measured here
            x, c = newcomer[key], claims.get(key)
            again = f"; again {fmt_s(x['again'])}" if x.get("again") else ""
            body.append([what, f"**{fmt_s(x['wall'])}** ({x['wall'] / 60:.1f} min{again})",
                         fmt_s(x.get("cpu")), "–" if x.get("load") is None else f"{x['load']:.2f}",
                         fmt_mb(x["peak_rss_mb"]), f"\"{c['text']}\" (README line {c['line']})" if c else "–"])
        lines += table(["path", "wall", "CPU (user + system)", "load at start", "peak RSS", "README says"], body)
        slow = newcomer["pytest"].get("slowest") or []
        if slow:
            lines += ["", f"`pytest` ({newcomer['pytest']['summary']}), slowest:", ""]
            lines += table(["test", "phase", "seconds"], [[f"`{t['test']}`", t["when"], f"{t['seconds']:.2f}"]
                                                          for t in slow])
    scale = scale_section()
    if scale:
        lines += ["", scale.rstrip("\n")]
    decisions = decisions_section()
    if decisions:
        lines += ["", decisions.rstrip("\n")]
    skipped = results.get("skipped") or {}
    if skipped:
        lines += ["", "## Skipped in this mode", "", *(f"- {k}: {v}" for k, v in skipped.items())]
    missing = results.get("not_measured") or []
    if missing:
        lines += ["", "## Not measured in this run", "", *(f"- {x}" for x in missing)]
    lines += ["", f"Raw figures (every repetition): [`{results.get('raw_path', 'benchmarks.json')}`]"
              f"({results.get('raw_path', 'benchmarks.json')}); logs of every command stay in the work directory "
              "with `--keep`.", ""]
    return "\n".join(lines)


def plot(python: str, raw: Path, path: Path) -> bool:
    """Draw the PNG with the baked venv's matplotlib (MLflow brings it): the harness needs only
    the template's dev requirements (cookiecutter, pyyaml)."""
    result = subprocess.run([python, str(HERE / "plot.py"), str(raw), str(path)], cwd=HERE, capture_output=True,
                            text=True, check=False)
    if result.returncode not in (0, 3):
        raise RuntimeError(f"plot failed: {result.stderr[-2000:]}")
    return result.returncode == 0


def print_table(results: dict[str, Any]) -> None:
    rows = targets(results)
    width = max((len(r["name"]) for r in rows), default=10)
    print()
    print(f"{'what':<{width}}  {'target':<24} {'met':<4} measured")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['target']:<24} {'yes' if r['met'] else 'NO':<4} {r['measured']}")
    loop = results.get("loop") or {}
    if loop:
        print()
        print(f"{'rows':>8} {'loop wall':>10} {'fit':>8} {'outside':>8} {'peak':>9} {'repro no-op':>11}  estimator")
        for _, v in sorted(loop.items(), key=loop_order):
            print(f"{fmt_rows(v['rows']):>8} {v['total_wall']:>9.1f}s {v['fit_seconds']:>7.2f}s "
                  f"{v['non_fit_share']:>7.0%} {fmt_mb(v['peak_rss_mb']):>9} {v['repro_noop']['wall']:>10.2f}s  "
                  f"{v.get('estimator', '')}")


# ----------------------------------------------------------------------------- main


def parse(argv: list[str] | None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--full", action="store_true", help="all sizes, 3 repetitions (default)")
    mode.add_argument("--smoke", action="store_true", help="smallest sizes, 1 repetition, no cold/pip installs")
    p.add_argument("--reps", type=int, help="repetitions per figure (full 3, smoke 1)")
    p.add_argument("--heavy-reps", type=int,
                   help="repetitions for the 1M-row loop, full-data Evidently and cold/pip installs (full 1, smoke 1)")
    p.add_argument("--sizes", help="loop sizes in rows, comma-separated (full 10000,100000,1000000; smoke 10000)")
    p.add_argument("--history", help="no-op history lengths in days (full 30,180; smoke 30)")
    p.add_argument("--check-cases", help="check job cases DAYSxROWS_PER_DAY, comma-separated "
                   "(full 30x300,1095x300,30x30000; smoke 30x300)")
    p.add_argument("--baseline", help="git ref of the template whose check job is measured beside this one "
                   "(full: main; smoke: none)")
    p.add_argument("--check-reps", type=int, help="repetitions per check case (full 5, smoke 1)")
    p.add_argument("--loop-estimators", help="model.estimator per loop case, comma-separated; `default` is the "
                   "baked one (full default,hist_gradient_boosting; smoke default)")
    p.add_argument("--setup-cases", help="setup section cases DAYSxROWS_PER_DAY (what dvc pull fetches; "
                   "full 30x300,1095x300; smoke 30x300)")
    p.add_argument("--setup-variants", help="setup runs: compile,compile+nopyc,nocompile,nocompile+nopyc "
                   "(compile: the action's bytecode step kept; nopyc: PYTHONDONTWRITEBYTECODE=1 on the runner; "
                   "full all four, smoke compile)")
    p.add_argument("--gate-rows", type=int, help="holdout rows of the gate section (full 1000000; smoke 0 = skipped)")
    p.add_argument("--drift-rows", type=int, help="rows per drift frame (full 1000000; smoke 5000)")
    p.add_argument("--breakdown-rows", type=int,
                   help="loop size at which each stage is also timed alone (full 100000; smoke 0 = off)")
    p.add_argument("--only", help=f"comma-separated sections to run ({', '.join(SECTIONS)})")
    p.add_argument("--skip", help="comma-separated sections to skip")
    p.add_argument("--out-dir", type=Path, help="where benchmarks.md/.png/.json go (full: docs/; smoke: the work dir)")
    p.add_argument("--work", type=Path, help="scratch directory (default: a new temporary directory)")
    p.add_argument("--backtest-days", type=int, help="days the backtest section replays (full 365; smoke 30)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--venv", type=Path, help="reuse this venv for the baked project (created if missing)")
    p.add_argument("--render", type=Path, metavar="RESULTS_JSON",
                   help="only rewrite benchmarks.md (+ png) from a saved benchmarks.json, measuring nothing")
    a = p.parse_args(argv)
    full = bool(a.full)
    bad = [v for v in (a.setup_variants or "").split(",") if v and v not in SETUP_VARIANTS]
    if bad:
        p.error(f"unknown setup variant(s): {', '.join(bad)} (choose from {', '.join(SETUP_VARIANTS)})")
    reps = a.reps or (3 if full else 1)
    heavy_reps = a.heavy_reps or (1 if full else reps)
    sections = [s for s in (a.only.split(",") if a.only else SECTIONS)]
    sections = [s for s in sections if s not in (a.skip.split(",") if a.skip else [])]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    work = a.work or Path(tempfile.mkdtemp(prefix="retrain-bench-"))
    out = a.out_dir or (TEMPLATE / "docs" if full else work / "out")
    return Config(
        mode="full" if full else "smoke",
        reps=reps,
        heavy_reps=heavy_reps,
        loop_sizes=[int(x) for x in (a.sizes or ("10000,100000,1000000" if full else "10000")).split(",")],
        noop_history=[int(x) for x in (a.history or ("30,180" if full else "30")).split(",")],
        drift_rows=a.drift_rows or (1_000_000 if full else 5_000),
        installs=["uv-warm", "uv-warm-compile", "uv-cold", "pip"] if full else ["uv-warm"],
        breakdown_rows=a.breakdown_rows if a.breakdown_rows is not None else (100_000 if full else 0),
        sections=sections,
        out_dir=out,
        work=work,
        keep=a.keep or a.work is not None,
        venv=a.venv.resolve() if a.venv else None,
        check_cases=[(int(d), int(r)) for d, r in (c.split("x") for c in (
            a.check_cases or ("30x300,1095x300,30x30000" if full else "30x300")).split(","))],
        baseline=a.baseline if a.baseline is not None else ("main" if full else None),
        check_reps=a.check_reps or (5 if full else 1),
        backtest_days=a.backtest_days or (365 if full else 30),
        loop_estimators=(a.loop_estimators or ("default,hist_gradient_boosting" if full else "default")).split(","),
        setup_cases=[(int(d), int(r)) for d, r in (c.split("x") for c in (
            a.setup_cases or ("30x300,1095x300" if full else "30x300")).split(","))],
        setup_variants=[SETUP_VARIANTS[v] for v in (
            a.setup_variants or (",".join(SETUP_VARIANTS) if full else "compile")).split(",")],
        gate_rows=a.gate_rows if a.gate_rows is not None else (1_000_000 if full else 0),
        newcomer=bool(a.only and "newcomer" in a.only.split(",")),
    )


def write_outputs(cfg: Config, b: Baked, results: dict[str, Any], load_start: list[float], started: float) -> None:
    results["machine"] = machine(b)
    results["machine"]["load_average_start"] = load_start
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    png = cfg.out_dir / "benchmarks.png"
    # Raw figures beside the markdown, except in docs/ (which holds only the page and its plot).
    raw = HERE / "results" / "benchmarks.json" if cfg.out_dir.resolve() == (TEMPLATE / "docs").resolve() \
        else cfg.out_dir / "benchmarks.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    results["raw_path"] = os.path.relpath(raw, cfg.out_dir)
    raw.write_text(json.dumps(results, indent=2, default=str) + "\n")
    has_plot = plot(b.runner.python, raw, png)
    (cfg.out_dir / "benchmarks.md").write_text(render_markdown(cfg, results, png.name if has_plot else None))


def render_only(argv: list[str]) -> int:
    """`run.py --render RESULTS.json [--out-dir DIR]`: rewrite the page (and plot) from saved figures,
    e.g. after editing CAUSES. Plots with this Python's matplotlib when it has one."""
    p = argparse.ArgumentParser()
    p.add_argument("--render", type=Path, required=True)
    p.add_argument("--out-dir", type=Path, default=TEMPLATE / "docs")
    a = p.parse_args(argv)
    results = json.loads(a.render.read_text())
    a.out_dir.mkdir(parents=True, exist_ok=True)
    c = results["config"]
    cfg = Config(mode=c["mode"], reps=c["reps"], loop_sizes=c["loop_sizes"], heavy_reps=c["heavy_reps"],
                 breakdown_rows=c.get("breakdown_rows", 0), noop_history=c["noop_history"],
                 drift_rows=c["drift_rows"], installs=c["installs"], sections=c["sections"], out_dir=a.out_dir,
                 work=Path(c["work"]), check_cases=[tuple(x) for x in c.get("check_cases", [])],
                 baseline=c.get("baseline"), check_reps=c.get("check_reps", c["reps"]),
                 loop_estimators=c.get("loop_estimators", ["default"]),
                 setup_cases=[tuple(x) for x in c.get("setup_cases", [])],
                 setup_variants=[tuple(x) for x in c.get("setup_variants", [])], gate_rows=c.get("gate_rows", 0),
                 backtest_days=c.get("backtest_days", 30))
    png = a.out_dir / "benchmarks.png"
    has_plot = plot(sys.executable, a.render, png) if results.get("loop") else False
    results["raw_path"] = os.path.relpath(a.render, a.out_dir)
    (a.out_dir / "benchmarks.md").write_text(render_markdown(cfg, results, png.name if has_plot or png.exists()
                                                             else None))
    print_table(results)
    return 0


def merge_sections(argv: list[str]) -> int:
    """`run.py --merge PARTIAL.json --into FULL.json --command "..."`: a partial run (``--only``) replaces its
    sections in the saved full results, and the page says which sections were re-measured, when and how.
    Then ``--render FULL.json`` rewrites the page."""
    p = argparse.ArgumentParser()
    p.add_argument("--merge", type=Path, required=True)
    p.add_argument("--into", type=Path, required=True)
    p.add_argument("--command", required=True, help="the command that produced PARTIAL.json")
    a = p.parse_args(argv)
    partial, full = json.loads(a.merge.read_text()), json.loads(a.into.read_text())
    sections = [s for s in partial["config"]["sections"] if s in partial]
    for section in sections:
        full[section] = partial[section]
        full[section]["load_average_start"] = partial["machine"].get("load_average_start")
    full["config"].update({k: v for k, v in partial["config"].items() if k not in full["config"]
                           or k.startswith(tuple(sections))})
    full["config"]["sections"] = list(dict.fromkeys([*full["config"]["sections"], *sections]))
    m = partial["machine"]
    full["reruns"] = [r for r in full.get("reruns", []) if set(r["sections"]) - set(sections)] + [{
        "sections": sections, "date_utc": m["date_utc"], "template_commit": m.get("template_commit"),
        "command": a.command, "load_average_start": m.get("load_average_start")}]
    a.into.write_text(json.dumps(full, indent=2, default=str) + "\n")
    print(f"{a.into}: {', '.join(sections)} from {a.merge}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--render" in argv:
        return render_only(argv)
    if "--merge" in argv:
        return merge_sections(argv)
    cfg = parse(argv)
    cfg.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]
    log(f"{cfg.mode} benchmark in {cfg.work}: sections {', '.join(cfg.sections)}, {cfg.reps} rep(s); "
        f"load average {load_start}")
    b = bake(cfg)
    results: dict[str, Any] = {"config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(cfg).items()}}
    missing: list[str] = []
    jobs: dict[str, Callable[[Config, Baked], dict[str, Any]]] = {
        "check": bench_check, "setup": bench_setup, "noop": bench_noop, "loop": bench_loop, "gate": bench_gate,
        "drift": bench_drift, "install": bench_install, "newcomer": bench_newcomer, "backtest": bench_backtest}
    skipped: dict[str, str] = {}
    failed = False
    def check_progress(partial: dict[str, Any]) -> None:
        results["check"] = partial
        write_outputs(cfg, b, results, load_start, started)

    for name in cfg.sections:
        try:
            results[name] = bench_check(cfg, b, check_progress) if name == "check" else jobs[name](cfg, b)
        except Skipped as why:  # too slow for this mode: said, not a failure
            skipped[name] = str(why)
            results["skipped"] = skipped
            log(f"{name} skipped: {why}")
        except Exception as exc:  # keep measuring the rest; say exactly what is missing
            failed = True
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            missing.append(f"{name}: {first}")
            log(f"{name} FAILED: {exc}")
        results["not_measured"] = missing + [f"{s}: not reached (run interrupted)" for s in cfg.sections
                                             if s not in results and s not in skipped
                                             and not any(m.startswith(s + ":") for m in missing)]
        write_outputs(cfg, b, results, load_start, started)  # after every section: an interrupted run still reports
    print_table(results)
    log(f"done in {results['elapsed_s']:.0f} s: {cfg.out_dir / 'benchmarks.md'}, benchmarks.png")
    if not cfg.keep:
        shutil.rmtree(cfg.work / "baked", ignore_errors=True)
        if cfg.venv is None:
            shutil.rmtree(cfg.work / "venv", ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
