"""The benchmark reads what it measures from the baked files (fast: a bake, no install).

The setup section runs the setup action's own `run:` steps with the inputs the check job passes, and
the newcomer section compares its walls with the times the READMEs state: both read those files, so
a change there changes what is measured. These tests keep the readers in step with the files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import TEMPLATE, bake_ok


@pytest.fixture(scope="module")
def bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", TEMPLATE / "bench" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def test_setup_steps_are_the_actions_with_the_check_jobs_inputs(cookies: Any, bench: Any) -> None:
    project = bake_ok(cookies)
    steps, inputs = bench.setup_action(project, "check", {"secrets.DVC_REMOTE_CONFIG": "[core]\n"})
    action = yaml.safe_load((project / ".github/actions/setup/action.yml").read_text())
    assert [s["name"] for s in steps] == [s.get("name") or s["uses"] for s in action["runs"]["steps"]]
    workflow = yaml.safe_load((project / ".github/workflows/retrain.yml").read_text())
    call = next(s for s in workflow["jobs"]["check"]["steps"] if s.get("uses") == "./.github/actions/setup")
    assert inputs["dvc-pull-targets"] == call["with"]["dvc-pull-targets"]
    run = [s for s in steps if "run" in s]
    # The remote config comes from the (stand-in) secret, so the credentials step runs; the pull gets the targets.
    assert any("config.local" in s["run"] for s in run)
    pull = next(s for s in run if "remote-pull" in s["run"])
    assert pull["env"]["TARGETS"] == call["with"]["dvc-pull-targets"]
    assert len([s for s in run if s["compile"]]) == 1  # the bytecode step, which one variant leaves out
    assert all("${{" not in s["run"] for s in run)
    # Without the secret the credentials step is not run, and says why.
    steps, _ = bench.setup_action(project, "check", {})
    assert any("is false" in s.get("not_run", "") for s in steps)


def test_unknown_condition_is_refused_in_one_line(bench: Any) -> None:
    with pytest.raises(RuntimeError, match="cannot evaluate `if: always"):
        bench._condition("always()", {})
    assert bench._condition("inputs.dvc-pull == 'true'", {"inputs.dvc-pull": "true"})
    assert not bench._condition("inputs.x != ''", {})


def test_readme_claims_are_found(cookies: Any, bench: Any) -> None:
    demo_sh = bench.readme_claim((TEMPLATE / "README.md").read_text(), "scripts/demo.sh")
    assert demo_sh and demo_sh["minutes"] > 0, "the template README states no time for scripts/demo.sh"
    baked = (bake_ok(cookies) / "README.md").read_text()
    demo = bench.readme_claim(baked, "See the whole loop on your machine")
    pytest_tier = bench.readme_claim(baked, "pytest   ", after=1)
    assert demo and pytest_tier, "the baked README states no time for `demo` or the default pytest tier"
    assert pytest_tier["minutes"] == 4


def test_every_stated_time_says_what_it_assumes(cookies: Any, bench: Any) -> None:
    """Issue 24: "~4 min" read on a busy laptop was 13. Every time a README states names the machine it was
    measured on (an idle 2-core one) and the CPU time, which load does not stretch, on its line or the next."""
    readmes = {"README.md": (TEMPLATE / "README.md").read_text(),
               "the baked README.md": (bake_ok(cookies) / "README.md").read_text()}
    unstated = []
    for name, text in readmes.items():
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if bench.DURATION_CLAIM.search(line):
                window = " ".join(lines[i:i + 2])
                if not ("idle" in window and "2-core" in window and "CPU" in window):
                    unstated.append(f"{name} line {i + 1}: {line.strip()}")
    assert unstated == [], "\n".join(unstated)


def test_range_and_github_env(tmp_path: Path, bench: Any) -> None:
    assert bench.fmt_range({"wall": 3.1, "walls": [2.5, 3.1, 3.4]}) == "3.10 s (2.50\u20133.40 s, 3 runs)"
    assert bench.fmt_range({"wall": 3.1}) == "3.10 s"
    env = tmp_path / "env"
    env.write_text("PYTHONDONTWRITEBYTECODE=\nA=b=c\n")
    assert bench._github_env(env) == {"PYTHONDONTWRITEBYTECODE": "", "A": "b=c"}
