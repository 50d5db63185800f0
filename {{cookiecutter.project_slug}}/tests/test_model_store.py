"""The model file's bytes depend only on the model (issue 20 item 7).

DVC records ``models/model.skops`` by md5 in ``dvc.lock``: when a retrain of the same data with the
same params writes different bytes, ``dvc.lock`` changes although nothing did. skops names the
arrays it stores after their memory address (and raw bytes after a random uuid), and zip members
carry the time they were written, so every save differed.
"""

from __future__ import annotations

import copy
import hashlib
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.adapters import model_store
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import parse_params

from .conftest import small_params


def _fitted() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    x = rng.rand(60, 3)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, (x[:, 0] > 0.5).astype(int))
    model.blob_ = b"raw bytes"  # skops stores bytes under a random uuid name
    model.alias_ = model.named_steps["logisticregression"].coef_  # one array referenced twice
    return model


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every clock read after this is ``seconds`` later (zip member times have 2 s resolution)."""
    now = time.time

    monkeypatch.setattr(time, "time", lambda: now() + seconds)


def test_two_saves_of_the_same_model_at_different_times_are_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = parse_params(small_params())
    model = _fitted()
    model_store.save(model, tmp_path / "a.skops", params)
    _later(monkeypatch, 86_400 + 7)
    # A copy holds the same state in other objects (other addresses), as a second retrain does.
    model_store.save(copy.deepcopy(model), tmp_path / "b.skops", params)
    first, second = (tmp_path / "a.skops").read_bytes(), (tmp_path / "b.skops").read_bytes()
    assert first == second

    with zipfile.ZipFile(tmp_path / "b.skops") as archive:
        members = archive.infolist()
        assert {m.date_time for m in members} == {(1980, 1, 1, 0, 0, 0)}
        assert {m.external_attr >> 16 for m in members} == {0o100644}
        assert members[-1].filename == "schema.json"

    loaded = model_store.load(tmp_path / "b.skops", params)
    x = np.random.RandomState(1).rand(10, 3)
    assert (loaded.predict_proba(x) == model.predict_proba(x)).all()
    assert loaded.blob_ == b"raw bytes"
    assert loaded.alias_ is loaded.named_steps["logisticregression"].coef_  # shared references stay shared


def test_retraining_identical_inputs_writes_an_identical_model_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for stage in ("ingest", "validate", "split", "train"):
        assert main(["--root", str(project), stage, *(["--no-track"] if stage == "train" else [])]) == 0, stage
    model_file = project / "models/model.skops"
    first = hashlib.md5(model_file.read_bytes(), usedforsecurity=False).hexdigest()
    _later(monkeypatch, 3_600 + 3)
    assert main(["--root", str(project), "train", "--no-track"]) == 0
    assert hashlib.md5(model_file.read_bytes(), usedforsecurity=False).hexdigest() == first


def test_a_file_whose_schema_names_members_otherwise_keeps_its_names_and_loads(tmp_path: Path) -> None:
    """Renaming is done only when every stored member is named by the schema: never at loading's expense."""
    import io

    params = parse_params(small_params())
    model = _fitted()
    raw = model_store.skops_io().dumps(model)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as extended:
        for info in source.infolist():
            extended.writestr(info, source.read(info.filename))
        extended.writestr("notes.txt", "a member no node names")
    kept = model_store.canonical(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        assert set(archive.namelist()) == set(zipfile.ZipFile(out).namelist())
        assert {m.date_time for m in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert model_store.loads(kept, params, "the model").blob_ == b"raw bytes"
