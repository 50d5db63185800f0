"""Versions, the bake's record of its template, pins, and the docs site (fast tier)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import TEMPLATE, bake_ok, run

sys.path.insert(0, str(TEMPLATE / "scripts"))
import sync_pins


def released_versions() -> list[str]:
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (TEMPLATE / "CHANGELOG.md").read_text(), flags=re.M)


def test_version_is_the_newest_changelog_release() -> None:
    text = (TEMPLATE / "CHANGELOG.md").read_text()
    assert re.search(r"^## \[Unreleased\]", text, flags=re.M)
    versions = released_versions()
    assert versions, "CHANGELOG.md has no release heading"
    assert json.loads((TEMPLATE / "cookiecutter.json").read_text())["_template_version"] == versions[0]
    as_tuples = [tuple(map(int, v.split("."))) for v in versions]
    assert as_tuples == sorted(as_tuples, reverse=True), "releases are listed newest first"


def test_bake_records_template_commit_and_version(cookies: Any) -> None:
    project = bake_ok(cookies)
    record = json.loads((project / ".cruft.json").read_text())
    head = run(["git", "rev-parse", "HEAD"], cwd=TEMPLATE).stdout.strip()
    assert record["commit"] == head
    assert record["template"]
    context = record["context"]["cookiecutter"]
    assert context["_template_version"] == released_versions()[0]
    assert context["project_slug"] == project.name and context["_commit"] == head
    assert not {"_output_dir", "_repo_dir"} & set(context), "machine-specific keys are not recorded"
    tracked = run(["git", "ls-files"], cwd=project).stdout.split()
    assert ".cruft.json" in tracked
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""


def test_cruft_create_bake_commits_the_record_cruft_writes(tmp_path: Path) -> None:
    """`cruft create` writes .cruft.json after the hook; the hook wrote the same bytes first, so the
    record is in the initial commit and the tree is clean. (cruft clones the template: the committed
    state of this checkout is what gets baked.)"""
    cruft = shutil.which("cruft", path=str(Path(sys.executable).parent)) or shutil.which("cruft")
    if cruft is None:
        pytest.skip("cruft is not installed (requirements-dev.txt)")
    run([cruft, "create", "--no-input", "--output-dir", str(tmp_path), str(TEMPLATE)], cwd=tmp_path)
    project = tmp_path / "churn-retrain"
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""
    assert ".cruft.json" in run(["git", "ls-files"], cwd=project).stdout.split()
    record = json.loads((project / ".cruft.json").read_text())
    assert record["commit"] == run(["git", "rev-parse", "HEAD"], cwd=TEMPLATE).stdout.strip()
    assert record["context"]["cookiecutter"]["_template_version"] == released_versions()[0]


def test_render_only_bake_is_plain_files(tmp_path: Path) -> None:
    """What cruft renders to diff two releases: no git, no DVC metadata, no remote folder, no record."""
    from cookiecutter.main import cookiecutter

    env = {**os.environ, "RETRAIN_TEMPLATE_RENDER_ONLY": "1"}
    code = (
        "import sys; from cookiecutter.main import cookiecutter; "
        "print(cookiecutter(sys.argv[1], no_input=True, output_dir=sys.argv[2], "
        "extra_context={'include_batch_inference': False}))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(TEMPLATE), str(tmp_path)], env=env, capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    project = Path(out)
    assert cookiecutter  # imported for the same version the subprocess uses
    assert (project / "params.yaml").is_file()
    for absent in (".git", ".dvc", ".cruft.json", ".github/workflows/batch-inference.yml"):
        assert not (project / absent).exists(), absent
    assert sorted(p.name for p in tmp_path.iterdir()) == [project.name]


def test_template_update_workflow_is_hardened(cookies: Any) -> None:
    project = bake_ok(cookies)
    text = (project / ".github/workflows/template-update.yml").read_text()
    data = yaml.safe_load(text)
    on = data[True]
    assert "schedule" in on and "workflow_dispatch" in on
    assert data["permissions"] == {}
    job = data["jobs"]["update"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["timeout-minutes"] and data["concurrency"]["group"] == "template-update"
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    for step in job["steps"]:
        assert "${{" not in step.get("run", "")
    assert "template-update" in job["steps"][-1]["run"]


def test_template_pins_equal_the_dependabot_manifest() -> None:
    problems = sync_pins.sync(write=False)
    assert problems == [], "\n".join(problems) + "\nrun: python scripts/sync_pins.py"


def test_every_manifest_pin_is_used_and_dependabot_reads_it() -> None:
    used = set()
    for path in sync_pins.template_files():
        for line in path.read_text().splitlines():
            match = sync_pins.USES.match(line)
            if match:
                used.add(match["action"])
    assert set(sync_pins.manifest_pins()) == used - {a for a in used if a.startswith("./")}
    config = yaml.safe_load((TEMPLATE / ".github/dependabot.yml").read_text())
    actions = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert any("/.github/template-pins" in u.get("directories", []) for u in actions)


def used_actions(paths: list[Path]) -> dict[str, set[str]]:
    """Hosted action -> the refs it is pinned to in ``paths`` (local ./ actions left out)."""
    used: dict[str, set[str]] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            match = sync_pins.USES.match(line)
            if match and not match["action"].startswith("./"):
                used.setdefault(match["action"], set()).add(match["ref"])
    return used


def test_every_pin_has_a_recorded_runtime() -> None:
    """The manifest says, above each pin, what `runs: using:` its pinned commit declares."""
    runtimes = sync_pins.manifest_runtimes()
    assert set(runtimes) == set(sync_pins.manifest_pins()), "a pin without `# runtime: ...` above it"
    for action, runtime in runtimes.items():
        assert re.fullmatch(r"node\d+|composite|docker", runtime), f"{action}: unknown runtime {runtime!r}"
    missing = set(used_actions(sync_pins.template_files())) - set(runtimes)
    assert not missing, f"used by the template, no recorded runtime: {sorted(missing)}"
    # The template's own CI runs on the same runners: same actions, same pins.
    pins = sync_pins.manifest_pins()
    for action, refs in used_actions(sorted((TEMPLATE / ".github/workflows").glob("*.yml"))).items():
        assert action in runtimes, f".github/workflows: {action} has no recorded runtime in the manifest"
        assert refs == {pins[action][0]}, f".github/workflows: {action}@{refs} is not the manifest's pin"


def test_no_pin_runs_on_node20_or_older() -> None:
    """GitHub's runners default to Node 24 since June 2026 and dropped Node 20 in September 2026."""
    old = {
        action: runtime
        for action, runtime in sync_pins.manifest_runtimes().items()
        if (found := re.fullmatch(r"node(\d+)", runtime)) and int(found[1]) <= 20
    }
    assert not old, f"pinned to a release on a runtime the runners no longer ship: {old}"


def test_sync_pins_rewrites_a_stale_pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    github = tmp_path / ".github" / "workflows"
    github.mkdir(parents=True)
    stale = github / "x.yml"
    stale.write_text("steps:\n  - uses: actions/checkout@" + "0" * 40 + " # v1.0.0\n")
    monkeypatch.setattr(sync_pins, "BAKED_GITHUB", tmp_path / ".github")
    monkeypatch.setattr(sync_pins, "TEMPLATE", tmp_path)
    monkeypatch.setattr(sync_pins, "MANIFEST", TEMPLATE / ".github/template-pins/action.yml")
    sha, comment = sync_pins.manifest_pins()["actions/checkout"]
    assert sync_pins.sync(write=True)
    assert stale.read_text() == f"steps:\n  - uses: actions/checkout@{sha} {comment}\n"
    assert sync_pins.sync(write=False) == []


def test_params_reference_is_generated_and_current() -> None:
    result = subprocess.run([sys.executable, str(TEMPLATE / "scripts/gen_params_doc.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr + "\n(run python scripts/gen_params_doc.py and commit docs/params.md)"
    page = (TEMPLATE / "docs/params.md").read_text()
    for key in ("`data.demo.drift_onset`", "`gate.bootstrap.confidence`", "`decide.triggers.decay.min_bad`"):
        assert key in page, key


def test_params_reference_goes_stale_when_a_model_changes(tmp_path: Path) -> None:
    """The check really compares against the models: a new field makes the committed page stale."""
    copy = tmp_path / "template"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=TEMPLATE).stdout
    for rel in filter(None, listed.split("\0")):
        if (TEMPLATE / rel).is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / rel, copy / rel)
    config = copy / "{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}/config.py"
    text = config.read_text()
    field = '    gap_days: int = Field(0, ge=0, description="new")\n'
    config.write_text(text.replace("class SplitParams(Strict):\n", "class SplitParams(Strict):\n" + field))
    result = subprocess.run([sys.executable, str(copy / "scripts/gen_params_doc.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "docs/params.md is stale" in result.stderr
    subprocess.run([sys.executable, str(copy / "scripts/gen_params_doc.py")], check=True, capture_output=True)
    assert "| `split.gap_days` | integer | `0` | ≥ 0 |" in (copy / "docs/params.md").read_text()


def test_docs_site_builds_strict(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (requirements-dev.txt)")
    result = subprocess.run([mkdocs, "build", "--strict", "-d", str(tmp_path / "site")], cwd=TEMPLATE,
                            capture_output=True, text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    loop = (tmp_path / "site" / "loop" / "index.html").read_text()
    assert 'class="mermaid"' in loop
    params = (tmp_path / "site" / "params" / "index.html").read_text()
    assert "gate.bootstrap.resamples" in params
    assert "0.1.0" in (tmp_path / "site" / "changelog" / "index.html").read_text()
