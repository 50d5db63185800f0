"""Format the baked project's Python in the template with ruff, so every bake is formatted.

`src/` is copied without rendering, so ruff formats it in place. `tests/` are Jinja
templates: each `{{ ... }}` expression becomes a placeholder identifier as long as the
longest allowed package name (64 characters, so lines that fit with it fit with any
name, and the splits it causes carry trailing commas that keep them split), each
`{% ... %}` line a marker comment; ruff formats that, and the Jinja is put back.
A bake of each task and of a 64-character package name is then checked with
`ruff format --check` (tests/test_devtools.py does the same in the slow tier).

    python scripts/format_baked.py            # format in place
    python scripts/format_baked.py --check    # exit 1 when something would change

Run it with the baked project's ruff (the lockfile's version), e.g. `.venv-baked/bin/python`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
BAKED = TEMPLATE / "{{cookiecutter.project_slug}}"
EXPR = re.compile(r"\{\{.*?\}\}")
STATEMENT_LINE = re.compile(r"^\s*\{%-?.*?-?%\}\s*$")
MARKER = re.compile(r"^\s*# JINJA_LINE_(\d+)$")
PLACEHOLDER = "jinja_{:02d}_" + "x" * 55  # 64 characters, the longest package name allowed


def ruff_format(text: str, path: Path, check: bool) -> str:
    # --isolated: the template's pyproject.toml is Jinja; these are the baked [tool.ruff] settings.
    args = [sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "120", "--target-version", "py311",
            "--stdin-filename", str(path), "-"]
    result = subprocess.run(args, input=text, capture_output=True, text=True, cwd=BAKED, check=False)
    if result.returncode != 0:
        raise SystemExit(f"ruff format failed on {path}: {result.stderr.strip()}")
    return result.stdout


def format_template(text: str, path: Path) -> str:
    expressions: list[str] = []

    def hide(match: re.Match[str]) -> str:
        if match.group(0) not in expressions:
            expressions.append(match.group(0))
        return PLACEHOLDER.format(expressions.index(match.group(0)))

    statements: list[str] = []
    lines = []
    for line in text.splitlines(keepends=True):
        if STATEMENT_LINE.match(line):
            statements.append(line.rstrip("\n"))
            lines.append(f"# JINJA_LINE_{len(statements) - 1}\n")
        else:
            lines.append(EXPR.sub(hide, line))
    formatted = ruff_format("".join(lines), path, check=False)
    restored = []
    for line in formatted.splitlines(keepends=True):
        marker = MARKER.match(line.rstrip("\n"))
        if marker:
            restored.append(statements[int(marker.group(1))] + "\n")
            continue
        for index, expression in enumerate(expressions):
            line = line.replace(PLACEHOLDER.format(index), expression)
        restored.append(line)
    return "".join(restored)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    changed = []
    for path in sorted((BAKED / "src").rglob("*.py")) + sorted((BAKED / "tests").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        new = format_template(text, path) if "{{" in text or "{%" in text else ruff_format(text, path, args.check)
        if new != text:
            changed.append(path.relative_to(TEMPLATE))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for rel in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {rel}")
    if args.check:
        return 1 if changed else 0
    return verify()


def verify() -> int:
    """Bake each task and a 64-character package name; ruff format --check each bake."""
    from cookiecutter.main import cookiecutter

    bad = 0
    contexts = [{}, {"model_task": "regression"}, {"project_name": "x" * 40, "project_slug": "a" * 64,
                                                   "package_name": "p" * 64}]
    with tempfile.TemporaryDirectory() as tmp:
        for number, context in enumerate(contexts):
            project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=f"{tmp}/{number}",
                                        extra_context=context))
            result = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "src", "tests"],
                                    cwd=project, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                bad += 1
                print(f"bake {context or 'defaults'}: not formatted:\n{result.stdout}{result.stderr}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
