"""The README's fault table: generated from docs/faults.yaml, and every row tied to tests that exist (fast tier)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from .conftest import TEMPLATE

sys.path.insert(0, str(TEMPLATE / "scripts"))
import gen_fault_table

BAKED = TEMPLATE / "{{cookiecutter.project_slug}}"
ROOTS = {"template": TEMPLATE, "baked": BAKED}
REF = re.compile(r"(template|baked):(tests/\w+\.py)::(\w+)")
ENTRIES = gen_fault_table.load()


def row_id(entry: dict) -> str:
    return entry["fault"][:50]


@cache
def defined_functions(where: str, path: str) -> frozenset[str]:
    text = (ROOTS[where] / path).read_text(encoding="utf-8")
    if where == "baked":  # the baked tests are Jinja templates: make them Python first
        text = re.sub(r"\{\{ *cookiecutter\.\w+ *\}\}", "package", text)
        text = re.sub(r"\{%-? .*? -?%\}", "", text)
    tree = ast.parse(text)
    return frozenset(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def code_spans(markdown: str) -> list[str]:
    """Inline code as CommonMark reads it: a run of N backticks up to the next run of exactly N."""
    spans, i = [], 0
    while (match := re.compile(r"`+").search(markdown, i)) is not None:
        fence = match.group()
        close = re.compile(rf"(?<!`){fence}(?!`)").search(markdown, match.end())
        if close is None:
            i = match.end()
            continue
        span = markdown[match.end():close.start()]
        spans.append(span[1:-1] if span.startswith(" ") and span.endswith(" ") and span.strip() else span)
        i = close.end()
    return spans


@cache
def sources() -> str:
    """Where a quoted message can be written: the baked package and the template's own code and tests."""
    files = [*BAKED.glob("src/**/*.py"), *BAKED.glob("tests/*.py"), *TEMPLATE.glob("tests/*.py"),
             *TEMPLATE.glob("hooks/*.py"), *TEMPLATE.glob("scripts/*.py"), TEMPLATE / "template_guard.py"]
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    # A long message is written as adjacent string literals, one per line: read them as one string.
    return re.sub(r"([\"'])\s*\n\s*[bfr]*\1", "", text)


def test_readme_table_is_generated_and_current() -> None:
    result = subprocess.run([sys.executable, str(TEMPLATE / "scripts/gen_fault_table.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr + "\n(run python scripts/gen_fault_table.py and commit README.md)"
    table = gen_fault_table.render(ENTRIES)
    assert table in (TEMPLATE / "README.md").read_text(encoding="utf-8")
    assert table.count("\n") == len(ENTRIES) + 3  # start marker, header, separator, one line per entry


def test_the_check_fails_when_the_readme_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "README.md"
    text = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    readme.write_text(text.replace("| two `ingest` processes at once |", "| two ingests at once |"), encoding="utf-8")
    monkeypatch.setattr(gen_fault_table, "README", readme)
    assert gen_fault_table.main(["--check"]) == 1
    assert gen_fault_table.main([]) == 0
    assert readme.read_text(encoding="utf-8") == gen_fault_table.replace_table(text, gen_fault_table.render(ENTRIES))


@pytest.mark.parametrize("entry", ENTRIES, ids=row_id)
def test_every_row_names_tests_that_exist(entry: dict) -> None:
    assert set(entry) <= {"fault", "sees", "kept", "recovers", "tests", "unquoted"}, set(entry)
    for ref in entry["tests"]:
        match = REF.fullmatch(ref)
        assert match, f"{ref!r}: write template:tests/<file>.py::<test> or baked:tests/<file>.py::<test>"
        where, path, name = match.groups()
        assert (ROOTS[where] / path).is_file(), f"{ref}: no such file"
        assert name in defined_functions(where, path), f"{ref}: {path} defines no {name}"


def test_every_row_says_which_tests_reproduce_it() -> None:
    # `tests: []` is written on purpose for a row no test reproduces yet; it shows as a dash in the table.
    for entry in ENTRIES:
        assert isinstance(entry.get("tests"), list), f"{row_id(entry)}: no tests list"
        assert (gen_fault_table.reproduced_by(entry["tests"]) == gen_fault_table.NONE) == (entry["tests"] == [])


@pytest.mark.parametrize("entry", ENTRIES, ids=row_id)
def test_a_quoted_message_is_a_real_one(entry: dict) -> None:
    """At least one quoted fragment (12+ characters, no elision) is written in a test or the code, literally."""
    fragments = [s for s in code_spans(entry["sees"]) if len(s) >= 12 and "…" not in s and "<" not in s]
    if entry.get("unquoted"):
        assert not any(f in sources() for f in fragments), "a fragment is found: drop `unquoted: true`"
        return
    assert fragments, "no fragment to check: quote the message, or mark the row `unquoted: true`"
    assert any(f in sources() for f in fragments), f"none of {fragments} is in the tests or the code"
