"""One rule for every file the project writes (issue 20 item 1): through ``adapters/files.py``.

A file is written to a temporary name beside its target and renamed over it, and a command's files that
belong together (``gate.json`` and ``gate.md``, ``decision.json`` and ``decision.md``, the drift summary
and its HTML) are published together or not at all. A full disk, a read-only file system or a crash
half-way through then leaves the old files as they were, and the command ends in one line, exit 2.
"""

from __future__ import annotations

import ast
import errno
import json
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.cli import main

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "{{ cookiecutter.package_name }}"
# Calls that write their target (the receiver for Path.write_*, the first argument for the rest).
RECEIVER_WRITES = {"write_text", "write_bytes"}
ARGUMENT_WRITES = {"to_parquet", "to_csv", "to_json", "savefig", "save_html"}
# A write to one of these names is a write to a temporary file that files.py (or the module's own rename)
# puts in place: `outputs.path(...)`, `tmp`, `staged`.
TEMPORARY = ("outputs.path(", "tmp", "staged")


def _direct_writes() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "files.py" and path.parent.name == "adapters":
            continue  # the writer itself
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in RECEIVER_WRITES:
                target = ast.get_source_segment(source, func.value) or ""
            elif isinstance(func, ast.Attribute) and func.attr in ARGUMENT_WRITES and node.args:
                target = ast.get_source_segment(source, node.args[0]) or ""
            elif isinstance(func, ast.Name) and func.id == "open" and len(node.args) > 1:
                mode = node.args[1]
                if isinstance(mode, ast.Constant) and str(mode.value).startswith("a"):
                    continue  # appending to a file the runner owns ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY)
                target = ast.get_source_segment(source, node.args[0]) or ""
            else:
                continue
            if not any(word in target for word in TEMPORARY):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.get_source_segment(source, node)}")
    return found


def test_every_write_goes_through_the_atomic_writer() -> None:
    """A plain ``path.write_text(...)`` truncates the target first: a full disk or a crash leaves half a file
    (params.yaml, a report a reviewer reads). Only files.py writes targets; the rest write temporary files."""
    assert _direct_writes() == []


def _full_disk_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Writing any file whose name contains ``name`` (the target or its temporary file) fails as a full disk
    fails: the file is opened for writing (truncated), then ENOSPC."""
    original = Path.write_text

    def write_text(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        if name in self.name:
            original(self, "", *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


def _one_line_exit_2(code: int, captured: pytest.CaptureFixture[str]) -> str:
    out = captured.readouterr()
    assert code == 2, out
    assert "Traceback" not in out.out + out.err
    [line] = out.err.strip().splitlines()
    assert "No space left on device" in line, line
    assert line.endswith("free disk space and re-run"), line
    return line


def test_gate_publishes_its_json_and_markdown_together(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: gate.json was written, then gate.md failed: a PR comment read the old verdict beside the new JSON."""
    assert main(["--root", str(project), "gate"]) == 1  # no evaluation: a verdict that says so, both files
    reports = project / "reports"
    before = {name: (reports / name).read_bytes() for name in ("gate.json", "gate.md")}
    assert b"evaluation.json is missing" in before["gate.md"]
    # A hand-written evaluation without its inputs' fingerprint: this run's verdict differs.
    (reports / "evaluation.json").write_text(json.dumps({"metrics": {}}))
    capsys.readouterr()
    _full_disk_on(monkeypatch, "gate.md")
    _one_line_exit_2(main(["--root", str(project), "gate"]), capsys)
    assert {name: (reports / name).read_bytes() for name in before} == before
    assert not list(reports.glob(".tmp-*")), "a temporary file was left behind"


def test_decide_publishes_its_json_and_markdown_together(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(project), "ingest"]) == 0
    assert main(["--root", str(project), "decide"]) == 0
    reports = project / "reports"
    before = {name: (reports / name).read_bytes() for name in ("decision.json", "decision.md")}
    capsys.readouterr()
    _full_disk_on(monkeypatch, "decision.md")
    code = main(["--root", str(project), "decide", "--force", "--reason", "a person asked"])
    _one_line_exit_2(code, capsys)
    assert {name: (reports / name).read_bytes() for name in before} == before
    assert not list(reports.glob(".tmp-*")), "a temporary file was left behind"


def test_advance_never_leaves_half_a_params_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`advance` rewrote params.yaml in place: a full disk truncated it, and every command then failed on it."""
    import datetime as dt

    import yaml

    before = (project / "params.yaml").read_bytes()
    start = yaml.safe_load(before)["data"]["start_date"]
    day = (dt.date.fromisoformat(str(start)) + dt.timedelta(days=1)).isoformat()
    _full_disk_on(monkeypatch, "params.yaml")
    _one_line_exit_2(main(["--root", str(project), "advance", "--to", day]), capsys)
    assert (project / "params.yaml").read_bytes() == before
