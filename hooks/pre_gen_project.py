"""Validate every answer before anything is written.

Answers arrive as JSON data (``tojson``), never pasted into code, so a quote or a
backslash in a name cannot break or inject into this hook. Each failure prints one
line naming the field and the rule, then aborts the bake with exit code 1.

The same ``validate`` also runs in-process before cookiecutter renders anything
(``template_guard.py``, a Jinja extension): that run blames a derived field's error on
the answer it came from (a bad ``project_name`` gives a bad slug) and stops the bake
without cookiecutter's traceback. This hook stays as the last guard before files are written.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata

# Rendered by cookiecutter; parsed in main() so that this module also imports unrendered.
ANSWERS_JSON = r"""{{ {
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

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An addr-spec packaging tools accept: a dot-atom local part (no quotes, no spaces) and a
# domain of letter/digit/hyphen labels. A quoted local part bakes a pyproject.toml that
# hatchling refuses to build ("addr-spec local part with no domain").
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`|~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")
# Jinja's openers, spelt so that cookiecutter does not read them as syntax in this file.
TEMPLATE_OPENERS = tuple("{" + c for c in ("{", "%", "#"))
PYTHON_KEYWORDS = {
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "false", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "none", "nonlocal", "not", "or", "pass", "raise", "return",
    "true", "try", "while", "with", "yield",
}
# Top-level modules installed by the project's lockfile (requirements.lock). A package of
# the same name shadows them (or is shadowed) and the CLI dies on import. The template's
# tests check this list against a venv built from the lockfile (tests/test_hooks.py); the
# last lines are what the remote plugins' locks (locks/requirements-<extra>.lock) add.
DEPENDENCY_MODULES = frozenset("""
    lightgbm
    aiohappyeyeballs aiohttp aiohttp_retry aiosignal alembic amqp annotated_doc annotated_types antlr4
    anyio appdirs ast_serialize asyncssh attr attrs billiard blinker cachetools celery certifi cffi
    charset_normalizer click click_didyoumean click_plugins click_repl cloudpickle colorama configobj
    contourpy cryptography cycler databricks dateutil defusedxml deprecation dictdiffer diskcache distro
    docker dotenv dpath dulwich dvc dvc_data dvc_http dvc_objects dvc_render dvc_studio_client dvc_task
    dynaconf entrypoints evidently faker fastapi filelock flask flask_cors flatten_dict flufl formulaic
    frozenlist fsspec funcy git gitdb google grandalf graphene graphql graphql_relay gto gunicorn h11
    httpcore httptools httpx huey hydra idna importlib_metadata iniconfig interface_meta
    iterative_telemetry itsdangerous jinja2 joblib jupyterlab_plotly kiwisolver kombu librt litestar
    litestar_htmx mako markdown_it markupsafe matplotlib mdurl mlflow mpl_toolkits msgspec multidict
    multipart mypy mypy_extensions mypyc narwhals networkx nltk numpy omegaconf opentelemetry orjson
    packaging pandas pathspec patsy platformdirs plotly pluggy polyfactory prettytable prompt_toolkit
    propcache psutil public py pyarrow pyasn1 pyasn1_modules pycparser pydantic pydantic_core
    pydantic_settings pydevd_plugins pydot pygit2 pygments pygtrie pylab pyparsing pytest pytz regex
    requests rich rich_click ruamel ruff scipy scmrepo semver setuptools shellingham shortuuid shtab
    sklearn skops smmap sniffio sqlalchemy sqlparse sqltrie starlette statsmodels tabulate tenacity
    threadpoolctl tomlkit tqdm typer typing_extensions typing_inspect typing_inspection tzdata tzlocal
    ujson urllib3 uuid6 uvicorn uvloop validate vendor_licenses vine voluptuous watchdog watchfiles
    wcwidth websockets werkzeug wrapt yaml yarl zc zipp
    psycopg psycopg_binary
    arrow binaryornot cfgv cookiecutter cruft distlib identify nodeenv pre_commit pre_commit_hooks
    python_discovery slugify text_unidecode virtualenv
dask distributed locket msgpack partd sortedcontainers tblib tlz toolz tornado zict
adlfs aiobotocore aioitertools argcomplete azure bcrypt botocore decorator dvc_azure dvc_gs dvc_s3 dvc_ssh
gcsfs google_auth_oauthlib google_crc32c grpc grpc_status isodate jmespath jwt knack msal msal_extensions
oauthlib proto requests_oauthlib s3fs six sshfs
""".split())
# Names that are not modules but break the layout or pytest's collection.
RESERVED = frozenset({"test", "tests", "src", "site", "conftest"})
METRICS = {
    "classification": {"roc_auc", "average_precision", "log_loss", "f1", "accuracy"},
    "regression": {"rmse", "mae", "r2"},
    "multiclass": {"roc_auc_ovr", "log_loss", "f1_macro", "accuracy"},
}
REMOTE_SCHEMES = ("s3://", "gs://", "azure://", "ssh://")
MAX_NAME = 64
TEXT_FIELDS = ("project_name", "description", "author_name")

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


# Macros some cron daemons accept and GitHub Actions' schedule does not (it takes the five fields only).
CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# The columns the baked project's data already has (params.yaml: project.date_column, project.id_column,
# features.numeric, features.categorical; tests/test_hooks.py keeps this list equal to the template's).
# A label named like one of them bakes a dead project: the date column as the label quarantines every
# day, a feature as the label makes every command refuse the schema.
DATA_COLUMNS = (
    "event_date",
    "customer_id",
    "age",
    "monthly_charges",
    "support_calls",
    "usage_hours",
    "plan",
    "contract",
    "region",
    "payment_method",
)


def cron_error(expression: str) -> str | None:
    """Return why ``expression`` is not a valid five-field cron, or None if it is."""
    macro = CRON_MACROS.get(expression.strip().lower())
    if macro:
        return (
            f"GitHub Actions takes five fields, not {expression.strip()}: write {macro!r} "
            "(better a minute other than 0: the top of the hour is when scheduled runs are most delayed)"
        )
    fields = expression.split()
    if len(fields) != 5:
        return f"needs 5 space-separated fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    for text, (field, low, high) in zip(fields, CRON_FIELDS, strict=True):
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



def text_error(value: str) -> str | None:
    """Why a free-text answer cannot be baked as plain text, or None."""
    if any(opener in value for opener in TEMPLATE_OPENERS):
        return "must not contain template syntax ('{' followed by '{', '%' or '#'): answers are plain text"
    bad = sorted({f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")})
    if bad:
        return f"must be one line of printable text ({', '.join(bad[:3])})"
    return None


def package_error(pkg: str) -> str | None:
    if not PACKAGE_RE.match(pkg) or len(pkg) > MAX_NAME:
        return (f"must be a Python identifier of lowercase letters, digits and underscores starting with a letter, "
                f"at most {MAX_NAME} characters")
    if pkg in PYTHON_KEYWORDS:
        return "must not be a Python keyword"
    if pkg in sys.stdlib_module_names or pkg in DEPENDENCY_MODULES or pkg in RESERVED:
        return "must not shadow a module the project imports (a standard-library module or a dependency's)"
    return None


def field_errors(a: dict[str, str]) -> list[tuple[str, str]]:
    """(field, rule) for every answer that breaks a rule, in cookiecutter.json's order."""
    errors: list[tuple[str, str]] = []

    def fail(field: str, rule: str | None) -> None:
        if rule:
            errors.append((field, rule))

    for field, value in a.items():
        if isinstance(value, str) and field not in TEXT_FIELDS:
            if any(opener in value for opener in TEMPLATE_OPENERS):
                fail(field, text_error(value))
    if not a["project_name"].strip():
        fail("project_name", "must not be empty")
    elif len(a["project_name"]) > 200:
        fail("project_name", "must be at most 200 characters")
    for field in TEXT_FIELDS:
        fail(field, text_error(a[field]))
    if not SLUG_RE.match(a["project_slug"]) or len(a["project_slug"]) > MAX_NAME:
        fail(
            "project_slug",
            "must start with a letter and use only lowercase letters, digits and single hyphens, "
            f"at most {MAX_NAME} characters",
        )
    fail("package_name", package_error(a["package_name"]))
    if not EMAIL_RE.match(a["author_email"]):
        fail("author_email", "must look like name@domain.tld (letters, digits and .!#$%&'*+/=?^_`|~- before the @)")
    if not COLUMN_RE.match(a["target_column"]):
        fail("target_column", "must be a plain column name: letters, digits and underscores, not starting with a digit")
    elif a["target_column"] in DATA_COLUMNS:
        fail(
            "target_column",
            f"{a['target_column']!r} is already a column of the project's data (the date, id and feature columns: "
            f"{', '.join(DATA_COLUMNS)}); name the label something else",
        )
    task = a["model_task"]
    if task not in METRICS:
        fail("model_task", "must be classification, regression or multiclass")
    elif a["primary_metric"] not in METRICS[task]:
        fail("primary_metric", f"must be one of {', '.join(sorted(METRICS[task]))} for a {task} model")
    fail("dvc_remote_url", remote_error(a["dvc_remote_url"]))
    uri = a["mlflow_tracking_uri"].strip()
    if uri and not uri.startswith(("http://", "https://", "sqlite:///", "postgresql://", "mysql://", "databricks")):
        fail("mlflow_tracking_uri", "must be empty, http(s)://, sqlite:///, postgresql://, mysql:// or databricks")
    problem = cron_error(a["retrain_schedule"])
    if problem:
        fail("retrain_schedule", f"invalid cron expression: {problem}")
    # One line per field, the first rule it breaks, in the order the questions are asked.
    order = list(a)
    first: dict[str, str] = {}
    for field, rule in errors:
        first.setdefault(field, rule)
    return sorted(first.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def blame(errors: list[tuple[str, str]], a: dict[str, str], derived: dict[str, str]) -> list[str]:
    """Error lines; a derived field's error (``derived``: field -> the answer it was computed
    from) is reported on the answer the user gave, once, naming the value it produced."""
    lines: list[str] = []
    seen: set[str] = set()
    for field, rule in errors:
        source = field
        while source in derived:
            source = derived[source]
        if source in seen:
            continue
        seen.add(source)
        if source == field:
            lines.append(f"{field}: {rule} (got {a[field]!r})")
        else:
            lines.append(
                f"{source}: gives {field} {a[field]!r}, which {rule}; "
                f"change {source} or set {field} yourself (got {a[source]!r})"
            )
    return lines


def validate(a: dict[str, str], derived: dict[str, str] | None = None) -> list[str]:
    """One line per wrong answer: the field, the rule and the value."""
    return blame(field_errors(a), a, derived or {})


def main() -> int:
    errors = validate(json.loads(ANSWERS_JSON))
    for line in errors:
        print(f"ERROR: {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
