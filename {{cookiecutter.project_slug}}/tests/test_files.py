"""The one writer every report goes through (adapters/files.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.adapters.files import (
    Outputs,
    write_json,
    write_text_atomic,
)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_an_atomic_write_gets_the_mode_a_plain_write_would(tmp_path: Path, umask: int) -> None:
    """Issue 20 item 7: the temporary file's 0600 was renamed into place, so reports were unreadable to
    the rest of a team's group on a shared machine."""
    old = os.umask(umask)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        write_text_atomic(tmp_path / "report.md", "y")
        write_json(tmp_path / "report.json", {"a": 1})
    finally:
        os.umask(old)
    expected = stat.S_IMODE(plain.stat().st_mode)
    assert expected == 0o666 & ~umask
    for name in ("report.md", "report.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "report.json", "report.md"]  # no .tmp-*


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_text_atomic(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_stage_publishes_all_its_outputs_or_none(tmp_path: Path) -> None:
    """Issue 20: evaluate wrote evaluation.json, then metrics.json, then the plots one by one, so a failure
    half-way left this run's evaluation beside the last run's metrics."""
    first, second = tmp_path / "evaluation.json", tmp_path / "plots" / "roc.json"
    first.write_text("old evaluation")

    def evaluate_fails_half_way() -> None:
        with Outputs() as outputs:
            outputs.json(first, {"new": True})
            outputs.text(second, "new roc")
            raise ValueError("a metric failed")

    with pytest.raises(ValueError, match="a metric failed"):
        evaluate_fails_half_way()
    assert first.read_text() == "old evaluation"
    assert not second.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["evaluation.json"]  # no .tmp-*

    old = os.umask(0o002)
    try:
        with Outputs() as outputs:
            outputs.json(first, {"new": True})
            outputs.path(second).write_bytes(b"any writer")  # pandas, matplotlib: they get a path
    finally:
        os.umask(old)
    assert first.read_text() == '{\n  "new": true\n}\n'
    assert second.read_bytes() == b"any writer"
    assert stat.S_IMODE(second.stat().st_mode) == 0o664
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["evaluation.json", "roc.json"]
