"""A Jinja extension that keeps answers as data while cookiecutter bakes (``_extensions``).

Cookiecutter renders every answer that arrives as extra context or from a user config
(``cookiecutter --no-input . description='...'``) as a Jinja template, in an unsandboxed
environment: ``{{ ... }}`` inside an answer would run at bake time. This extension:

1. **Neutralises** template syntax in any string that is not the template's own text
   (cookiecutter.json's values, the hooks, the Jinja in file and folder names): such a
   string renders to itself, literally. Nothing in an answer is ever evaluated.
2. **Validates** every answer in-process, with the pre-generation hook's own rules,
   before a file or folder exists (``__answers_checked`` in cookiecutter.json calls the
   ``validate_answers`` filter). An error in a derived field is reported on the answer it
   came from: a ``project_name`` that gives an invalid slug is one line naming
   ``project_name``. It prints one line per field and exits 1, without cookiecutter's
   traceback.
3. **Writes JSON as UTF-8** (``tojson`` with ``ensure_ascii=False``), so a non-BMP
   character such as an emoji reaches pyproject.toml as itself instead of a surrogate
   pair escape that TOML forbids.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

TEMPLATE = Path(__file__).resolve().parent
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
DERIVED_RE = re.compile(r"cookiecutter\.(\w+)")
OPENERS = ("{{", "{%", "{#")


def _strings(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return set().union(*(_strings(k) | _strings(v) for k, v in node.items())) if node else set()
    if isinstance(node, list):
        return set().union(*(_strings(v) for v in node)) if node else set()
    return set()


def _hook_module() -> ModuleType:
    """hooks/pre_gen_project.py as a module (its answers block is parsed only in main())."""
    spec = importlib.util.spec_from_file_location("_retrain_pre_gen_project", TEMPLATE / "hooks" / "pre_gen_project.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AnswerGuard(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
        self.owned = _strings(self.context)
        hooks = TEMPLATE / "hooks"
        if hooks.is_dir():
            self.owned |= {p.read_text(encoding="utf-8") for p in hooks.iterdir() if p.is_file()}
        roots = [p for p in TEMPLATE.iterdir() if p.is_dir() and TAG_RE.search(p.name)]
        paths = [*roots, *(p for root in roots for p in root.rglob("*"))]
        self.path_tags = {tag for p in paths for tag in TAG_RE.findall(p.name)}
        self.literals: list[str] = []
        environment.globals["_answer_literals"] = self.literals
        environment.filters["validate_answers"] = self.validate_answers
        environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

    # 1. nothing in an answer is evaluated
    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is not None or not any(opener in source for opener in OPENERS):
            return source  # a template file (loaded by name), or plain text
        if source in self.owned:
            return source  # cookiecutter.json's own defaults, the hooks
        tags = set(TAG_RE.findall(source))
        if tags and tags <= self.path_tags and not any(o in TAG_RE.sub("", source) for o in OPENERS):
            return source  # a file or folder path made of the template's own names
        self.literals.append(source)
        return "{{ _answer_literals[" + str(len(self.literals) - 1) + "] }}"

    # 2. every answer checked before anything is written
    def validate_answers(self, answers: dict[str, Any]) -> str:
        hook = _hook_module()
        values = {k: v for k, v in answers.items() if not k.startswith("_")}
        derived: dict[str, str] = {}
        for key, default in self.context.items():
            if not isinstance(default, str) or key not in values or "cookiecutter." not in default:
                continue
            sources = sorted(set(DERIVED_RE.findall(default)))
            if len(sources) == 1 and values[key] == self.environment.from_string(default).render(cookiecutter=values):
                derived[key] = sources[0]
        keys = re.findall(r'^\s*"(\w+)": cookiecutter\.', hook.ANSWERS_JSON, re.MULTILINE)
        errors = hook.validate({k: values[k] for k in keys}, derived)
        if errors:
            for line in errors:
                print(f"ERROR: {line}", file=sys.stderr)
            raise SystemExit(1)
        return "ok"

