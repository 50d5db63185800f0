"""Template updates reach a baked project as one pull request, local edits kept.

For real: a throwaway git copy of this template is tagged v0.1.0, a project is baked
from it with plain cookiecutter (the hook records .cruft.json), the template changes and
is tagged v0.2.0, and the baked project's own `template-update` command runs `cruft
update` and opens the pull request through its GitHub client against the API stand-in.
GitHub itself is out of reach: the template URL is a local git path and `origin` a bare
repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from .conftest import TEMPLATE, BakedEnv, run
from .github_stub import GitHubStub

pytestmark = pytest.mark.slow

SLUG, PACKAGE = "churn-retrain", "churn_retrain"
README_TEMPLATE = Path("{{cookiecutter.project_slug}}") / "README.md"
PATHS_TEMPLATE = Path("{{cookiecutter.project_slug}}") / "src" / "{{cookiecutter.package_name}}" / "paths.py"
NEW_SECTION = "## Added in the 0.2.0 test release\n\nA section only the new template version has.\n"


def git(cwd: Path, *args: str) -> str:
    return run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args], cwd=cwd).stdout.strip()


def template_copy(dest: Path) -> Path:
    """This template's current files (tracked and new, not ignored) in a fresh git repo tagged v0.1.0."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=TEMPLATE).stdout
    for rel in filter(None, listed.split("\0")):
        source = TEMPLATE / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "template 0.1.0")
    set_version(dest, "0.1.0")
    git(dest, "tag", "-a", "v0.1.0", "-m", "v0.1.0")
    return dest


def set_version(template: Path, version: str) -> None:
    path = template / "cookiecutter.json"
    data = json.loads(path.read_text())
    if data["_template_version"] != version:
        data["_template_version"] = version
        path.write_text(json.dumps(data, indent=2) + "\n")
        git(template, "commit", "-q", "-am", f"version {version}")


def release_020(template: Path) -> str:
    """Change the template (README section, a line in a package module) and tag v0.2.0.

    Its post-generation hook also writes the GITHUB_TOKEN it sees to $HOOK_ENV_PROBE (when set):
    template code runs during the update and must not receive the job's token.
    """
    hook = template / "hooks" / "post_gen_project.py"
    hook.write_text(hook.read_text().replace(
        "\ndef main() -> int:\n",
        "\ndef main() -> int:\n"
        "    if os.environ.get('HOOK_ENV_PROBE'):\n"
        "        Path(os.environ['HOOK_ENV_PROBE']).write_text(os.environ.get('GITHUB_TOKEN', '<none>'))\n",
        1,
    ))
    readme = template / README_TEMPLATE
    readme.write_text(readme.read_text() + "\n" + NEW_SECTION)
    paths = template / PATHS_TEMPLATE
    paths.write_text(paths.read_text() + 'TEMPLATE_UPDATE_PROBE = "0.2.0"\n')
    git(template, "commit", "-q", "-am", "template change")
    set_version(template, "0.2.0")
    git(template, "tag", "-a", "v0.2.0", "-m", "v0.2.0")
    return git(template, "rev-parse", "v0.2.0^{commit}")


def bake_with_origin(template: Path, tmp: Path) -> Path:
    project = Path(cookiecutter(str(template), no_input=True, output_dir=str(tmp / "out")))
    origin = tmp / "origin.git"
    run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], cwd=tmp)
    git(project, "remote", "add", "origin", str(origin))
    git(project, "push", "-q", "origin", "main")
    return project


def local_commit(project: Path, message: str) -> None:
    git(project, "commit", "-q", "-am", message)
    git(project, "push", "-q", "origin", "main")


def update(
    project: Path, env: BakedEnv, gh: GitHubStub, *extra: str, probe: Path | None = None
) -> subprocess.CompletedProcess[str]:
    git(project, "switch", "-q", "main")
    e = env.env(GITHUB_API_URL=gh.url, GITHUB_REPOSITORY=f"acme/{SLUG}", GITHUB_TOKEN="test-token")
    if probe is not None:
        e["HOOK_ENV_PROBE"] = str(probe)
    return run([env.python, "-m", PACKAGE, "template-update", *extra], cwd=project, env=e)


def branch_file(project: Path, path: str) -> str:
    return git(project, "show", f"origin/template-update:{path}")


@pytest.fixture
def setup(tmp_path: Path, baked_env: BakedEnv) -> tuple[Path, Path]:
    template = template_copy(tmp_path / "template")
    project = bake_with_origin(template, tmp_path)
    baked_env.install_project(project)
    return template, project


def test_bake_records_the_template_and_release(setup: tuple[Path, Path]) -> None:
    template, project = setup
    record = json.loads((project / ".cruft.json").read_text())
    assert record["template"] == str(template)
    assert record["commit"] == git(template, "rev-parse", "v0.1.0^{commit}")
    assert record["context"]["cookiecutter"]["_template_version"] == "0.1.0"
    assert ".cruft.json" in git(project, "ls-files"), "the record is in the initial commit"
    assert git(project, "status", "--porcelain") == ""


def test_update_opens_one_pr_with_the_change_and_keeps_a_local_edit(
    setup: tuple[Path, Path], baked_env: BakedEnv
) -> None:
    template, project = setup
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("# Churn Retrain", "# Churn Retrain (our fork)", 1))
    local_commit(project, "local edit")
    new_commit = release_020(template)
    probe = project.parent / "hook-env-probe"
    with GitHubStub(owner="acme", repo=SLUG) as gh:
        first = update(project, baked_env, gh, probe=probe)
        assert "opened pull request #1" in first.stdout
        assert "(0 conflict(s))" in first.stdout
        assert probe.read_text() == "<none>", "the template's hooks ran without the job's token"
        second = update(project, baked_env, gh)  # the next scheduled run: same PR, updated
        assert "updated pull request #1" in second.stdout
        assert len(gh.pulls) == 1
        pr = gh.pulls[0]
        assert pr["head"]["ref"] == "template-update" and pr["base"]["ref"] == "main"
        assert pr["title"] == "Update from the template: 0.1.0 → 0.2.0"
        assert "### No conflicts" in pr["body"] and "README.md" in pr["body"]
        assert [lab["name"] for lab in pr["labels"]] == ["template-update"]
        assert len(gh.calls("POST", r"/repos/acme/churn-retrain/pulls")) == 1
    git(project, "fetch", "-q", "origin")
    new_readme = branch_file(project, "README.md")
    assert "# Churn Retrain (our fork)" in new_readme, "the local edit is kept"
    assert NEW_SECTION.strip() in new_readme, "the template's change arrived"
    assert 'TEMPLATE_UPDATE_PROBE = "0.2.0"' in branch_file(project, f"src/{PACKAGE}/paths.py")
    record = json.loads(branch_file(project, ".cruft.json"))
    assert record["commit"] == new_commit
    assert record["context"]["cookiecutter"]["_template_version"] == "0.2.0"
    assert "<<<<<<<" not in new_readme
    # main itself is untouched: the update is only proposed.
    assert "Added in the 0.2.0" not in git(project, "show", "origin/main:README.md")
    # Already at the newest release: nothing to do, no new PR.
    git(project, "switch", "-q", "main")
    git(project, "merge", "-q", "--ff-only", "origin/template-update")
    with GitHubStub(owner="acme", repo=SLUG) as gh:
        again = update(project, baked_env, gh)
        assert "up to date" in again.stdout
        assert gh.pulls == []


def test_conflicting_local_edits_are_listed_never_dropped(setup: tuple[Path, Path], baked_env: BakedEnv) -> None:
    template, project = setup
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur own closing words.\n")  # the template appends here too
    local_commit(project, "conflicting local edit")
    release_020(template)
    with GitHubStub(owner="acme", repo=SLUG) as gh:
        result = update(project, baked_env, gh)
        assert "template-update: conflict: README.md" in result.stdout
        body = gh.pulls[0]["body"]
    assert "1 conflict(s) to resolve before merging" in body
    assert "- `README.md`: the template and this project changed the same lines" in body
    git(project, "fetch", "-q", "origin")
    merged = branch_file(project, "README.md")
    assert "<<<<<<<" in merged and "Our own closing words." in merged and NEW_SECTION.strip() in merged
    # The change without a conflict still applied.
    assert 'TEMPLATE_UPDATE_PROBE = "0.2.0"' in branch_file(project, f"src/{PACKAGE}/paths.py")


def test_hunks_without_a_common_ancestor_become_listed_rej_files(
    setup: tuple[Path, Path], baked_env: BakedEnv
) -> None:
    """History squashed (the baked blobs are gone): no three-way merge, the hunk is kept in a .rej file."""
    template, project = setup
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur own closing words.\n")
    git(project, "checkout", "-q", "--orphan", "squashed")
    git(project, "commit", "-q", "-am", "squashed history")
    git(project, "branch", "-q", "-M", "main")
    git(project, "push", "-q", "-f", "origin", "main")
    run(["git", "gc", "-q", "--prune=now"], cwd=project)
    run(["git", "reflog", "expire", "--expire=now", "--all"], cwd=project)
    run(["git", "gc", "-q", "--prune=now"], cwd=project)
    release_020(template)
    with GitHubStub(owner="acme", repo=SLUG) as gh:
        result = update(project, baked_env, gh)
        assert "template-update: conflict: README.md.rej" in result.stdout
        body = gh.pulls[0]["body"]
    assert "- `README.md.rej`: hunks that did not apply to `README.md`" in body
    assert "<summary><code>README.md.rej</code></summary>" in body and "Added in the 0.2.0" in body
    git(project, "fetch", "-q", "origin")
    assert "Added in the 0.2.0" in branch_file(project, "README.md.rej")


def test_a_hand_run_cruft_update_renders_without_git(setup: tuple[Path, Path], baked_env: BakedEnv) -> None:
    """`cruft update` run by hand in the project (no template-update command): the hook sees the
    project's .cruft.json in the working directory and only renders, so the update is the template's
    change and nothing from a rendered .git folder."""
    template, project = setup
    release_020(template)
    env = {k: v for k, v in baked_env.env().items() if k != "RETRAIN_TEMPLATE_RENDER_ONLY"}
    env["PWD"] = str(project)  # as a shell sets it
    run([str(baked_env.bin / "cruft"), "update", "--skip-apply-ask", "--checkout", "v0.2.0"], cwd=project, env=env)
    changed = sorted(git(project, "diff", "--name-only", "HEAD").splitlines())
    assert changed == [".cruft.json", "README.md", f"src/{PACKAGE}/paths.py"]
    assert git(project, "ls-files", "--others", "--exclude-standard") == ""
    assert NEW_SECTION.strip() in (project / "README.md").read_text()
