"""The loop's record of retrain attempts (issue 31): what it keeps, what it alerts, what it stores."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.adapters import attempts
from {{ cookiecutter.package_name }}.cli import main

from .conftest import small_params

CHAMPION, OTHER = "a" * 32, "c" * 32
SPLIT = {"train": {"start": "2026-01-01", "end": "2026-01-24"}, "holdout": {"start": "2026-01-25", "end": "2026-01-31"}}


def gate(promote: bool, champion: str = CHAMPION, reason: str = "roc_auc: not better") -> dict[str, Any]:
    return {
        "promote": promote,
        "reasons": [] if promote else [reason],
        "metrics": [{"metric": "roc_auc"}],
        "champion_ref": {"ref": "main", "model_md5": champion},
        "candidate": {"model_md5": "b" * 32},
    }


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 2, day, 6, 30, tzinfo=dt.UTC)


def test_each_judged_candidate_is_recorded_and_nothing_else(tmp_path: Path) -> None:
    assert attempts.record(tmp_path, gate(False), SPLIT, now=at(1)) is not None
    # refused inputs (no metrics judged) and a missing split record are not attempts
    assert attempts.record(tmp_path, {**gate(False), "metrics": []}, SPLIT, now=at(2)) is None
    assert attempts.record(tmp_path, gate(False), None, now=at(2)) is None
    assert attempts.record(tmp_path, gate(True), SPLIT, now=at(3)) is not None
    record = attempts.load(tmp_path)
    assert [(a.verdict, a.data_end, a.train_end) for a in record] == [
        ("reject", "2026-01-31", "2026-01-24"),
        ("promote", "2026-01-31", "2026-01-24"),
    ]
    assert record[0].reason == "roc_auc: not better"


def test_streaks_count_rejections_against_one_champion(tmp_path: Path) -> None:
    attempts.record(tmp_path, gate(False, champion=OTHER), SPLIT, now=at(1))  # an older champion's
    for day in (2, 3, 4):
        attempts.record(tmp_path, gate(False), SPLIT, now=at(day))
    tried = attempts.since_champion(attempts.load(tmp_path), CHAMPION)
    assert len(tried) == 3
    assert attempts.rejection_streak(tried) == 3
    attempts.record(tmp_path, gate(True), SPLIT, now=at(5))
    assert attempts.rejection_streak(attempts.since_champion(attempts.load(tmp_path), CHAMPION)) == 0
    assert attempts.since_champion(attempts.load(tmp_path), None) == []


def test_merge_keeps_every_attempt_once_in_time_order(tmp_path: Path) -> None:
    a = attempts.record(tmp_path, gate(False), SPLIT, now=at(3))
    b = attempts.record(tmp_path, gate(False), SPLIT, now=at(1))
    assert a is not None
    assert b is not None
    assert attempts.merge([a], [b, a]) == [b, a]


def test_a_corrupt_record_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "attempts.json").write_text('{"attempts": [{"at": 1}]}')
    with pytest.raises(ValueError, match=r"data/attempts.json is not a valid attempt record"):
        attempts.load(tmp_path)


def test_one_gate_rejected_alert_per_streak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first rejection against a champion is news; the next in a row are counted, not sent."""
    from .conftest import write_params

    write_params(tmp_path, small_params())
    sent: list[str] = []
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.setattr(
        "{{ cookiecutter.package_name }}.adapters.webhook.post",
        lambda url, text: sent.append(text) or None,
    )
    (tmp_path / "reports").mkdir()
    for day in (1, 8):
        result = gate(False)
        (tmp_path / "reports" / "gate.json").write_text(json.dumps(result))
        attempts.record(tmp_path, result, SPLIT, now=at(day))
        assert main(["--root", str(tmp_path), "notify", "--event", "gate-rejected"]) == 0
    assert len(sent) == 1, sent
    assert "roc_auc: not better" in sent[0]
    assert "rejection 2 in a row against this champion" in capsys.readouterr().out
    # the model main already pins is not a rejection at all
    (tmp_path / "reports" / "gate.json").write_text(json.dumps({**gate(False), "already_champion": True}))
    assert main(["--root", str(tmp_path), "notify", "--event", "gate-rejected"]) == 0
    assert len(sent) == 1


@pytest.mark.slow
def test_a_rejected_attempt_stores_the_new_data_not_its_model(tmp_path: Path) -> None:
    """The raw history reaches the DVC remote whatever the gate said; a rejected model does not."""
    from {{ cookiecutter.package_name }}.jobs.demo import Scratch, make_scratch

    from .conftest import PROJECT_ROOT, write_params

    root, remote = tmp_path / "project", tmp_path / "remote"
    make_scratch(PROJECT_ROOT, root)
    write_params(root, small_params())
    s = Scratch(root, say=lambda _: None, cli_main=main)
    s.run("git", "init", "-q")
    s.run(sys.executable, "-m", "dvc", "remote", "add", "-f", "-d", "--local", "storage", str(remote))
    remote.mkdir()
    s.dvc_repro()
    lock = (root / "dvc.lock").read_text()
    import yaml

    outs = {o["path"]: o for stage in yaml.safe_load(lock)["stages"].values() for o in stage.get("outs", [])}
    model_md5 = outs["models/model.skops"]["md5"]

    def stored(md5: str) -> bool:
        return (remote / "files" / "md5" / md5[:2] / md5[2:]).exists()

    (root / "reports" / "gate.json").write_text(json.dumps(gate(False)))
    pushed = s.cli("remote-push")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "only data/raw" in pushed.stdout
    raw_dir = outs["data/raw"]["md5"].removesuffix(".dir")
    assert stored(raw_dir + ".dir"), "the raw history is stored"
    assert not stored(model_md5), "a rejected model is not"
    (root / "reports" / "gate.json").write_text(json.dumps(gate(True)))
    assert s.cli("remote-push").returncode == 0
    assert stored(model_md5), "a promoted one is"
