"""Validate every answer before anything is written.

Answers arrive as JSON data (``tojson``), never pasted into code, so a quote or a
backslash in a name cannot break or inject into this hook. Each failure prints one
line naming the field and the rule, then aborts the bake with exit code 1.
"""

from __future__ import annotations

import json
import re
import sys

ANSWERS = json.loads(
    r"""{{ {
    "project_name": cookiecutter.project_name,
    "project_slug": cookiecutter.project_slug,
    "package_name": cookiecutter.package_name,
    "description": cookiecutter.description,
    "author_name": cookiecutter.author_name,
    "author_email": cookiecutter.author_email,
    "python_version": cookiecutter.python_version,
    "model_task": cookiecutter.model_task,
    "target_column": cookiecutter.target_column,
    "primary_metric": cookiecutter.primary_metric,
    "dvc_remote_url": cookiecutter.dvc_remote_url,
    "mlflow_tracking_uri": cookiecutter.mlflow_tracking_uri,
    "retrain_schedule": cookiecutter.retrain_schedule,
    "license": cookiecutter.license,
} | tojson }}"""
)

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PYTHON_KEYWORDS = {
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "false", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "none", "nonlocal", "not", "or", "pass", "raise", "return",
    "true", "try", "while", "with", "yield",
}
# Names that would shadow a dependency the generated project imports.
SHADOWED = {
    "dvc", "mlflow", "evidently", "pandas", "numpy", "sklearn", "scipy", "pydantic",
    "yaml", "pytest", "test", "tests", "src", "site", "typing", "json", "os", "sys",
}
METRICS = {
    "classification": {"roc_auc", "average_precision", "log_loss", "f1", "accuracy"},
    "regression": {"rmse", "mae", "r2"},
    "multiclass": {"roc_auc_ovr", "log_loss", "f1_macro", "accuracy"},
}
REMOTE_SCHEMES = ("s3://", "gs://", "azure://", "ssh://")
MAX_NAME = 64

# Cron: minute hour day-of-month month day-of-week, GitHub Actions' five-field syntax.
CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 6),
)
CRON_NAMES = {
    "month": ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    "day-of-week": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}


def _cron_value(token: str, field: str, low: int, high: int) -> int:
    names = CRON_NAMES.get(field, [])
    if token.lower() in names:
        return names.index(token.lower()) + (1 if field == "month" else 0)
    if not token.isdigit():
        raise ValueError(f"{field} value {token!r} is not a number")
    value = int(token)
    if field == "day-of-week" and value == 7:
        return 0
    if not low <= value <= high:
        raise ValueError(f"{field} value {value} is outside {low}-{high}")
    return value


def cron_error(expression: str) -> str | None:
    """Return why ``expression`` is not a valid five-field cron, or None if it is."""
    fields = expression.split()
    if len(fields) != 5:
        return f"needs 5 space-separated fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    for text, (field, low, high) in zip(fields, CRON_FIELDS):
        for part in text.split(","):
            body, _, step = part.partition("/")
            try:
                if step and (not step.isdigit() or int(step) == 0):
                    raise ValueError(f"{field} step {step!r} must be a positive number")
                if body == "*":
                    continue
                start, dash, end = body.partition("-")
                first = _cron_value(start, field, low, high)
                if dash:
                    last = _cron_value(end, field, low, high)
                    if last < first:
                        raise ValueError(f"{field} range {body!r} runs backwards")
            except ValueError as exc:
                return str(exc)
    minute = fields[0]
    if minute.startswith("*/") and minute[2:].isdigit() and int(minute[2:]) < 5:
        return "GitHub Actions runs schedules at most every 5 minutes"
    if minute == "*":
        return "GitHub Actions runs schedules at most every 5 minutes"
    return None


def remote_error(url: str) -> str | None:
    if not url.strip():
        return "must not be empty"
    # The URL is written into .dvc/config (an INI-like file): keep it free of
    # characters that would need quoting there.
    bad = sorted({ch for ch in url if ch.isspace() or ch in "\"'#,;" or not ch.isprintable()})
    if bad:
        return f"must not contain whitespace, quotes, '#', ',' or ';' (found {''.join(bad)!r})"
    if "://" in url:
        if url.startswith(REMOTE_SCHEMES):
            return None
        scheme = url.split("://", 1)[0]
        return f"scheme {scheme}:// is not supported; use a local path or one of {', '.join(REMOTE_SCHEMES)}"
    return None


def validate(a: dict[str, str]) -> list[str]:
    errors: list[str] = []

    def fail(field: str, rule: str) -> None:
        errors.append(f"{field}: {rule} (got {a[field]!r})")

    if not a["project_name"].strip():
        fail("project_name", "must not be empty")
    elif len(a["project_name"]) > 200:
        fail("project_name", "must be at most 200 characters")
    if not SLUG_RE.match(a["project_slug"]) or len(a["project_slug"]) > MAX_NAME:
        fail(
            "project_slug",
            f"must start with a letter and use only lowercase letters, digits and single hyphens, at most {MAX_NAME} characters",
        )
    pkg = a["package_name"]
    if not PACKAGE_RE.match(pkg) or len(pkg) > MAX_NAME:
        fail(
            "package_name",
            f"must be a Python identifier of lowercase letters, digits and underscores starting with a letter, at most {MAX_NAME} characters",
        )
    elif pkg in PYTHON_KEYWORDS or pkg in SHADOWED:
        fail("package_name", "must not be a Python keyword or shadow a module the project imports")
    if not EMAIL_RE.match(a["author_email"]):
        fail("author_email", "must look like name@domain.tld")
    if not COLUMN_RE.match(a["target_column"]):
        fail("target_column", "must be a plain column name: letters, digits and underscores, not starting with a digit")
    task = a["model_task"]
    if task not in METRICS:
        fail("model_task", "must be classification, regression or multiclass")
    elif a["primary_metric"] not in METRICS[task]:
        fail("primary_metric", f"must be one of {', '.join(sorted(METRICS[task]))} for a {task} model")
    problem = remote_error(a["dvc_remote_url"])
    if problem:
        fail("dvc_remote_url", problem)
    uri = a["mlflow_tracking_uri"].strip()
    if uri and not uri.startswith(("http://", "https://", "sqlite:///", "postgresql://", "mysql://", "databricks")):
        fail("mlflow_tracking_uri", "must be empty, http(s)://, sqlite:///, postgresql://, mysql:// or databricks")
    problem = cron_error(a["retrain_schedule"])
    if problem:
        fail("retrain_schedule", f"invalid cron expression: {problem}")
    return errors


def main() -> int:
    errors = validate(ANSWERS)
    for line in errors:
        print(f"ERROR: {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
