"""Bad answers are refused with one clear line naming the field; hostile ones are safe."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import TEMPLATE, BakedEnv, bake, bake_ok

# (answers, the one line the hook must print)
REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "slug-uppercase": (
        {"project_slug": "My-Project", "package_name": "ok_pkg"},
        "project_slug: must start with a letter",
    ),
    "slug-double-hyphen": (
        {"project_slug": "my--project", "package_name": "ok_pkg"},
        "project_slug: must start with a letter",
    ),
    "slug-too-long": ({"project_slug": "a" * 65, "package_name": "ok_pkg"}, "at most 64 characters"),
    "package-hyphen": ({"package_name": "my-package"}, "package_name: must be a Python identifier"),
    "package-digit-first": ({"package_name": "1model"}, "package_name: must be a Python identifier"),
    "package-keyword": ({"package_name": "import"}, "package_name: must not be a Python keyword"),
    "package-shadows-dependency": ({"package_name": "mlflow"}, "package_name: must not shadow a module"),
    # a standard-library module and a dependency's module: either bakes a CLI that dies on import
    "package-stdlib-logging": ({"package_name": "logging"}, "package_name: must not shadow a module"),
    "package-dependency-joblib": ({"package_name": "joblib"}, "package_name: must not shadow a module"),
    "package-remote-plugin-botocore": ({"package_name": "botocore"}, "package_name: must not shadow a module"),
    "email": ({"author_email": "not-an-email"}, "author_email: must look like name@domain.tld"),
    # hatchling cannot build the metadata of a quoted local part: the baked project would not install
    "email-quote": ({"author_email": 'a"b@example.com'}, "author_email: must look like name@domain.tld"),
    "email-space": ({"author_email": "a b@example.com"}, "author_email: must look like name@domain.tld"),
    "template-syntax-description": ({"description": "{{ 7 * 7 }}"}, "description: must not contain template syntax"),
    "template-syntax-author": ({"author_name": "{% if true %}x{% endif %}"}, "author_name: must not contain template"),
    "template-comment-name": (
        {"project_name": "Churn {# note #}", "project_slug": "churn"},
        "project_name: must not contain template",
    ),
    "template-syntax-column": ({"target_column": "{{ 1 }}"}, "target_column: must not contain template syntax"),
    "control-character": ({"description": "bell\x07 here"}, "description: must be one line of printable text (U+0007"),
    "newline-in-name": ({"author_name": "two\nlines"}, "author_name: must be one line of printable text"),
    "target-with-space": ({"target_column": "will churn"}, "target_column: must be a plain column name"),
    "metric-wrong-task": (
        {"primary_metric": "rmse"},
        "primary_metric: must be one of accuracy, average_precision, f1, log_loss, roc_auc for a classification model",
    ),
    "metric-regression-auc": (
        {"model_task": "regression", "primary_metric": "roc_auc"},
        "primary_metric: must be one of mae, r2, rmse for a regression model",
    ),
    "metric-unknown": ({"primary_metric": "vibes"}, "primary_metric: must be one of"),
    "metric-multiclass-binary-auc": (
        {"model_task": "multiclass", "primary_metric": "roc_auc"},
        "primary_metric: must be one of accuracy, f1_macro, log_loss, roc_auc_ovr for a multiclass model",
    ),
    "remote-http": ({"dvc_remote_url": "http://example.com/dvc"}, "dvc_remote_url: scheme http:// is not supported"),
    "remote-ftp": ({"dvc_remote_url": "ftp://host/x"}, "dvc_remote_url: scheme ftp:// is not supported"),
    "remote-quote": ({"dvc_remote_url": "../a'b"}, "dvc_remote_url: must not contain whitespace"),
    "remote-empty": ({"dvc_remote_url": " "}, "dvc_remote_url: must not be empty"),
    "tracking-uri-scheme": ({"mlflow_tracking_uri": "ftp://x"}, "mlflow_tracking_uri: must be empty, http(s)://"),
    "cron-four-fields": (
        {"retrain_schedule": "0 6 * *"},
        "retrain_schedule: invalid cron expression: needs 5 space-separated fields",
    ),
    "cron-hour-range": (
        {"retrain_schedule": "0 24 * * *"},
        "retrain_schedule: invalid cron expression: hour value 24 is outside 0-23",
    ),
    "cron-word": ({"retrain_schedule": "daily at six"}, "retrain_schedule: invalid cron expression: needs 5"),
    "cron-too-often": ({"retrain_schedule": "* * * * *"}, "at most every 5 minutes"),
    "cron-bad-step": ({"retrain_schedule": "*/0 * * * *"}, "minute step '0' must be a positive number"),
    "cron-backwards-range": ({"retrain_schedule": "0 6 * * 5-1"}, "day-of-week range '5-1' runs backwards"),
    "cron-bad-month-name": ({"retrain_schedule": "0 6 1 foo *"}, "month value 'foo' is not a number"),
    # issue 20 item 6: a macro gets the five fields it stands for, not "got 1 field"
    "cron-macro": ({"retrain_schedule": "@daily"}, "takes five fields, not @daily: write '0 0 * * *'"),
    # issue 20 item 6: a label named like the date or a feature column bakes a dead project
    "target-is-the-date-column": ({"target_column": "event_date"}, "target_column: 'event_date' is already a column"),
    "target-is-a-feature": ({"target_column": "age"}, "target_column: 'age' is already a column of the project's data"),
}


def test_the_hooks_data_columns_are_the_templates() -> None:
    """The hook's list of the data's columns is the baked params.yaml's date, id and feature columns."""
    spec = importlib.util.spec_from_file_location("pre_gen_hook", TEMPLATE / "hooks" / "pre_gen_project.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    text = (TEMPLATE / "{{cookiecutter.project_slug}}" / "params.yaml").read_text()
    plain = "\n".join(line for line in text.splitlines() if "{%" not in line and "{{" not in line)
    params = yaml.safe_load(plain)
    expected = {
        params["project"]["date_column"],
        params["project"]["id_column"],
        *params["features"]["numeric"],
        *params["features"]["categorical"],
    }
    assert set(hook.DATA_COLUMNS) == expected


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_bad_answer_is_refused_with_a_clear_line(case: str, cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    answers, message = REFUSED[case]
    result = bake(cookies, **answers)
    assert result.exit_code != 0
    assert result.project_path is None or not Path(result.project_path).exists()
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("ERROR: ")]
    assert len(lines) == 1, err
    assert message in lines[0]


def test_every_error_is_reported_at_once(cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake(cookies, package_name="Bad", retrain_schedule="nope", author_email="x")
    assert result.exit_code != 0
    fields = [line.split(":")[1].strip() for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert fields == ["package_name", "author_email", "retrain_schedule"]


VALID_CRONS = ["17 6 * * *", "0 */6 * * *", "30 2 * * 1-5", "0 0 1 * *", "*/15 8-18 * * mon-fri", "0 3 * jan,jul sun"]


@pytest.mark.parametrize("cron", VALID_CRONS)
def test_valid_cron_is_accepted(cron: str, cookies: Any) -> None:
    bake_ok(cookies, retrain_schedule=cron)


HOSTILE: dict[str, dict[str, Any]] = {
    "quotes-and-backslashes": {
        "project_name": 'Mr. "Quote\'s" \\ Model """',
        "project_slug": "quote-model",
        "description": 'Says "hi" \\n and \'bye\' """ ok',
        "author_name": 'O\'Brien "Bob" \\',
    },
    "unicode": {
        "project_name": "Modèle de désabonnement 🚀",
        "project_slug": "modele-churn",
        "description": "Prédire l'attrition — ünïcödé ✓",
        "author_name": "Zoë Ñúñez 山田",
    },
    "very-long": {
        "project_name": "A very long project name " * 7,
        "project_slug": "x" * 64,
        "package_name": "y" * 64,
        "description": "long " * 300,
    },
    "yaml-and-toml-specials": {
        "project_name": "key: value # comment",
        "project_slug": "yaml-specials",
        "description": "- [a, b] {c: d} & *alias !tag %",
        "author_name": '[table] = "x"',
    },
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_answers_bake_correctly(case: str, cookies: Any) -> None:
    answers = HOSTILE[case]
    project = bake_ok(cookies, **answers)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == answers.get("description", pyproject["project"]["description"])
    if "author_name" in answers:
        assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["mlflow"]["registered_model"] == answers["project_slug"]
    for path in project.rglob("*.json"):
        json.loads(path.read_text())
    if "project_name" in answers:
        assert answers["project_name"] in (project / "README.md").read_text()


def test_unicode_project_name_needs_an_explicit_slug(cookies: Any, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake(cookies, project_name="Modèle Ünïcode", package_name="modele")
    assert result.exit_code != 0
    err = capfd.readouterr().err
    assert "project_name: gives project_slug 'modèle-ünïcode', which must start with a letter" in err
    assert "set project_slug yourself" in err


# --- answers are data: nothing in them is evaluated, every error is one line --------------

PAYLOAD = "{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"


@pytest.mark.parametrize("field", ["project_name", "description", "author_name"])
def test_template_syntax_in_an_answer_is_never_evaluated(
    field: str, cookies: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "evaluated"
    answers = {field: PAYLOAD.format(marker=marker)}
    if field == "project_name":
        answers["project_slug"] = "safe-name"
    result = bake(cookies, **answers)
    assert result.exit_code != 0
    assert not marker.exists(), "the answer was run as a Jinja template at bake time"
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: {field}: must not contain template syntax"), lines


def test_the_guard_renders_foreign_template_text_literally(tmp_path: Path) -> None:
    """The extension on its own: a string that is not the template's text renders to itself."""
    from jinja2 import Environment

    from template_guard import AnswerGuard

    env = Environment(extensions=[AnswerGuard])
    marker = tmp_path / "evaluated"
    payload = PAYLOAD.format(marker=marker)
    assert env.from_string(payload).render() == payload
    assert env.from_string("{{ 6 * 7 }} and {% raw %}{% endraw %}").render() == "{{ 6 * 7 }} and {% raw %}{% endraw %}"
    assert not marker.exists()
    # the template's own expressions still render
    slug = json.loads((TEMPLATE / "cookiecutter.json").read_text())["project_slug"]
    assert env.from_string(slug).render(cookiecutter={"project_name": "My Model"}) == "my-model"
    assert env.from_string("{{cookiecutter.package_name}}/cli").render(cookiecutter={"package_name": "p"}) == "p/cli"


def test_bad_project_name_is_one_line_naming_it_without_traceback(tmp_path: Path) -> None:
    """The real cookiecutter CLI, as a user runs it: one line, no traceback, nothing written."""
    cli = Path(sys.executable).parent / "cookiecutter"
    result = subprocess.run(
        [str(cli), "--no-input", "-o", str(tmp_path / "out"), str(TEMPLATE), "project_name=123 Project!"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    output = (result.stdout + result.stderr).strip().splitlines()
    assert output == [
        "ERROR: project_name: gives project_slug '123-project!', which must start with a letter and use only "
        "lowercase letters, digits and single hyphens, at most 64 characters; change project_name or set "
        "project_slug yourself (got '123 Project!')"
    ], output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_emoji_quotes_and_a_plus_address_bake_a_buildable_project(cookies: Any, tmp_path: Path) -> None:
    """Non-BMP characters reach pyproject.toml as UTF-8 (not surrogate escapes) and the wheel builds."""
    answers = {
        "description": "Fresh models 🚀, \"quoted\" and 'single' <tags> & more",
        "author_name": "Zoë 😀 O'Brien",
        "author_email": "o'brien+ml@example.co.uk",
    }
    project = bake_ok(cookies, **answers)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert pyproject["description"] == answers["description"]
    assert pyproject["authors"] == [{"name": answers["author_name"], "email": answers["author_email"]}]
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed")
    built = subprocess.run(
        ["uv", "build", "-q", "--wheel", "-o", str(tmp_path / "dist"), str(project)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("METADATA"))
    assert "Zoë 😀 O'Brien" in metadata and "o'brien+ml@example.co.uk" in metadata
    assert "Fresh models 🚀" in metadata


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lockfile_modules(site_packages: Path, lockfile: Path) -> set[str]:
    """Top-level module names installed by the distributions requirements.lock pins (from their RECORD)."""
    pinned = {_canonical(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lockfile.read_text(), re.M)}
    names = set()
    for info in site_packages.glob("*.dist-info"):
        distribution = _canonical(info.name[: -len(".dist-info")].rsplit("-", 1)[0])
        if distribution not in pinned or not (info / "RECORD").exists():
            continue
        for row in (info / "RECORD").read_text().splitlines():
            path = row.split(",")[0]
            first = path.split("/")[0]
            if first.startswith("..") or first.endswith((".dist-info", ".data", ".pth")):
                continue
            if "/" in path and first.isidentifier():  # a package folder (not e.g. pillow.libs/)
                names.add(first)
            elif "/" not in path and first.endswith((".py", ".so")):  # a single-file module
                names.add(first.split(".")[0])
    return {n for n in names if re.fullmatch(r"[a-z][a-z0-9_]*", n)}


def test_reserved_package_names_cover_every_module_the_lockfile_installs(baked_env: BakedEnv) -> None:
    """DEPENDENCY_MODULES in the hook must list each top-level module of requirements.lock's packages."""
    venv = Path(baked_env.root)  # built from the lockfile by the fixture (never skipped: CI must run this)
    found = sorted(venv.glob("lib/python3*/site-packages"))
    assert found, f"no site-packages in {venv}"
    spec = importlib.util.spec_from_file_location("pre_gen_hook", TEMPLATE / "hooks" / "pre_gen_project.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    lockfile = TEMPLATE / "{{cookiecutter.project_slug}}" / "requirements.lock"
    modules = _lockfile_modules(found[0], lockfile)
    assert {"numpy", "sklearn", "yaml", "joblib", "mlflow"} <= modules, "the venv does not hold the lockfile's packages"
    missing = sorted(modules - hook.DEPENDENCY_MODULES - hook.RESERVED)
    assert not missing, f"add to DEPENDENCY_MODULES in hooks/pre_gen_project.py: {' '.join(missing)}"
