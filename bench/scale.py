"""Cost against data size, local vs Dask, and the memory ceiling of local mode (issue 12).

    python bench/scale.py --venv PATH [--smoke] [--out docs/benchmarks-scale.json]

Bakes the default project, installs it into ``--venv`` (which must hold the lockfile's
packages plus the ``dask`` extra), and runs bench/probes/scale_probe.py in fresh processes:

* batch scoring of the champion over 30 daily partitions at growing rows per day, with
  ``compute.engine`` local and dask (two worker processes on this machine), as a ratio;
* peak RSS of loading the window and fitting the default model at growing window sizes,
  fitted to a line and solved for the window that fills a 7 GB hosted runner.

What 2 cores can show: the ratio of the two engines on ONE machine (Dask's scheduling and
transfer overhead against a second process's worth of CPU), not the speed-up of a real
cluster, whose workers bring their own cores and memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
RUNNER_GB = 7.0  # GitHub's standard hosted Linux runner for private repositories


def bake(work: Path) -> Path:
    subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(work), str(TEMPLATE)], check=True,
                   capture_output=True)
    return next(p for p in work.iterdir() if p.is_dir() and not p.name.endswith("-dvc-remote"))


def probe(venv: Path, project: Path, work: Path, rows: int, days: int, mode: str) -> dict[str, Any]:
    package = project.name.replace("-", "_")
    cmd = [str(venv / "bin" / "python"), str(HERE / "probes" / "scale_probe.py"), package, str(work), str(rows),
           str(days), mode]
    env_path = f"{HERE / 'probes'}"
    result = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False,
                            env={"PATH": f"{venv / 'bin'}", "PYTHONPATH": env_path, "HOME": str(Path.home())})
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(lines[-1][6:]))


def ceiling(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least-squares line peak_mb = a + b * rows, and the rows at RUNNER_GB."""
    n = len(points)
    mx = sum(r for r, _ in points) / n
    my = sum(m for _, m in points) / n
    b = sum((r - mx) * (m - my) for r, m in points) / sum((r - mx) ** 2 for r, _ in points)
    a = my - b * mx
    return a, b, (RUNNER_GB * 1024 - a) / b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, required=True, help="venv with the lock's packages and the dask extra")
    parser.add_argument("--smoke", action="store_true", help="smallest sizes only (keeps the script from rotting)")
    parser.add_argument("--out", type=Path, default=TEMPLATE / "docs" / "benchmarks-scale.json")
    args = parser.parse_args(argv)
    days = 30
    score_sizes = [300, 3000] if args.smoke else [300, 3000, 30000]
    memory_sizes = [(300, 10)] if args.smoke else [(3000, 30), (10000, 30), (30000, 30)]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        project = bake(work / "bake")
        subprocess.run(["uv", "pip", "install", "-q", "-p", str(args.venv / "bin" / "python"), "--no-deps", "-e",
                        str(project)], check=True)
        scoring = []
        for rows in score_sizes:
            data = work / f"data-{rows}"
            local = probe(args.venv, project, data, rows, days, "local")
            dask = probe(args.venv, project, data, rows, days, "dask")
            scoring.append({"rows_per_day": rows, "rows": local["rows"], "local_s": local["seconds"],
                            "dask_s": dask["seconds"], "dask_startup_s": dask["cluster_startup_s"],
                            "ratio_dask_over_local": round(dask["seconds"] / max(local["seconds"], 1e-9), 2)})
            print(json.dumps(scoring[-1]), flush=True)
        memory = []
        for rows, mem_days in memory_sizes:
            point = probe(args.venv, project, work / f"mem-{rows}", rows, mem_days, "memory")
            memory.append({"rows": point["rows"], "peak_rss_mb": point["peak_rss_mb"], "seconds": point["seconds"]})
            print(json.dumps(memory[-1]), flush=True)
    result: dict[str, Any] = {"days": days, "scoring": scoring, "memory": memory}
    if len(memory) >= 2:
        a, b, rows_at_limit = ceiling([(m["rows"], m["peak_rss_mb"]) for m in memory])
        result["memory_fit"] = {"base_mb": round(a, 1), "mb_per_million_rows": round(b * 1e6, 1),
                                "runner_gb": RUNNER_GB, "rows_at_runner_limit": int(rows_at_limit)}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
