"""Copy the action pins of .github/template-pins/action.yml into the template's workflows.

Dependabot keeps the manifest fresh (the template's own workflows are Jinja, which it
cannot parse); this script carries its pins (SHA and version comment) into every
``uses:`` line under ``{{cookiecutter.project_slug}}/.github``.

    python scripts/sync_pins.py           # rewrite the template's pins
    python scripts/sync_pins.py --check   # exit 1 and list the differences (tests/test_pins.py)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
MANIFEST = TEMPLATE / ".github" / "template-pins" / "action.yml"
BAKED_GITHUB = TEMPLATE / "{{cookiecutter.project_slug}}" / ".github"
USES = re.compile(r"^(?P<lead>\s*(?:-\s+)?uses:\s*)(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>\S+)(?P<rest>.*)$")
RUNTIME = re.compile(r"^\s*#\s*runtime:\s*(?P<runtime>\S+)\s*$")


def manifest_pins(path: Path = MANIFEST) -> dict[str, tuple[str, str]]:
    """action -> (sha, version comment) as the manifest pins it."""
    pins: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = USES.match(line)
        if match:
            pins[match["action"]] = (match["ref"], match["rest"].strip())
    return pins


def manifest_runtimes(path: Path = MANIFEST) -> dict[str, str]:
    """action -> the runtime recorded on the line above its pin (`# runtime: node24`)."""
    runtimes: dict[str, str] = {}
    previous = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match, recorded = USES.match(line), RUNTIME.match(previous)
        if match and recorded:
            runtimes[match["action"]] = recorded["runtime"]
        previous = line
    return runtimes


def template_files() -> list[Path]:
    return sorted(p for p in BAKED_GITHUB.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def sync(write: bool) -> list[str]:
    """Differences between the template's pins and the manifest (rewritten when ``write``)."""
    pins = manifest_pins()
    problems: list[str] = []
    for path in template_files():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        changed = False
        for number, line in enumerate(lines, 1):
            match = USES.match(line.rstrip("\n"))
            if not match or match["action"].startswith("./"):
                continue
            where = f"{path.relative_to(TEMPLATE)}:{number}"
            action = match["action"]
            if action not in pins:
                problems.append(f"{where}: {action} is not in {MANIFEST.relative_to(TEMPLATE)}: add it there")
                continue
            sha, comment = pins[action]
            if (match["ref"], match["rest"].strip()) != (sha, comment):
                problems.append(f"{where}: {action}@{match['ref']} {match['rest'].strip()} != manifest {sha} {comment}")
                lines[number - 1] = f"{match['lead']}{action}@{sha} {comment}\n"
                changed = True
        if write and changed:
            path.write_text("".join(lines), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report differences; exit 1 if any")
    args = parser.parse_args(argv)
    problems = sync(write=not args.check)
    for line in problems:
        print(line)
    if args.check:
        return 1 if problems else 0
    unfixable = [p for p in problems if "is not in" in p]
    return 1 if unfixable else 0


if __name__ == "__main__":
    sys.exit(main())
