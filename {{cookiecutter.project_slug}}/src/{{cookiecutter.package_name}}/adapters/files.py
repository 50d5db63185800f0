"""Writing files so that a crash never leaves half of one behind.

Every write goes to a unique temporary file beside the target and is renamed over
it (``os.replace`` is atomic on one filesystem): a reader sees the old file or the
new one, two writers never share a temporary file, and a killed process leaves at
most a stray ``.tmp-*`` file, never a truncated target.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")
    os.close(fd)
    try:
        Path(tmp).write_text(text, encoding=encoding)
        # mkstemp creates 0600: without this every report would be unreadable to the rest of a team's
        # group on a shared machine (issue 20 item 7).
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def write_report(json_path: Path, md_path: Path | None, data: dict[str, Any], markdown: str) -> None:
    """A machine-readable report and its markdown rendering (e.g. data checks), published together."""
    with Outputs() as outputs:
        outputs.json(json_path, data)
        if md_path is not None:
            outputs.text(md_path, markdown)


class Outputs:
    """A stage's outputs, published together or not at all (issue 20).

    Each output is written to a temporary file beside its target; leaving the ``with`` block normally
    renames every one into place, an exception removes them all and leaves every target as it was. So a
    stage that fails half-way (a metric that cannot be computed, a full disk, Ctrl-C) never leaves
    ``evaluation.json`` from this run beside ``metrics.json`` from the last one. The renames are atomic one
    by one, not as a set: they run only after all the work succeeded, which is the failure that matters.
    dvc.yaml marks these outputs ``persist`` so DVC does not delete the committed ones before the stage runs.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: Path) -> Path:
        """A temporary path to write ``target``'s content to (any writer: pandas, matplotlib, open())."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".tmp-{target.name}-")
        os.close(fd)
        self._staged.append((Path(tmp), target))
        return Path(tmp)

    def text(self, target: Path, text: str, encoding: str = "utf-8") -> None:
        self.path(target).write_text(text, encoding=encoding)

    def json(self, target: Path, data: Any, indent: int = 2) -> None:
        self.text(target, json.dumps(data, indent=indent, default=str) + "\n")

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        staged, self._staged = self._staged, []
        if kind is not None:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            return
        mode = _umask_mode()
        try:
            for tmp, target in staged:
                os.chmod(tmp, mode)  # mkstemp made it 0600 (issue 20 item 7)
                os.replace(tmp, target)
        finally:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)  # what a failed rename left behind
