from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main


def test_help_lists_every_stage() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "{{ cookiecutter.package_name }}", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("ingest", "validate", "split", "train", "evaluate", "advance"):
        assert command in out


# A library whose teardown aborts the process, as pyarrow's pool threads can (apache/arrow#34314): an object
# that aborts when the interpreter clears the modules at exit, then the CLI as `python -m` runs it.
TEARDOWN_ABORTS = """
import os, runpy, sys

class AbortsInTeardown:
    def __del__(self):
        os.write(2, b"terminate called without an active exception\\n")
        os.abort()

held = type(sys)("held_by_a_native_library")
held.pool = AbortsInTeardown()
sys.modules[held.__name__] = held
import atexit
import {{ cookiecutter.package_name }}.cli as cli

command = cli.main

def main(argv=None):
    # what a library the command imports does (MLflow, logging, tempfile): its atexit handler must still run
    atexit.register(lambda: open(os.environ["ATEXIT_MARK"], "w").write("ran"))
    return command(argv)

cli.main = main
sys.argv = ["{{ cookiecutter.package_name }}", *sys.argv[1:]]
runpy.run_module("{{ cookiecutter.package_name }}", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(("argv", "code"), [(["advance", "--to", "2026-01-25"], 0), (["split"], 2)])
def test_a_finished_command_survives_a_library_aborting_in_teardown(
    project: Path, tmp_path: Path, argv: list[str], code: int
) -> None:
    """CI saw `dvc repro` fail after `ingest` had done its work: "terminate called without an active
    exception", exit 134, from a native thread pool torn down at interpreter exit. A command that
    finished leaves with its own exit code, its output flushed and the atexit handlers run."""
    import os

    mark = tmp_path / "atexit-ran"
    env = {**os.environ, "ATEXIT_MARK": str(mark)}
    result = subprocess.run(
        [sys.executable, "-c", TEARDOWN_ABORTS, "--root", str(project), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == code, result.stderr
    assert "terminate called" not in result.stderr
    assert mark.read_text() == "ran"
    if code == 0:
        assert "2026-01-25" in (project / "params.yaml").read_text()
        assert "2026-01-25" in result.stdout, "stdout flushed before the exit"
    else:
        assert result.stderr.startswith("error: "), result.stderr


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from {{ cookiecutter.package_name }}.cli import build_parser; build_parser();"
        "heavy = [m for m in ('pandas', 'sklearn', 'mlflow', 'evidently', 'dvc') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_bad_params_exit_2_with_the_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "params.yaml").write_text((project / "params.yaml").read_text() + "\nsurprise: 1\n")
    assert main(["--root", str(project), "ingest"]) == 2
    assert "unknown key 'surprise'" in capsys.readouterr().err


def test_advance_keeps_comments(tmp_path: Path) -> None:
    from .conftest import PROJECT_ROOT

    (tmp_path / "params.yaml").write_text((PROJECT_ROOT / "params.yaml").read_text())
    before = (tmp_path / "params.yaml").read_text()
    assert main(["--root", str(tmp_path), "advance", "--to", "2026-04-01"]) == 0
    after = (tmp_path / "params.yaml").read_text()
    assert 'end_date: "2026-04-01"' in after
    assert after.count("#") == before.count("#")
    assert main(["--root", str(tmp_path), "advance", "--to", "2020-01-01"]) == 2


def test_split_without_data_says_what_to_do(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project), "split"]) == 2
    assert "run ingest first" in capsys.readouterr().err


def test_remote_pull_targets_keep_only_what_dvc_lock_pins(tmp_path: Path) -> None:
    """The check job pulls a few outputs; one an older champion's lock lacks is skipped, not an error."""
    from {{ cookiecutter.package_name }}.cli.workflow import _pinned

    lock = {
        "schema": "2.0",
        "stages": {
            "ingest": {"outs": [{"path": "data/raw", "md5": "a.dir"}]},
            "train": {"outs": [{"path": "models/model.skops", "md5": "b"}]},
        },
    }
    (tmp_path / "dvc.lock").write_text(json.dumps(lock))
    wanted = ["data/raw", "models/model.skops", "data/processed/drift_reference.parquet"]
    assert _pinned(tmp_path, wanted) == ["data/raw", "models/model.skops"]


def _failing_pull(monkeypatch: pytest.MonkeyPatch, root: Path, *, attempts_fail: bool) -> None:
    """A reachable remote whose reads are refused, as a bucket refuses a run without its credential."""
    import subprocess

    from {{ cookiecutter.package_name }}.adapters import attempts, gitops

    remote = gitops.Remote("storage", "s3://models-bucket/dvc", None)
    monkeypatch.setattr(gitops, "default_remote", lambda _root: remote)
    monkeypatch.setattr(gitops, "remote_problem", lambda *_a, **_k: None)

    def pull(_root: Path, _name: str) -> int:
        if attempts_fail:
            raise RuntimeError("Forbidden: An error occurred (403) when calling the HeadObject operation")
        return 0

    monkeypatch.setattr(attempts, "pull", pull)
    refused = subprocess.CompletedProcess(["dvc", "pull"], 1, "", "ERROR: failed to pull data from the cloud - 403")
    monkeypatch.setattr(gitops, "run_dvc", lambda *_a, **_k: refused)
    (root / "dvc.lock").write_text(json.dumps({"schema": "2.0", "stages": {}}))


@pytest.mark.parametrize("attempts_fail", [True, False], ids=["reading-attempts", "dvc-pull"])
@pytest.mark.parametrize(
    ("source", "words"),
    [
        # docs.github.com/en/code-security/dependabot/troubleshooting-dependabot/troubleshooting-dependabot-on-github-actions
        # ("Secrets are populated from Dependabot secrets. GitHub Actions secrets are not available.")
        (
            "dependabot",
            [
                "Dependabot pull request",
                "Dependabot secrets only",
                "Settings > Secrets and variables > Dependabot",
                "DVC_REMOTE_CONFIG",
            ],
        ),
        # docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions
        # (secrets are not passed to workflows triggered by a pull request from a fork)
        ("fork", ["from a fork", "no secrets", "push its branch to this repository"]),
        ("branch", ["`pr-checks`"]),
    ],
)
def test_a_pull_without_the_credential_says_which_secret_reaches_this_pull_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    words: list[str],
    attempts_fail: bool,
) -> None:
    """Issue 19 item 5: a Dependabot pull request gets Dependabot secrets only and a fork's none, so with a real
    remote `pipeline` failed on every weekly Dependabot PR, and the line named the `pr-checks` environment."""
    _failing_pull(monkeypatch, tmp_path, attempts_fail=attempts_fail)
    monkeypatch.setenv("PULL_REQUEST_SOURCE", source)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["--root", str(tmp_path), "remote-pull"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("remote-pull: "), line
    for word in words:
        assert word in line, (word, line)
    if source == "fork":
        assert "pr-checks" not in line, line  # no secret anywhere reaches a fork's run
    # With a credential given (.dvc/config.local written by the setup action) the cause is elsewhere: no hint.
    (tmp_path / ".dvc").mkdir(exist_ok=True)
    (tmp_path / ".dvc" / "config.local").write_text("['remote \"storage\"']\n")
    assert main(["--root", str(tmp_path), "remote-pull"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    for hint in ("Dependabot secrets", "from a fork", "empty or missing"):
        assert hint not in line, line


COMMAND_STARTS = ("::", "##[")


def command_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith(COMMAND_STARTS)]


def test_data_text_cannot_form_a_workflow_command(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8: a column name from the data reached the log raw and could form `::warning::`, `::add-mask::`..."""
    from .conftest import small_params, write_params

    batch = project / "batch.csv"
    batch.write_text('customer_id,"plan\n::warning title=x::pwned",age\n1,basic,30\n')
    write_params(project, small_params(**{"data.source": "file", "data.file.path": str(batch)}))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["--root", str(project), "ingest"]) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "pwned" in text, text  # shown, on one line, escaped
    assert command_lines(text) == [], text


def test_command_guard_lets_only_annotations_through(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from {{ cookiecutter.package_name }}.adapters import gitops

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    with gitops.command_guard():
        print("::add-mask::from-data")
        print("  ##[error]from data", file=sys.stderr)
        print("two\n::stop-commands::x", end="")
        print()
        gitops.annotate("warning", "ours\n::error::not a second command")
    captured = capsys.readouterr()
    assert command_lines(captured.out + captured.err) == ["::warning::ours%0A::error::not a second command"]
    assert "\\::add-mask::from-data" in captured.out
    assert "\\::stop-commands::x" in captured.out
    assert gitops.log_safe("a\r\n::set-output name=x::1\x1b[31m") == "a\\r\\n::set-output name=x::1\\x1b[31m"
    assert gitops.log_safe(" ::error::x") == "\\ ::error::x"


def test_ctrl_c_is_one_line_and_exit_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from {{ cookiecutter.package_name }}.cli import pipeline

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "cmd_train", interrupted)
    assert main(["--root", str(tmp_path), "train"]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip() == "interrupted"
    assert "Traceback" not in captured.out + captured.err


def test_help_names_the_program_people_type(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["train", "--help"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
        usage = capsys.readouterr().out
        assert usage.startswith("usage: {{ cookiecutter.package_name }} "), usage
        assert "{{ cookiecutter.package_name }}.cli" not in usage


def test_a_full_disk_is_one_line_naming_the_file_and_exit_2(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20 item 1: ENOSPC ended `ingest`, `train` and `evaluate` in a Python traceback."""
    import errno

    import pandas as pd

    assert main(["--root", str(project), "ingest"]) == 0
    capsys.readouterr()

    def full(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    assert main(["--root", str(project), "split"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    [line] = captured.err.strip().splitlines()
    assert line.startswith("error: No space left on device (")
    assert "train.parquet" in line
    assert line.endswith("free disk space and re-run")


def test_a_pull_request_opened_with_github_token_says_what_a_reviewer_clicks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19 item 9. On github.com a pull request that the workflow's GITHUB_TOKEN opens or updates gets its
    `pull_request` runs held for approval (docs.github.com/en/actions/concepts/security/github_token): the body
    says where to click, and what to do when no run waits (close and reopen) or how to avoid it (PROMOTION_TOKEN)."""
    from {{ cookiecutter.package_name }}.cli.workflow import token_notice_markdown

    monkeypatch.setenv("TOKEN_KIND", "github-token")
    notice = token_notice_markdown()
    for words in ("Approve workflows to run", "Conversation", "write access", "close and reopen", "PROMOTION_TOKEN"):
        assert words in notice, words
    assert "pipeline (dvc repro + gate)" in notice  # the required check that waits
    monkeypatch.setenv("TOKEN_KIND", "promotion-token")
    assert token_notice_markdown() == ""
    monkeypatch.delenv("TOKEN_KIND")
    assert token_notice_markdown() == notice  # no TOKEN_KIND: the workflow's own token
