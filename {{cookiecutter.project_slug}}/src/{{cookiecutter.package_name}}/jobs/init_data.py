"""``init-data``: describe your data in params.yaml from a bounded sample of it.

Reads at most ``sample_rows`` rows from a path/glob (CSV or Parquet, local or through
fsspec) or from a SQL query, profiles them (``core/profile.py``) and proposes the
``project``, ``data``, ``checks`` and ``features`` sections, plus the row counts that
depend on how many rows a day brings (``split.holdout_days``, ``gate.min_holdout_rows``,
``decide.triggers.volume.min_new_rows``, ``decide.triggers.decay.min_rows``). The
proposal is shown as a diff of params.yaml; ``write=True`` applies it, keeping every
comment. The proposal is loaded with the project's own params validation first: what
init-data writes always loads.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..adapters.files import write_text_atomic
from ..adapters.params_yaml import set_values, unified_diff
from ..config import ConfigError, Task, parse_params
from ..core.profile import DataProfile, ProfileOptions, propose, rule_reasons
from ..core.profile import profile as profile_frame

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".csv.gz": "csv", ".txt": "csv"}
MAX_FILES = 200  # files read for a sample, spread over the glob
WIDE_START, WIDE_END = dt.date(1900, 1, 1), dt.date(2200, 1, 1)


class InitDataError(ValueError):
    """What init-data cannot do without help: one line naming the input or option."""


@dataclass
class InitDataResult:
    profile: DataProfile
    values: dict[str, Any]
    notes: list[str]
    old_text: str
    new_text: str
    written: bool = False
    source: str = ""
    sample_rows: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return unified_diff(self.old_text, self.new_text)


def _format_of(path: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    lower = path.lower()
    for suffix, name in sorted(FORMATS.items(), key=lambda kv: -len(kv[0])):
        if lower.endswith(suffix):
            return name
    raise InitDataError(f"{path}: cannot tell the format from the name; pass --format csv or --format parquet")


def _expand(path: str, root: Path, storage_options: dict[str, Any]) -> tuple[str, list[Any]]:
    """The glob to write in params.yaml and the files it matches; a folder becomes folder/*.<ext>."""
    import fsspec

    local = "://" not in path
    full: Path | None = None
    if local:
        full = Path(path) if Path(path).is_absolute() else root / path
    if full is not None and full.is_dir():
        exts = sorted({FORMATS[s] for p in full.iterdir() for s in FORMATS if p.name.lower().endswith(s)})
        suffixes = sorted({s for p in full.iterdir() for s in FORMATS if p.name.lower().endswith(s)})
        if not suffixes:
            raise InitDataError(f"{path} is a folder with no .csv or .parquet file in it")
        if len(exts) > 1:
            raise InitDataError(
                f"{path} is a folder holding both CSV and Parquet files: pass a glob such as "
                f"{path.rstrip('/')}/*.parquet"
            )
        path = f"{path.rstrip('/')}/*{max(suffixes, key=len) if len(suffixes) == 1 else suffixes[0]}"
        full = root / path if not Path(path).is_absolute() else Path(path)
    target = str(full) if local and full is not None else path
    try:
        files = fsspec.open_files(target, mode="rb", **storage_options)
    except (ImportError, ValueError) as exc:
        raise InitDataError(f"{path}: {exc}") from None
    if not files:
        raise InitDataError(f"{path} matches no file")
    return path, list(files)


def _spread(files: list[Any], max_files: int) -> list[Any]:
    """At most ``max_files`` files spread over the sorted list, always the first and the last."""
    if len(files) <= max_files:
        return files
    step = (len(files) - 1) / (max_files - 1)
    return [files[round(i * step)] for i in range(max_files)]


def read_file_sample(
    path: str, root: Path, fmt: str, sample_rows: int, storage_options: dict[str, Any] | None = None
) -> tuple[str, str, Any, list[str]]:
    import pandas as pd

    storage_options = storage_options or {}
    glob, files = _expand(path, root, storage_options)
    files = sorted(files, key=lambda f: f.path)
    chosen_fmt = _format_of(files[0].path, fmt)
    parts: list[Any] = []
    rows = 0
    per_file = None
    for of in _spread(files, MAX_FILES):
        if rows >= sample_rows:
            break
        with of as handle:
            try:
                if _format_of(of.path, fmt) == "parquet":
                    part = pd.read_parquet(handle)
                else:
                    part = pd.read_csv(handle, nrows=sample_rows - rows)
            except Exception as exc:
                raise InitDataError(f"{of.path}: cannot read as {chosen_fmt}: {str(exc).splitlines()[0]}") from None
        per_file = per_file or max(1, len(part))
        parts.append(part.iloc[: sample_rows - rows])
        rows += len(parts[-1])
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return glob, chosen_fmt, frame, [str(f.path) for f in files]


def read_sql_sample(
    query: str,
    url_env: str,
    date_column: str,
    sample_rows: int,
    start: dt.date | None,
    end: dt.date | None,
    chunksize: int = 50_000,
) -> Any:
    from ..adapters.sources.sql import SqlSource, SqlSourceError
    from ..config import SqlSourceParams

    try:
        params = SqlSourceParams(url_env=url_env, query=query, chunksize=min(chunksize, sample_rows))
        source = SqlSource(params, date_column=date_column)
        return source.read(start or WIDE_START, (end + dt.timedelta(days=1)) if end else WIDE_END, sample_rows)
    except SqlSourceError as exc:
        raise InitDataError(str(exc)) from None
    except ValueError as exc:  # pydantic: an invalid query or url_env
        raise InitDataError(f"--sql: {str(exc).splitlines()[-1].strip()}") from None


def _supported_tasks() -> tuple[str, ...]:
    return tuple(typing.get_args(Task))


def _check_label(profile: DataProfile) -> None:
    if profile.task not in _supported_tasks():
        shown = ", ".join(profile.classes[:10])
        raise InitDataError(
            f"label {profile.target!r} has {len(profile.classes)} classes ({shown}): {profile.task} is not a task "
            f"this project supports yet (choose from {', '.join(_supported_tasks())}); pass --target another "
            f"column or --task to override"
        )
    if profile.task == "classification" and not {c.lower() for c in profile.classes} <= {"0", "1", "true", "false"}:
        raise InitDataError(
            f"label {profile.target!r} has the classes {', '.join(profile.classes)}: binary classification needs "
            "0/1 (or true/false) labels, 1 = the positive class; recode the label at the source"
        )


def run_init_data(
    root: Path,
    params_file: str = "params.yaml",
    *,
    path: str | None = None,
    fmt: str = "auto",
    sql: str | None = None,
    url_env: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    sample_rows: int = 100_000,
    options: ProfileOptions | None = None,
    write: bool = False,
) -> InitDataResult:
    params_path = root / params_file
    try:
        old_text = params_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InitDataError(f"{params_path}: not found (run from the project root or pass --params)") from None
    current = yaml.safe_load(old_text) or {}
    data = current.get("data", {}) or {}
    project = current.get("project", {}) or {}
    options = options or ProfileOptions()
    options = ProfileOptions(
        **{
            **options.__dict__,
            "known_target": project.get("target"),
            "known_date_column": project.get("date_column"),
            "known_id_column": project.get("id_column"),
        }
    )
    if path is None and sql is None:  # re-describe the source params.yaml already names
        if data.get("source") == "sql":
            sql = (data.get("sql") or {}).get("query")
            url_env = url_env or (data.get("sql") or {}).get("url_env")
        elif data.get("source") == "file":
            path = (data.get("file") or {}).get("path")
            fmt = (data.get("file") or {}).get("format", fmt) if fmt == "auto" else fmt
        if not path and not sql:
            raise InitDataError(
                "give the data to describe: a path or glob (init-data data/external/*.csv) or --sql QUERY"
            )
    files: list[str] = []
    if sql is not None:
        url_env = url_env or (data.get("sql") or {}).get("url_env") or "RETRAIN_DATABASE_URL"
        date_hint = options.date_column or project.get("date_column") or ""
        frame = read_sql_sample(sql, url_env, date_hint, sample_rows, start, end)
        source_values: dict[str, Any] = {"data.source": "sql", "data.sql.url_env": url_env, "data.sql.query": sql}
        described = f"SQL query (URL from ${url_env})"
    else:
        assert path is not None
        glob, chosen, frame, files = read_file_sample(
            path, root, fmt, sample_rows, (data.get("file") or {}).get("storage_options") or {}
        )
        source_values = {"data.source": "file", "data.file.path": glob, "data.file.format": chosen}
        described = f"{glob} ({len(files)} file(s))"
    if frame.empty:
        raise InitDataError(f"{described}: no rows to describe")
    from ..core.profile import ProfileError

    try:
        prof = profile_frame(frame, options)
    except ProfileError as exc:
        raise InitDataError(str(exc)) from None
    _check_label(prof)
    id_none = _id_none()
    values, notes = propose(prof, current, source_values, margin=options.range_margin, id_none=id_none)
    new_text = set_values(old_text, values)
    try:
        parse_params(yaml.safe_load(new_text), str(params_path))
    except ConfigError as exc:
        raise InitDataError(f"the proposal does not load as params: {str(exc).splitlines()[0]}") from None
    if len(frame) >= sample_rows or len(files) > MAX_FILES:
        notes.append(
            f"the sample is part of the source ({len(frame)} rows): rows per day, and the row counts "
            "sized from them (min_rows, holdout, volume), are lower bounds; --sample-rows reads more"
        )
    # the preview says which rule each column got and why (issue 25: rules copied from the sample's
    # extremes quarantined clean days; a reader should see what will be refused before writing)
    checks = [f"check {line}" for line in rule_reasons(prof, options.range_margin)]
    result = InitDataResult(
        prof,
        values,
        [*prof.notes, *notes, *checks],
        old_text,
        new_text,
        source=described,
        sample_rows=len(frame),
        files=files,
    )
    if write and new_text != old_text:
        write_text_atomic(params_path, new_text)
        result.written = True
    return result


def _id_none() -> Any:
    """How params.yaml says "no id column": null where the schema allows it, else ""."""
    from ..config import ProjectParams

    annotation = str(ProjectParams.model_fields["id_column"].annotation)
    return None if "None" in annotation else ""
