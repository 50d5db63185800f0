"""Runner labels: heavy jobs follow a repository variable; pull-request jobs never leave hosted runners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import bake_ok


@pytest.fixture(scope="module")
def workflows(cookies_session: Any) -> dict[str, dict[str, Any]]:
    project = bake_ok(cookies_session, project_name="Runner Labels")
    folder = Path(project) / ".github" / "workflows"
    return {p.name: yaml.safe_load(p.read_text()) for p in folder.glob("*.yml")}


def test_heavy_jobs_take_their_runner_from_a_variable(workflows: dict[str, dict[str, Any]]) -> None:
    assert workflows["retrain.yml"]["jobs"]["retrain"]["runs-on"] == "${{ vars.RETRAIN_RUNNER || 'ubuntu-latest' }}"
    predict = workflows["batch-inference.yml"]["jobs"]["predict"]["runs-on"]
    assert predict == "${{ vars.BATCH_INFERENCE_RUNNER || 'ubuntu-latest' }}"


def test_pull_request_jobs_never_run_on_a_configurable_runner(workflows: dict[str, dict[str, Any]]) -> None:
    """A fork's pull request must not reach a self-hosted runner: pr.yml's labels are literal hosted ones."""
    for name, job in workflows["pr.yml"]["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", f"pr.yml job {name} runs on {job['runs-on']!r}"
