"""Plot the loop's cost against data size from a benchmarks.json (matplotlib, Agg backend).

    python bench/plot.py benchmarks.json benchmarks.png

Exit 0 when the PNG was written, 3 when the results hold no loop figures to plot.
run.py calls it with the baked project's Python, whose lockfile brings matplotlib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def plot(results: dict[str, Any], path: Path) -> bool:
    loop = results.get("loop") or {}
    if not loop:
        return False
    # The baked default estimator's cases (the others are in the page's tables).
    data = sorted((v for v in loop.values() if v.get("default_estimator", True)), key=lambda v: v["rows"])
    if not data:
        return False
    try:
        import matplotlib
    except ImportError:  # `run.py --render` from a Python without it: the page keeps its last plot
        print("plot: this Python has no matplotlib; no plot drawn", file=sys.stderr)
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [v["rows"] for v in data]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(x, [v["total_wall"] for v in data], "o-", label="full loop")
    ax1.plot(x, [v["total_wall"] - v["fit_seconds"] for v in data], "s--", label="outside fitting")
    ax1.plot(x, [v["fit_seconds"] for v in data], "^:", label="fit only")
    ax1.plot(x, [v["steps"]["dvc repro"]["wall"] for v in data], "x-.", label="dvc repro step", alpha=0.6)
    noop = results.get("noop") or {}
    if noop:
        worst = max(v["wall"] for v in noop.values())
        ax1.axhline(worst, color="grey", lw=0.8, ls=":", label=f"no-op decide ({worst:.1f} s)")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("rows in the window")
    ax1.set_ylabel("wall time, s (median)")
    ax1.set_title("Retrain loop: wall time")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=8)
    ax2.plot(x, [v["peak_rss_mb"] for v in data], "o-", label="loop (max over steps)")
    ax2.plot(x, [v["fit_only"]["peak_rss_mb"] for v in data], "^:", label="fit-only process")
    ax2.set_xscale("log")
    ax2.set_xlabel("rows in the window")
    ax2.set_ylabel("peak RSS, MB (median)")
    ax2.set_title("Retrain loop: peak memory")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


if __name__ == "__main__":
    sys.exit(0 if plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])) else 3)
