"""The baked README's quick start and first promotion, walked literally (issue 24).

The commands come from the baked project's README, not from this file: the ``bash`` blocks and the
command table of *Quick start* and the ``bash`` blocks of *Move the window forward*, run in order in a
fresh default bake. Every command must exit 0; the walk must reach ``gate: PROMOTE`` twice (the first
model, then the retrained one) and end with a pull-request body that holds no placeholder and no
section written for another data window.

A command is left out only by a rule below (``NOT_RUN``), each with its reason; a command no rule
names runs, so a new README step is walked as soon as it is written.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from .conftest import BakedEnv, bake_ok, run

WALKED_SECTIONS = ("Quick start", "Move the window forward")

# First words of the commands this test does not run, and why. Matched on the command's words.
NOT_RUN: dict[tuple[str, ...], str] = {
    ("python", "-m", "venv"): "the venv: the test's shared baked venv is that venv (installed from requirements.lock)",
    (".", ".venv/bin/activate"): "the venv: the test puts the shared baked venv first on PATH instead",
    ("pip", "install"): "the package index (network); the fixture installs the same lockfile and the project",
    ("uv",): "the package index (network); same as pip install",
    ("pytest",): "the project's own tests: minutes each, run by test_e2e.py's quality gates",
    ("mlflow", "ui"): "a server that runs until stopped",
    ("make", "ui"): "a server that runs until stopped (test_devtools.py starts and stops it)",
}


def readme_sections(readme: str, titles: tuple[str, ...]) -> dict[str, str]:
    """The text of each ``## title`` section (up to the next heading of level 2 or 3)."""
    found: dict[str, str] = {}
    for title in titles:
        match = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^#{{2,3}} |\Z)", readme, re.S | re.M)
        assert match, f"the baked README has no '## {title}' section"
        found[title] = match.group(1)
    return found


def section_commands(text: str) -> list[str]:
    """The commands of a README section, in order: each line of its ``bash`` blocks (trailing comments
    dropped) and the first column of its command table (`` `cmd` / `other` `` is two commands)."""
    commands: list[str] = []
    in_bash = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_bash = not in_bash and line.strip() == "```bash"
            continue
        if in_bash:
            command = outside_quotes(line, "#")[0].strip()
            if command:
                commands.append(command)
        elif line.startswith("| `"):
            first_cell = line.split("|")[1]
            commands += re.findall(r"`([^`]+)`", first_cell)
    return commands


def outside_quotes(line: str, separator: str) -> list[str]:
    """``line`` split at each ``separator`` that is not inside shell quotes (a ``#`` only after a space)."""
    parts, start, quote, i = [], 0, "", 0
    while i < len(line):
        char = line[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif line.startswith(separator, i) and (separator != "#" or i == 0 or line[i - 1].isspace()):
            parts.append(line[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    return [*parts, line[start:]]


def steps(command: str) -> list[str]:
    """``a && b`` is two steps; each is run (or left out) on its own, in order."""
    return [step.strip() for step in outside_quotes(command, "&&") if step.strip()]


def not_run_because(step: str) -> str | None:
    words = shlex.split(step)
    for prefix, reason in NOT_RUN.items():
        if tuple(words[: len(prefix)]) == prefix:
            return reason
    return None


PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9 _./:-]*>")
DATE_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def body_problems(body: str, window: tuple[str, str], holdout: tuple[str, str], allowed: set[str]) -> list[str]:
    """What a reviewer should not read in a promotion body: placeholders (other than ``allowed``, the
    ones `open-pr` fills), a date range outside the data window, a section the report itself names as
    written for other data, a holdout other than the candidate's."""
    problems = [f"placeholder {p}" for p in sorted(set(PLACEHOLDER.findall(body)) - allowed)]
    start, end = window
    for first, last in DATE_RANGE.findall(body):
        if first < start or last > end:
            problems.append(f"date range {first}..{last} outside the data window {start}..{end}")
    problems += [f"stale section: {line}" for line in body.splitlines() if "not this candidate's" in line]
    if "Holdout: " in body and f"{holdout[0]}..{holdout[1]}" not in body:
        problems.append(f"the holdout {holdout[0]}..{holdout[1]} is not the one the body reports")
    for line in body.splitlines():
        if line.lower().startswith(("dataset drift", "no dataset drift")) and f"current {holdout[0]}" not in line:
            problems.append(f"drift of another window than the holdout's: {line}")
    return problems


def test_body_checker_catches_placeholders_and_other_windows() -> None:
    window, holdout = ("2026-01-01", "2026-03-31"), ("2026-03-25", "2026-03-31")
    good = "Holdout: 2100 rows, 2026-03-25..2026-03-31.\n\ngit checkout <candidate-commit>\n"
    assert body_problems(good, window, holdout, {"<candidate-commit>"}) == []
    bad = (
        "Holdout: 2100 rows, 2026-02-22..2026-02-28.\n"
        "dataset drift: 4 of 8 columns; reference 2026-01-01..2026-02-21, current 2026-02-22..2026-02-28\n"
        "reports/decision.json was written for data up to 2026-02-28, not this candidate's (2026-03-31): not shown\n"
        "git checkout <candidate-commit> && see <owner>/<repo>; train 2025-12-01..2026-01-10\n"
    )
    problems = body_problems(bad, window, holdout, {"<candidate-commit>"})
    assert any("placeholder <owner>" in p for p in problems)
    assert any("placeholder <repo>" in p for p in problems)
    assert any("outside the data window" in p for p in problems)
    assert any("stale section" in p for p in problems)
    assert any("holdout" in p for p in problems)
    assert any("drift of another window" in p for p in problems)
    assert not any("candidate-commit" in p for p in problems)


def test_readme_commands_are_parsed_in_order() -> None:
    text = (
        "Intro `not a command`.\n\n```bash\npython -m venv .venv && . .venv/bin/activate && dvc repro\n```\n\n"
        "| command | what |\n|---|---|\n| `dvc metrics show` / `dvc plots show` | x |\n\n"
        '```bash\npkg gate        # a comment\ngit commit -m "First model"\n```\n\n```yaml\nkey: value\n```\n'
    )
    commands = section_commands(text)
    assert commands == [
        "python -m venv .venv && . .venv/bin/activate && dvc repro",
        "dvc metrics show",
        "dvc plots show",
        "pkg gate",
        'git commit -m "First model"',
    ]
    assert [not_run_because(s) is None for s in steps(commands[0])] == [False, False, True]


@pytest.mark.slow  # a bake, two pipeline runs and a report: minutes
@pytest.mark.xdist_group("quickstart")
def test_baked_readme_quick_start_reaches_a_clean_promotion(cookies_session: Any, baked_env: BakedEnv) -> None:
    project = bake_ok(cookies_session)
    baked_env.install_project(project)
    env = baked_env.env()
    package = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]["package_name"]
    sections = readme_sections((project / "README.md").read_text(), WALKED_SECTIONS)

    ran: list[str] = []
    outputs: list[str] = []
    for title in WALKED_SECTIONS:
        for command in section_commands(sections[title]):
            for step in steps(command):
                if not_run_because(step):
                    continue
                # bash: the README's quoting is a shell's; one step at a time, so a failure names it.
                result = run(["bash", "-c", step], cwd=project, env=env, timeout=1200)
                ran.append(step)
                outputs.append(result.stdout + result.stderr)
        if title == "Quick start":
            # The README's word for what `gate` says once the first model is committed: a verdict
            # with nothing to do, not an instruction (issue 24: "stale; re-run dvc repro", which
            # could not change the answer).
            assert "`ALREADY THE CHAMPION (nothing to promote)` (exit 1" in sections[title]
            again = run(["bash", "-c", f"{package} gate"], cwd=project, env=env, check=False)
            assert again.returncode == 1, again.stdout + again.stderr
            assert "gate: ALREADY THE CHAMPION (nothing to promote)" in again.stdout, again.stdout
            assert "dvc repro" not in again.stdout + again.stderr, again.stdout + again.stderr

    # The walk is the documented one, not a README reduced to nothing.
    gates = [i for i, step in enumerate(ran) if step == f"{package} gate"]
    assert ran[0] == "dvc repro", ran
    assert len(gates) == 2, f"expected the first gate and the one after moving the window: {ran}"
    for i in gates:
        assert "gate: PROMOTE" in outputs[i], f"{ran[i]} did not promote:\n{outputs[i]}"
    assert any(step.startswith(f"{package} advance --to ") for step in ran), ran
    assert ran[-1] == f"{package} report", ran

    # The pull-request body `report` wrote, as a reviewer reads it.
    from_params = (project / "params.yaml").read_text()
    start = re.search(r'start_date: "(\d{4}-\d{2}-\d{2})"', from_params)
    end = re.search(r'end_date: "(\d{4}-\d{2}-\d{2})"', from_params)
    assert start and end
    split = json.loads((project / "data/processed/split.json").read_text())
    holdout = (split["holdout"]["start"], split["holdout"]["end"])
    assert holdout[1] == end.group(1), "the holdout ends with the moved window"
    body = (project / "reports/promotion.md").read_text()
    assert body.startswith("# Promote "), body[:200]
    assert "**Promote**" in body, body[:500]
    report_source = (project / "src" / package / "jobs" / "report.py").read_text()
    filled_by_open_pr = set(re.findall(r'CANDIDATE_COMMIT = "(<[^"]+>)"', report_source))
    assert filled_by_open_pr == {"<candidate-commit>"}
    problems = body_problems(body, (start.group(1), end.group(1)), holdout, filled_by_open_pr)
    assert problems == [], "\n".join(problems) + "\n--- reports/promotion.md ---\n" + body
    # The model card the body links, committed with the model: nothing for `open-pr` to fill there.
    card = (project / "reports/model_card.md").read_text()
    problems = body_problems(card, (start.group(1), end.group(1)), holdout, set())
    assert problems == [], "\n".join(problems) + "\n--- reports/model_card.md ---\n" + card
    assert f"Trained on data up to {split['train']['end']}" in card, card
