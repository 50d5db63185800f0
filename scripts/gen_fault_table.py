"""Write the README's fault table from docs/faults.yaml: every row next to the tests that reproduce it.

Each entry of docs/faults.yaml holds a row's four cells (fault, what the user sees, what is kept,
how a re-run recovers) and ``tests``, references such as
``baked:tests/test_cli.py::test_a_full_disk_is_one_line_naming_the_file_and_exit_2``.
The table gets a fifth column, *reproduced by*, listing the test files only (template ones, then
baked ones): a reader learns where to look in a few words, while full test names would make every
row several lines wide; the names stay in docs/faults.yaml, where tests/test_fault_table.py checks
that each one exists. The table sits between the README's ``fault-table`` marker comments. Never
edit it by hand; run

    python scripts/gen_fault_table.py            # rewrite the table in README.md
    python scripts/gen_fault_table.py --check    # exit 1 when README.md differs (the tests do this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[1]
README = TEMPLATE / "README.md"
FAULTS = TEMPLATE / "docs" / "faults.yaml"
START, END = "<!-- fault-table:start -->", "<!-- fault-table:end -->"
NONE = "\N{EN DASH}"  # a row no test reproduces yet, as the table writes an empty cell
HEADER = ("| fault | what the user sees | what is kept | how a re-run recovers | reproduced by |\n"
          "|---|---|---|---|---|\n")


def load(path: Path = FAULTS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reproduced_by(refs: list[str]) -> str:
    """``template: `a.py`; baked: `b.py`, `c.py``` -- each file once, in the order first referenced."""
    files: dict[str, list[str]] = {"template": [], "baked": []}
    for ref in refs:
        where, path = ref.split(":", 1)
        name = f"`{Path(path.split('::')[0]).name}`"
        if name not in files[where]:
            files[where].append(name)
    return "; ".join(f"{where}: {', '.join(names)}" for where, names in files.items() if names) or NONE


def row(cells: list[str]) -> str:
    # An empty cell stays "| |", as the hand-written table had it.
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|\n"


def render(entries: list[dict[str, Any]]) -> str:
    body = "".join(row([e["fault"], e["sees"], e["kept"], e["recovers"], reproduced_by(e["tests"])])
                   for e in entries)
    return f"{START}\n{HEADER}{body}{END}"


def replace_table(readme: str, table: str) -> str:
    before, found, rest = readme.partition(START)
    _, found_end, after = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"README.md has no {START} … {END} block")
    return before + table + after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md's table is not what this writes")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    text = replace_table(current, render(load()))
    if args.check:
        if current != text:
            print("README.md's fault table is stale: run python scripts/gen_fault_table.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(text, encoding="utf-8")
    print("wrote the fault table in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
