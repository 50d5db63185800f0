"""Edit one value of params.yaml in place, keeping its comments and layout.

A YAML round-trip through a parser would drop the comments that explain each
setting; the window's end date is a single scalar line, so edit that line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .files import write_text_atomic

END_DATE_RE = re.compile(
    r"^(?P<indent>\s+)end_date:\s*(?P<quote>[\"']?)(?P<value>\d{4}-\d{2}-\d{2})(?P=quote)(?P<rest>.*)$"
)


def set_end_date(path: Path, day: dt.date) -> str:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    in_data = False
    for i, line in enumerate(lines):
        if re.match(r"^\S", line):
            in_data = line.startswith("data:")
            continue
        match = END_DATE_RE.match(line.rstrip("\n"))
        if in_data and match and len(match["indent"]) == 2:
            old = match["value"]
            q = match["quote"]
            lines[i] = f"{match['indent']}end_date: {q}{day.isoformat()}{q}{match['rest']}\n"
            write_text_atomic(path, "".join(lines))  # a full disk must not leave half a params.yaml
            return old
    raise ValueError(f"{path}: no `data.end_date` line found to update")
