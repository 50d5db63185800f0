"""Static checks of the generated GitHub workflows, on every option combination.

zizmor (regular, pedantic and auditor personas), GitHub's workflow/action/dependabot JSON
schemas, and the project's own rules: SHA-pinned actions with a version comment,
`permissions: {}` at the top with explicit per-job permissions, no `${{` inside
`run:`, no dangerous triggers, concurrency, timeouts, persist-credentials: false.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

COMBOS = [
    pytest.param({"model_task": task, "include_batch_inference": batch}, id=f"{task}-batch_{str(batch).lower()}")
    for task in ("classification", "regression")
    for batch in (True, False)
]
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
OPTIONS: dict[Path, dict[str, object]] = {}


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install zizmor check-jsonschema)")
    return found


@pytest.fixture(scope="module", params=COMBOS)
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bake")
    project = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=request.param)
    root = Path(project)
    OPTIONS[root] = request.param
    return root


def workflow_files(root: Path) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


def action_files(root: Path) -> list[Path]:
    return sorted((root / ".github" / "actions").glob("*/action.yml"))


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def test_expected_files(baked: Path) -> None:
    names = {p.name for p in workflow_files(baked)}
    expected = {"retrain.yml", "pr.yml", "promote.yml", "rollback.yml", "template-update.yml"}
    options = OPTIONS[baked]
    if options["include_batch_inference"]:
        expected.add("batch-inference.yml")
    assert names == expected
    assert (baked / ".github" / "actions" / "setup" / "action.yml").is_file()
    assert (baked / ".github" / "dependabot.yml").is_file()


def test_no_template_syntax_left(baked: Path) -> None:
    for path in [*workflow_files(baked), *action_files(baked), baked / ".github" / "dependabot.yml"]:
        text = path.read_text()
        assert "{%" not in text and "{{ cookiecutter" not in text, path
        # Every `{{` that survives must be a GitHub expression `${{`.
        assert text.count("{{") == text.count("${{"), path


@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
def test_zizmor_clean(baked: Path, persona: str) -> None:
    result = subprocess.run(
        [tool("zizmor"), "--offline", f"--persona={persona}", "--no-progress", "--format=plain", str(baked)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_schemas(baked: Path) -> None:
    checks = [
        ("vendor.github-workflows", workflow_files(baked)),
        ("vendor.github-actions", action_files(baked)),
        ("vendor.dependabot", [baked / ".github" / "dependabot.yml"]),
    ]
    for schema, files in checks:
        assert files, schema
        result = subprocess.run(
            [tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"


def test_actions_pinned_by_sha_with_version_comment(baked: Path) -> None:
    seen = 0
    for path in [*workflow_files(baked), *action_files(baked)]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = USES_LINE.match(line)
            if not match:
                continue
            target, rest = match.groups()
            seen += 1
            if target.startswith("./"):
                continue
            where = f"{path.name}:{number}: {line.strip()}"
            assert SHA_PIN.match(target), f"not pinned to a full commit SHA: {where}"
            assert re.match(r"^\s+#\s*v\d+(\.\d+)*\s*$", rest), f"no version comment: {where}"
    assert seen > 10


def test_permissions_and_hygiene(baked: Path) -> None:
    for path in workflow_files(baked):
        wf = load(path)
        assert wf.get("permissions") == {}, f"{path.name}: top-level permissions must be {{}}"
        triggers = wf["on"] if isinstance(wf["on"], dict) else {name: None for name in wf["on"]}
        assert "pull_request_target" not in triggers and "workflow_run" not in triggers, path.name
        assert "concurrency" in wf, f"{path.name}: no concurrency group"
        for name, job in wf["jobs"].items():
            where = f"{path.name}:{name}"
            assert isinstance(job.get("permissions"), dict) and job["permissions"], f"{where}: explicit permissions"
            assert "write-all" not in str(job["permissions"]) and "read-all" not in str(job["permissions"])
            assert isinstance(job.get("timeout-minutes"), int), f"{where}: timeout-minutes"
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), f"{where}: ${{{{ }}}} inside run: {step.get('name')}"
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False, f"{where}: persist-credentials"
    for path in action_files(baked):
        action = yaml.safe_load(path.read_text())
        for step in action["runs"]["steps"]:
            assert "${{" not in step.get("run", ""), f"{path}: ${{{{ }}}} inside run"


def test_reruns_and_cancels_are_safe(baked: Path) -> None:
    """Issue 19 item 7. upload-artifact v4 refuses a second artifact of one name in a run (409), and
    "Re-run failed jobs" (what the README tells people to do) is the same run: every upload sets
    overwrite. A job-level always() runs for a cancelled run too: pr.yml's comment job would post a
    "cancelled" comment racing the newer push's run, so it uses !cancelled()."""
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            where = f"{path.name}:{name}"
            assert "always()" not in str(job.get("if", "")), f"{where}: job-level always(); use !cancelled()"
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
                    assert step.get("with", {}).get("overwrite") is True, f"{where}: {step.get('name')}: overwrite"
    comment = load(baked / ".github" / "workflows" / "pr.yml")["jobs"]["comment"]
    assert str(comment["if"]).startswith("!cancelled()"), comment["if"]


PR_ONLY_GUARD = re.compile(r"^\(?\s*github\.event_name\s*(?:==\s*'pull_request'|!=\s*'merge_group')\s*\)?$")


def guarded_on_merge_groups(condition: object) -> bool:
    """A job/step `if:` with `github.event_name == 'pull_request'` as one of its top-level && terms."""
    text = str(condition or "").strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if "||" in text:
        return False  # an alternative could reach the dereference on a merge group anyway
    return any(PR_ONLY_GUARD.match(term.strip()) for term in text.split("&&"))


# `${{ github.event_name != 'pull_request' && 'queue' || ... }}`: on any other event the first alternative is a
# non-empty string, so GitHub never evaluates the rest (where github.event.pull_request is read).
SELF_GUARDED = re.compile(r"^\$\{\{\s*github\.event_name\s*!=\s*'pull_request'\s*&&\s*'[^']+'\s*\|\|")


def test_pr_checks_run_on_merge_queues(baked: Path) -> None:
    """Issue 19 item 8. A repository whose merge queue requires pr.yml's checks stalls unless
    pr.yml runs on `merge_group`. That event has no `github.event.pull_request`: every job or step
    that reads it is guarded (the comment job is skipped), and the workflow-level expressions fall
    back to something a merge group has."""
    wf = load(baked / ".github" / "workflows" / "pr.yml")
    assert "pull_request" in wf["on"] and "merge_group" in wf["on"], wf["on"]
    group = str(wf["concurrency"]["group"])
    if "github.event.pull_request" in group:
        assert "||" in group, f"concurrency group {group!r} is empty on a merge group: give it a fallback"
    top = yaml.safe_dump({k: v for k, v in wf.items() if k not in ("jobs", "concurrency")})
    assert "github.event.pull_request" not in top
    for name, job in wf["jobs"].items():
        job_guarded = guarded_on_merge_groups(job.get("if"))
        env = {k: v for k, v in (job.get("env") or {}).items() if not SELF_GUARDED.match(str(v))}
        outside_steps = yaml.safe_dump({k: v for k, v in {**job, "env": env}.items() if k != "steps"})
        if "github.event.pull_request" in outside_steps:
            assert job_guarded, f"pr.yml:{name} reads github.event.pull_request with no merge_group guard"
        for step in job.get("steps", []):
            if "github.event.pull_request" in yaml.safe_dump(step):
                assert job_guarded or guarded_on_merge_groups(step.get("if")), (
                    f"pr.yml:{name}: step {step.get('name') or step.get('uses')} reads github.event.pull_request "
                    "on a merge_group event"
                )
    # The gate's champion (`main`) is the merge group's base commit.
    base = [
        s
        for s in wf["jobs"]["pipeline"]["steps"]
        if "github.event.merge_group.base_sha" in yaml.safe_dump(s) and "merge_group" in str(s.get("if", ""))
    ]
    assert base, "pipeline: on a merge group, main must be the group's base_sha"


def test_a_pull_request_run_says_who_opened_it(baked: Path) -> None:
    """Issue 19 item 5: remote-pull names the secret that reaches the run (Dependabot's, none for a fork)."""
    source = str(load(baked / ".github" / "workflows" / "pr.yml")["jobs"]["pipeline"]["env"]["PULL_REQUEST_SOURCE"])
    assert SELF_GUARDED.match(source), source
    assert "github.actor == 'dependabot[bot]' && 'dependabot'" in source  # the actor GitHub's restriction keys on
    assert "github.event.pull_request.head.repo.full_name != github.repository && 'fork'" in source
    assert source.rstrip("} ").endswith("'branch'"), source


def test_the_merge_group_guard_is_strict() -> None:
    assert guarded_on_merge_groups("!cancelled() && github.event_name == 'pull_request' && x == y")
    assert guarded_on_merge_groups("${{ github.event_name != 'merge_group' }}")
    assert not guarded_on_merge_groups("github.event.pull_request.head.repo.full_name == github.repository")
    assert not guarded_on_merge_groups("github.event_name == 'pull_request' || always()")
    assert not guarded_on_merge_groups(None)


def test_write_permissions_only_where_needed(baked: Path) -> None:
    writers = {}
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            granted = {k for k, v in job["permissions"].items() if v == "write"}
            if granted:
                writers[f"{path.stem}:{name}"] = granted
    expected = {
        "retrain:check": {"issues", "actions", "id-token"},  # the model-health issue, the keepalive, OIDC
        "retrain:retrain": {"id-token"},  # OIDC to AWS (opt-in)
        "retrain:promote-pr": {"contents", "pull-requests"},
        "pr:comment": {"pull-requests"},
        "promote:register": {"contents"},
        "rollback:rollback-pr": {"contents", "pull-requests"},
        "template-update:update": {"contents", "pull-requests"},
    }
    if OPTIONS[baked]["include_batch_inference"]:
        expected["batch-inference:predict"] = {"id-token"}
    assert writers == expected


def test_retrain_wiring(baked: Path) -> None:
    wf = load(baked / ".github" / "workflows" / "retrain.yml")
    assert set(wf["on"]) == {"schedule", "workflow_dispatch", "repository_dispatch"}
    assert wf["on"]["repository_dispatch"]["types"] == ["new-data"]
    assert wf["on"]["schedule"][0]["cron"] == "17 6 * * *"
    jobs = wf["jobs"]
    assert jobs["retrain"]["needs"] == "check" and "needs.check.outputs.retrain == 'true'" in jobs["retrain"]["if"]
    assert (
        jobs["promote-pr"]["needs"] == "retrain"
        and "needs.retrain.outputs.promote == 'true'" in jobs["promote-pr"]["if"]
    )
    assert wf["concurrency"]["cancel-in-progress"] is False
    pr = load(baked / ".github" / "workflows" / "pr.yml")
    assert pr["concurrency"]["cancel-in-progress"] is True


def test_no_pending_run_is_silently_cancelled(baked: Path) -> None:
    """Issue 19 finding 6: in a concurrency group GitHub keeps one pending run and cancels it when the next
    one queues (a forced run or a new-data dispatch waiting behind a long retrain was discarded by the next
    schedule). `queue: max` (docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/
    control-workflow-concurrency) keeps up to 100 waiting in order; GitHub refuses it beside
    cancel-in-progress: true, which only pr.yml uses (a newer push supersedes a PR's run on purpose)."""
    for path in workflow_files(baked):
        group = load(path)["concurrency"]
        if path.name == "pr.yml":
            assert group["cancel-in-progress"] is True and "queue" not in group, group
        else:
            assert group["cancel-in-progress"] is False, path.name
            assert group.get("queue") == "max", f"{path.name}: a pending run would be cancelled by the next one"


def test_the_model_main_already_pins_gets_no_promotion_pr_and_passes_the_pr_check(baked: Path) -> None:
    """Issue 24: `gate-step` answers promote=false, already-champion=true for the model main pins."""
    retrain = load(baked / ".github" / "workflows" / "retrain.yml")["jobs"]
    assert "steps.gate.outputs.promote" in retrain["retrain"]["outputs"]["promote"]
    assert "needs.retrain.outputs.promote == 'true'" in retrain["promote-pr"]["if"]
    pipeline = load(baked / ".github" / "workflows" / "pr.yml")["jobs"]["pipeline"]["steps"]
    fail = next(step for step in pipeline if step.get("name", "").startswith("Fail the check"))
    assert fail["if"] == "steps.gate.outputs.promote != 'true' && steps.gate.outputs.already-champion != 'true'"


# Issue 19 item 9: the environment of each job that reads a secret. A job that only reads (the daily check,
# batch scoring) gets the read-only DVC credential of `model-monitoring`; the jobs that write (dvc push,
# MLflow registry, git pushes and pull requests) share `model-promotion`, where reviewers go.
SECRET_ENVIRONMENTS = {
    "pr:pipeline": "pr-checks",
    "retrain:check": "model-monitoring",
    "batch-inference:predict": "model-monitoring",
}  # every other job that reads a secret: model-promotion
READ_ONLY_ENVIRONMENTS = {"pr-checks", "model-monitoring"}
# What a job runs that writes somewhere a read-only job must not: the DVC remote, git, MLflow's registry.
WRITES = re.compile(r"\b(remote-push|dvc push|open-pr|promote|rollback|template-update)\b")
SECRET = re.compile(r"secrets\.([A-Z][A-Z0-9_]*)")


def test_secrets_only_in_jobs_bound_to_an_environment(baked: Path) -> None:
    """Issue 8 item 11: environment secrets are released only to jobs that name the environment."""
    seen = set()
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            where = f"{path.stem}:{name}"
            if "secrets." in yaml.safe_dump(job):
                seen.add(where)
                assert job.get("environment") == SECRET_ENVIRONMENTS.get(where, "model-promotion"), where
            else:
                assert "environment" not in job, f"{where} names an environment but reads no secret"
    assert {"retrain:check", "retrain:retrain", "retrain:promote-pr", "pr:pipeline", "promote:register"} <= seen


def environment_secrets(baked: Path) -> dict[str, set[str]]:
    """Environment -> the secrets its jobs read; {} for jobs bound to none (which read none)."""
    found: dict[str, set[str]] = {}
    for path in workflow_files(baked):
        for job in load(path)["jobs"].values():
            if "environment" in job:
                found.setdefault(job["environment"], set()).update(SECRET.findall(yaml.safe_dump(job)))
    return found


def test_read_only_jobs_get_a_read_only_environment(baked: Path) -> None:
    """Issue 19 item 9. A job that only reads (check, batch scoring) is bound to `model-monitoring`, never to
    `model-promotion`: it would hold the write credential, and reviewers put on promotion would hold up the
    daily check. A job that writes (dvc push, MLflow registry, a branch or a pull request) is bound to
    `model-promotion`, and no read-only environment releases a token that can push or open pull requests."""
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            where, env = f"{path.stem}:{name}", job.get("environment")
            runs = " ".join(str(step.get("run", "")) for step in job["steps"])
            writes = bool(WRITES.search(runs)) or job["permissions"].get("contents") == "write"
            if env in READ_ONLY_ENVIRONMENTS:
                assert not writes, f"{where} writes but is bound to the read-only environment {env}"
            if env == "model-promotion":
                assert writes, f"{where} only reads but is bound to model-promotion (the write credential)"
            if writes and "secrets." in yaml.safe_dump(job):
                assert env == "model-promotion", where
    secrets = environment_secrets(baked)
    for env in READ_ONLY_ENVIRONMENTS:
        held = secrets.get(env, set())
        assert not held & {"PROMOTION_TOKEN", "TEMPLATE_UPDATE_TOKEN", "MLFLOW_TRACKING_PASSWORD"}, (env, held)
    assert "model-monitoring" in secrets and "model-promotion" in secrets


def test_readme_lists_what_each_environment_holds(baked: Path) -> None:
    """Issue 19 item 9. The README's environments table names, for every environment, exactly the secrets
    its jobs read (a secret put there that no job reads is a credential handed out for nothing), and
    states the plan limits: environments in a private repository need a paid plan."""
    readme = (baked / "README.md").read_text()
    for env, held in environment_secrets(baked).items():
        rows = [line for line in readme.splitlines() if line.startswith(f"| `{env}` |")]
        assert len(rows) == 1, f"README: one row of the environments table for {env}"
        listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", rows[0].split("|")[3]))
        assert listed == held, f"README row {env}: lists {sorted(listed)}, its jobs read {sorted(held)}"
    for phrase in ("GitHub Free", "private", "required reviewers", "repository secrets"):
        assert phrase in readme, phrase


def test_pull_requests_never_write_to_the_shared_registry(baked: Path) -> None:
    """Issue 8 item 11: pr.yml runs unmerged code; the MLflow registry mirrors main, so PRs track locally."""
    pr = load(baked / ".github" / "workflows" / "pr.yml")
    assert pr["env"]["MLFLOW_TRACKING_URI"] == "sqlite:///mlflow.db"
    text = (baked / ".github" / "workflows" / "pr.yml").read_text()
    assert "vars.MLFLOW_TRACKING_URI" not in text and "MLFLOW_TRACKING_TOKEN" not in text
    for job in pr["jobs"].values():
        assert "MLFLOW_TRACKING_URI" not in (job.get("env") or {})
        for step in job.get("steps", []):
            assert "MLFLOW_TRACKING_URI" not in (step.get("env") or {})


CLOUD_CREDENTIAL = re.compile(r"^(AWS_|GOOGLE_|AZURE_|ARM_|GCP_)")
OIDC_AWS = "aws-actions/configure-aws-credentials@"


def test_cloud_credentials_are_exported_only_when_set(baked: Path) -> None:
    """Issue 19 item 4. `env: {AWS_ACCESS_KEY_ID: ${{ secrets.X }}}` is an empty string when the secret
    is absent, which hides the credentials a role-assuming step exported: botocore finds none. No job
    or step sets a cloud credential variable in `env:`; secrets go as IF_SET_<NAME> to `export-if-set`."""
    callers = 0
    for path in workflow_files(baked):
        wf = load(path)
        assert not [k for k in wf.get("env") or {} if CLOUD_CREDENTIAL.match(k)], f"{path.name}: workflow env"
        for name, job in wf["jobs"].items():
            for where, env in [("job env", job.get("env")), *((s.get("name"), s.get("env")) for s in job["steps"])]:
                direct = [k for k in env or {} if CLOUD_CREDENTIAL.match(k)]
                assert not direct, f"{path.name}:{name}: {where}: {direct} in env: (pass IF_SET_<NAME> to export-if-set)"
            for step in job["steps"]:
                if any(k.startswith("IF_SET_") for k in step.get("env") or {}):
                    assert "export-if-set" in step.get("run", ""), f"{path.name}:{name}: IF_SET_* without export-if-set"
                    callers += 1
    assert callers >= 2


def test_oidc_is_opt_in_and_id_token_only_where_it_runs(baked: Path) -> None:
    """Issue 19 item 4. Every job that runs configure-aws-credentials grants `id-token: write` (without it
    the action finds no ACTIONS_ID_TOKEN_REQUEST_TOKEN) and no other job does. The step runs only with
    the repository variable AWS_ROLE_ARN, assumes that role, comes before the setup action (whose
    `dvc pull` may need it) and before `export-if-set` (which keeps the role's keys)."""
    users = 0
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            where = f"{path.name}:{name}"
            steps = job["steps"]
            oidc = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith(OIDC_AWS)]
            granted = job["permissions"].get("id-token") == "write"
            assert granted == bool(oidc), f"{where}: id-token: write {'without' if granted else 'missing for'} OIDC"
            if not oidc:
                continue
            users += 1
            step = steps[oidc[0]]
            assert step["if"] == "vars.AWS_ROLE_ARN != ''", where
            assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}", where
            assert "aws-access-key-id" not in step["with"], where
            setup = next(i for i, s in enumerate(steps) if s.get("uses") == "./.github/actions/setup")
            export = next(i for i, s in enumerate(steps) if "export-if-set" in s.get("run", ""))
            assert oidc[0] < setup < export, f"{where}: OIDC, then setup, then export-if-set"
    assert users == (3 if OPTIONS[baked]["include_batch_inference"] else 2)


def test_readme_names_the_oidc_subject_of_each_environment(baked: Path) -> None:
    """Issue 19 item 4. A job bound to an environment gets the subject repo:O/R:environment:NAME, not a
    branch ref: the README's trust-policy condition names it for every environment an OIDC job uses."""
    readme = (baked / "README.md").read_text()
    environments = {
        job["environment"]
        for path in workflow_files(baked)
        for job in load(path)["jobs"].values()
        if any(str(s.get("uses", "")).startswith(OIDC_AWS) for s in job["steps"])
    }
    assert environments
    for name in environments:
        assert f'"repo:OWNER/REPO:environment:{name}"' in readme, name  # in the condition on `...:sub`
    assert '"token.actions.githubusercontent.com:sub": [' in readme
    assert "id-token: write" in readme


def test_app_tokens_are_minted_per_job_never_stored(baked: Path) -> None:
    """Issue 19 item 2. A GitHub App installation token expires after an hour, so one stored as a secret works
    for an hour, then never. Every job that opens pull requests with a stored token mints an App token first
    when the App is configured (actions/create-github-app-token, opt-in by the variable PROMOTION_APP_CLIENT_ID)
    and prefers it; the README no longer offers an installation token as a secret."""
    jobs = 0
    for path in workflow_files(baked):
        for name, job in load(path)["jobs"].items():
            steps = job["steps"]
            users = [i for i, s in enumerate(steps) if "secrets.PROMOTION_TOKEN" in str((s.get("env") or {}).get("GITHUB_TOKEN", ""))]
            if not users:
                continue
            jobs += 1
            minted = [i for i, s in enumerate(steps) if s.get("id") == "app-token"]
            assert len(minted) == 1 and minted[0] < users[0], f"{path.name}:{name}: no App token step before its use"
            mint = steps[minted[0]]
            assert mint["uses"].startswith("actions/create-github-app-token@"), mint
            assert mint["if"] == "vars.PROMOTION_APP_CLIENT_ID != ''", f"{path.name}:{name}: the App must stay opt-in"
            assert mint["with"]["client-id"] == "${{ vars.PROMOTION_APP_CLIENT_ID }}"
            assert mint["with"]["private-key"] == "${{ secrets.PROMOTION_APP_PRIVATE_KEY }}"
            assert "skip-token-revoke" not in mint["with"], "the token is revoked when the job ends"
            for i in users:
                env = steps[i]["env"]
                assert env["GITHUB_TOKEN"].startswith("${{ steps.app-token.outputs.token || "), env
                assert env["TOKEN_KIND"].startswith("${{ steps.app-token.outputs.token && 'app-token' || "), env
    assert jobs == 3, "retrain:promote-pr, rollback, template-update"
    readme = (baked / "README.md").read_text()
    assert "installation token with *Contents*" not in readme
    rows = [line for line in readme.splitlines() if line.startswith("| `PROMOTION_APP_CLIENT_ID`")]
    assert len(rows) == 1 and "PROMOTION_APP_PRIVATE_KEY" in rows[0]


def test_act_gives_each_job_a_token_holding_only_its_permissions(baked: Path, tmp_path: Path) -> None:
    """Issue 19: act hands every job one GITHUB_TOKEN; the harness gives each job's github.token its own token,
    which the GitHub stand-in grants exactly the job's permissions block (tests/act_harness.py)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from act_harness import act_readable, job_token

    for path in workflow_files(baked):
        copy, tokens = act_readable(path, tmp_path / path.stem)
        text = copy.read_text()
        assert "github.token" not in text, path.name
        for name, job in load(path)["jobs"].items():
            assert tokens[job_token(path.stem, name)] == job["permissions"], f"{path.name}:{name}"
            uses = [s for s in load(copy)["jobs"][name]["steps"] if "GITHUB_TOKEN" in (s.get("env") or {})]
            for step in uses:
                assert job_token(path.stem, name) in step["env"]["GITHUB_TOKEN"], f"{path.name}:{name}"
