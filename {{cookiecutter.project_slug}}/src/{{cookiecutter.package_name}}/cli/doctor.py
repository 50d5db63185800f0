"""``doctor``: one line per piece a fresh repository needs before the loop's jobs can succeed.

Exit codes follow cli/__init__.py: 0 nothing missing, 1 something missing, 2 bad input.
"""

from __future__ import annotations

import argparse

from .args import Add
from .args import params_of as _params


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..adapters import gitops
    from ..jobs.doctor import run_doctor, summary_markdown

    findings = run_doctor(_params(args), args.root)
    width = max(len(f.what) for f in findings)
    for f in findings:
        print(gitops.log_safe(f"doctor: {f.status:<7}  {f.what:<{width}}  {f.line}"))
    gitops.summary(summary_markdown(findings))
    missing = [f.what for f in findings if f.status == "missing"]
    if missing:
        print(f"doctor: {len(missing)} missing: {', '.join(missing)}")
        return 1
    unknown = sum(f.status == "unknown" for f in findings)
    print("doctor: nothing missing" + (f" ({unknown} not checked: see the unknown line)" if unknown else ""))
    return 0


def register(add: Add) -> None:
    add(
        "doctor",
        cmd_doctor,
        "check what this repository still lacks (DVC remote, MLflow, labels, token, settings); only reads",
    )
