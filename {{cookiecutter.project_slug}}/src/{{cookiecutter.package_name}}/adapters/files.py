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
from typing import Any


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as handle:
            handle.write(text)
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
    """A machine-readable report and its markdown rendering (e.g. data checks)."""
    write_json(json_path, data)
    if md_path is not None:
        write_text_atomic(md_path, markdown)
