"""Typed, validated parameters.

``params.yaml`` is the single place a person tunes the project; DVC tracks its keys
as stage dependencies. It is loaded into frozen pydantic models: a typo in a key is
an error that names the key, not a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Task = Literal["classification", "regression", "multiclass"]

CLASSIFICATION_METRICS = ("roc_auc", "average_precision", "log_loss", "brier", "f1", "accuracy", "precision", "recall")
REGRESSION_METRICS = ("rmse", "mae", "r2")
MULTICLASS_METRICS = ("roc_auc_ovr", "log_loss", "f1_macro", "accuracy")
TASK_METRICS = {
    "classification": CLASSIFICATION_METRICS,
    "regression": REGRESSION_METRICS,
    "multiclass": MULTICLASS_METRICS,
}
CLASSIFIER_TASKS = ("classification", "multiclass")

# model.estimator: a short name from this table, or an import path "module:Class" to any
# scikit-learn-compatible estimator (lightgbm:LGBMClassifier, your_package.core.estimators:MyModel).
BUILTIN_ESTIMATORS: dict[str, dict[str, str]] = {
    "classification": {
        "logistic_regression": "sklearn.linear_model:LogisticRegression",
        "random_forest": "sklearn.ensemble:RandomForestClassifier",
        "hist_gradient_boosting": "sklearn.ensemble:HistGradientBoostingClassifier",
    },
    "regression": {
        "ridge": "sklearn.linear_model:Ridge",
        "random_forest": "sklearn.ensemble:RandomForestRegressor",
        "hist_gradient_boosting": "sklearn.ensemble:HistGradientBoostingRegressor",
    },
}
BUILTIN_ESTIMATORS["multiclass"] = BUILTIN_ESTIMATORS["classification"]

DEFAULT_PARAMS_FILE = "params.yaml"


# libyaml's C parser when PyYAML has it (about 10x faster), else the pure-Python one: same results.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ParamsLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """SAFE_LOADER, but an impossible unquoted date (``2026-02-30``) stays text.

    PyYAML raises a bare "day is out of range for month" while parsing, before any key is
    known; as text, validation reports it under its key (``data.end_date``).
    """


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_ParamsLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


class ConfigError(ValueError):
    """params.yaml is missing, unreadable or invalid. The message names the key."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectParams(Strict):
    task: Task
    target: str
    date_column: str = "event_date"
    id_column: str | None = "customer_id"  # null: the data has no id column

    @field_validator("id_column", mode="before")
    @classmethod
    def _no_id(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class DemoSourceParams(Strict):
    seed: int = 7
    rows_per_day: int = Field(300, ge=1, le=5_000_000)
    drift_onset: dt.date
    drift_strength: float = Field(1.0, ge=0.0)
    bad_days: tuple[dt.date, ...] = ()


ColumnType = Literal["numeric", "integer", "string", "category", "date", "bool"]


class CsvOptions(Strict):
    """How CSV files are parsed (pandas.read_csv options)."""

    sep: str = ","
    decimal: str = "."
    thousands: str | None = None
    encoding: str = "utf-8"
    na_values: tuple[str, ...] = ()
    skiprows: int = Field(0, ge=0)


class FileSourceParams(Strict):
    path: str = "data/external/*.parquet"
    format: Literal["auto", "csv", "parquet"] = "auto"
    storage_options: dict[str, Any] = Field(default_factory=dict)
    # column -> type applied when reading (integer-coded categories: `category`)
    dtypes: dict[str, ColumnType] = Field(default_factory=dict)
    # strptime format of project.date_column and of `date` columns, e.g. "%d/%m/%Y"; null = ISO / inferred
    date_format: str | None = None
    csv: CsvOptions = CsvOptions()


class SqlSourceParams(Strict):
    """A SQL query run once per day with :start (that day) and :end (the next day); see adapters/sources/sql.py."""

    url_env: str = Field("RETRAIN_DATABASE_URL", min_length=1, description="environment variable holding the URL")
    query: str = ""
    chunksize: int = Field(50_000, ge=1, description="rows fetched from the server-side cursor at a time")
    late_rows_days: int = Field(
        7, ge=0, description="newest ingested days counted again for rows inserted after them (0: off)"
    )

    @field_validator("query")
    @classmethod
    def _date_parameters(cls, value: str) -> str:
        missing = [
            f":{name}" for name in ("start", "end") if value.strip() and not re.search(rf"(?<!:):{name}\b", value)
        ]
        if missing:
            raise ValueError(f"the query must use the date parameters :start and :end (missing {', '.join(missing)})")
        return value


class DataParams(Strict):
    source: Literal["demo", "file", "sql"] = "demo"
    start_date: dt.date
    end_date: dt.date
    raw_dir: str = "data/raw"
    quarantine_dir: str = "data/quarantine"
    demo: DemoSourceParams
    file: FileSourceParams = FileSourceParams()
    sql: SqlSourceParams = SqlSourceParams()

    @model_validator(mode="after")
    def _window(self) -> DataParams:
        if self.end_date < self.start_date:
            raise ValueError(f"data.end_date {self.end_date} is before data.start_date {self.start_date}")
        if self.source == "sql" and not self.sql.query.strip():
            raise ValueError("data.sql.query: required when data.source is sql")
        return self


def _as_text(value: Any) -> Any:
    """Category values and label classes compare as text; integer codes may be written as numbers."""
    if isinstance(value, (list, tuple)):
        return tuple(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in value)
    return value


#: the value rules of a column that may be soft; dtype and required are always hard (a wrong type or a
#: missing column breaks the model, it is never "not seen yet")
SoftRule = Literal["max_null_share", "min", "max", "allowed"]
SOFT_RULES: tuple[SoftRule, ...] = get_args(SoftRule)


class ColumnRule(Strict):
    """Rules for one column, per batch and on the window.

    Each rule is of one kind: hard (set: a failing batch is quarantined, the window stops), soft
    (set and named in ``soft``: a failure is a warning in the checks report and the health issue,
    the day is admitted) or off (null; ``enabled: false`` turns the whole column off)."""

    dtype: ColumnType | None = None
    required: bool = True
    enabled: bool = True  # false: the column is declared (not "unexpected") but never checked
    max_null_share: float | None = Field(0.0, ge=0.0, le=1.0)
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    # per rule rather than per column: one column may have a hard physical bound (min 0) and a soft
    # learned one (a max from the sample's extremes); true = every value rule of the column
    soft: tuple[SoftRule, ...] = Field(
        (), description="value rules that warn instead of quarantining (hard when not listed); true = all of them"
    )

    @field_validator("allowed", mode="before")
    @classmethod
    def _allowed_as_text(cls, value: Any) -> Any:
        return _as_text(value)

    @field_validator("soft", mode="before")
    @classmethod
    def _soft_all_or_none(cls, value: Any) -> Any:
        if value is True:
            return SOFT_RULES
        if value is False or value is None:
            return ()
        return value


class LabelRule(Strict):
    max_null_share: float | None = Field(0.0, ge=0.0, le=1.0)  # per batch and window
    # classification, on the WINDOW: classes present and the smallest class's share
    min_classes: int | None = Field(2, ge=1)
    min_class_share: float | None = Field(0.0, ge=0.0, le=0.5)
    # classification, per BATCH: off by default (a quiet day with one class is not bad data)
    batch_min_classes: int | None = Field(None, ge=1)
    batch_min_class_share: float | None = Field(None, ge=0.0, le=0.5)
    # classification: the expected classes (as text); a label outside them fails. null = any
    classes: tuple[str, ...] | None = None

    @field_validator("classes", mode="before")
    @classmethod
    def _classes_as_text(cls, value: Any) -> Any:
        return _as_text(value)

    # regression: plausible range of the label (per batch and window)
    min: float | None = None
    max: float | None = None
    # the rules above that warn instead of failing (see ColumnRule); the label's classes stay hard
    soft: tuple[Literal["max_null_share", "min", "max"], ...] = Field(
        (), description="the label rules that warn instead of quarantining; true = all of them"
    )

    @field_validator("soft", mode="before")
    @classmethod
    def _soft_all_or_none(cls, value: Any) -> Any:
        if value is True:
            return ("max_null_share", "min", "max")
        return () if value is False or value is None else value


class WindowRules(Strict):
    """Rules on the assembled window only (validate)."""

    min_rows: int = Field(0, ge=0)
    # days with no rows are always reported; fail when a run of them is longer than this (null: report only)
    max_gap_days: int | None = Field(None, ge=0)


class ChecksParams(Strict):
    # Columns declared nowhere (not in checks.columns, features, target, date or id): an export can carry
    # what the project must not keep (an `ssn`), and data/raw is append-only history in git and the DVC
    # remote. drop: never stored (a warning names them); refuse: the day is quarantined (its held copy
    # without them too); keep: stored, with a warning.
    undeclared: Literal["drop", "refuse", "keep"] = "drop"
    strict: bool = Field(False, description="kept from before `undeclared`: true means `undeclared: refuse`")
    min_rows: int = Field(1, ge=0)  # per batch: an empty or header-only batch fails it
    duplicate_subset: tuple[str, ...] = ()
    max_duplicate_share: float | None = Field(0.0, ge=0.0, le=1.0)
    label: LabelRule = LabelRule()
    window: WindowRules = WindowRules()
    columns: dict[str, ColumnRule] = Field(default_factory=dict)

    @property
    def undeclared_policy(self) -> Literal["drop", "refuse", "keep"]:
        return "refuse" if self.strict else self.undeclared


class AfterChange(Strict):
    enabled: bool = Field(True, description="train and judge on the days after the champion's loss stepped up")
    lookback_days: int = Field(28, ge=3, description="the newest days searched for the change")
    min_t: float = Field(5.0, gt=0, description="Welch's t of the champion's loss after vs before to call a change")
    min_days_after: int = Field(
        2, ge=2, description="days after the change needed: at least one to train, one to judge"
    )
    compare_all_history: bool = Field(
        False,
        description="also fit a candidate on all history and keep the better window on the holdout "
        "(the gate corrects for the choice)",
    )


class SplitParams(Strict):
    holdout_days: int = Field(7, ge=1)
    max_train_days: int = Field(0, ge=0, description="0 means all history before the holdout")
    after_change: AfterChange = AfterChange()


class FeatureParams(Strict):
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.numeric + self.categorical + self.dates

    @model_validator(mode="after")
    def _disjoint(self) -> FeatureParams:
        seen: set[str] = set()
        for name in self.all:
            if name in seen:
                raise ValueError(f"feature {name!r} is listed twice in features")
            seen.add(name)
        if not self.all:
            raise ValueError("features: list at least one numeric, categorical or date feature")
        return self


class ModelParams(Strict):
    estimator: str = Field(
        "hist_gradient_boosting", description="a built-in name or an import path module:Class of any estimator"
    )
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 42
    trusted_types: tuple[str, ...] = Field(
        default=(), description="extra type names (or module prefixes) the model loader may construct"
    )


class EvaluateParams(Strict):
    primary_metric: str
    metrics: tuple[str, ...]
    champion_ref: str = "main"
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="probability cut-off for label metrics")

    @model_validator(mode="after")
    def _primary_listed(self) -> EvaluateParams:
        if self.primary_metric not in self.metrics:
            raise ValueError(f"evaluate.primary_metric {self.primary_metric!r} must also be listed in evaluate.metrics")
        return self


class MlflowHttpParams(Strict):
    """Bounds on every request to a tracking server (MLflow's MLFLOW_HTTP_REQUEST_* variables win)."""

    timeout: int = Field(10, ge=1)  # seconds per request
    max_retries: int = Field(2, ge=0, le=10)  # MLflow refuses more than 10
    backoff_factor: int = Field(1, ge=0, le=120)  # waits factor * 2**attempt seconds between tries


class MlflowParams(Strict):
    tracking_uri: str = ""
    experiment: str
    registered_model: str
    http: MlflowHttpParams = MlflowHttpParams()

    @field_validator("experiment", "registered_model")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class ColumnDriftRule(Strict):
    method: str | None = None
    threshold: float | None = Field(default=None, gt=0.0)


class DriftParams(Strict):
    """Evidently DataDriftPreset between the champion's training data and the newest window."""

    window_days: int = Field(default=7, ge=1, description="current = the newest days up to data.end_date")
    columns: tuple[str, ...] = Field(default=(), description="empty: features.numeric + features.categorical")
    sample_cap: int = Field(default=20_000, ge=0, description="max rows per frame handed to Evidently; 0 = no cap")
    seed: int = 0
    drift_share: float = Field(default=0.5, gt=0.0, le=1.0, description="dataset drift at this drifted share")
    method: str | None = None
    threshold: float | None = Field(default=None, gt=0.0)
    per_column: dict[str, ColumnDriftRule] = Field(default_factory=dict)


class AgeTrigger(Strict):
    enabled: bool = True
    max_age_days: int = Field(default=30, ge=1)


class DriftTrigger(Strict):
    enabled: bool = True
    require_effect: bool = Field(
        True,
        description="with labels on the drifted days, fire only if the champion's loss there is up on its holdout's",
    )
    effect_t: float = Field(2.0, gt=0, description="Welch's t of that loss increase needed (one test, one side)")
    effect_min_d: float = Field(
        0.1,
        ge=0.0,
        description="and that increase at least this many standard deviations of the loss (Cohen's d)",
    )


class ChangeTrigger(Strict):
    enabled: bool = Field(
        True,
        description="fire when the champion's per-row loss stepped up on a recent day (split.after_change's search)",
    )


class DecayTrigger(Strict):
    enabled: bool = True
    window_days: int = Field(default=7, ge=1)
    windows: int = Field(default=4, ge=1, description="M: how many of the newest windows are scored")
    min_bad: int = Field(default=2, ge=1, description="N: fire when >= N of M windows and the latest are bad")
    floor: float | None = Field(default=None, description="worst acceptable value of the primary metric")
    max_relative_drop: float | None = Field(default=0.05, ge=0.0, description="bad: this much worse than at promotion")
    min_rows: int = Field(default=50, ge=1, description="windows with fewer labelled rows are not scored")
    confidence: float | None = Field(
        default=0.95,
        gt=0.5,
        lt=1.0,
        description="latest window's whole interval past the limit: fire at once; null: N of M only",
    )
    min_rows_at_once: int = Field(default=200, ge=1, description="fewer labelled rows: a window only counts for N of M")
    resamples: int = Field(default=400, ge=100, description="bootstrap resamples for each window's interval")
    # auto: closed form where the primary metric has one (DeLong for roc_auc, ...), else the bootstrap
    interval: Literal["auto", "bootstrap"] = Field(
        default="auto", description="each window's interval: closed form where one exists (auto), or always bootstrap"
    )

    @model_validator(mode="after")
    def _n_of_m(self) -> DecayTrigger:
        if self.min_bad > self.windows:
            raise ValueError(f"min_bad ({self.min_bad}) cannot exceed windows ({self.windows})")
        return self


class VolumeTrigger(Strict):
    enabled: bool = True
    min_new_rows: int = Field(default=10_000, ge=1)


class TriggersParams(Strict):
    age: AgeTrigger = AgeTrigger()
    drift: DriftTrigger = DriftTrigger()
    decay: DecayTrigger = DecayTrigger()
    change: ChangeTrigger = ChangeTrigger()
    volume: VolumeTrigger = VolumeTrigger()


class DecideParams(Strict):
    combine: Literal["any", "all"] = "any"
    cooldown_days: float = Field(default=7, ge=0)
    break_cooldown_on_change: bool = Field(
        default=True, description="a step in the champion's loss the change search proves retrains under a cooldown"
    )
    short_circuit: bool = Field(default=True, description="stop evaluating triggers once the outcome is settled")
    triggers: TriggersParams = TriggersParams()


class MetricRule(Strict):
    tolerance: float | None = Field(default=None, description="min signed improvement; < 0 allows a regression")
    floor: float | None = Field(default=None, description="worst acceptable value (max if lower is better)")


class BootstrapParams(Strict):
    resamples: int = Field(default=1000, ge=100)
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    seed: int = 0


class GateParams(Strict):
    min_holdout_rows: int = Field(default=200, ge=1)
    required_improvement: float = Field(default=0.0, description="lower CI bound of the primary metric's improvement")
    bootstrap: BootstrapParams = BootstrapParams()
    # auto: closed-form paired interval where one exists (DeLong for roc_auc, ...), else the bootstrap
    interval: Literal["auto", "bootstrap"] = "auto"
    metrics: dict[str, MetricRule] = Field(default_factory=dict)


class ComputeParams(Strict):
    """Where per-partition work runs. ``local`` imports no Dask; ``dask`` needs the ``dask`` extra."""

    engine: Literal["local", "dask"] = "local"
    # tcp://host:8786; the environment variable DASK_SCHEDULER_ADDRESS wins (a repository variable in CI).
    scheduler_address: str = ""
    connect_timeout_s: float = Field(default=30.0, gt=0)


class Params(Strict):
    project: ProjectParams
    data: DataParams
    checks: ChecksParams
    split: SplitParams = SplitParams()
    features: FeatureParams
    model: ModelParams = ModelParams()
    evaluate: EvaluateParams
    mlflow: MlflowParams
    drift: DriftParams = DriftParams()
    decide: DecideParams = DecideParams()
    gate: GateParams = GateParams()
    compute: ComputeParams = ComputeParams()

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        allowed = TASK_METRICS[self.project.task]
        for name in self.evaluate.metrics:
            if name not in allowed:
                raise ValueError(
                    f"evaluate.metrics: {name!r} is not a {self.project.task} metric (choose from {', '.join(allowed)})"
                )
        for name in self.gate.metrics:
            if name not in self.evaluate.metrics:
                raise ValueError(f"gate.metrics: {name!r} is not listed in evaluate.metrics")
        known = set(self.features.all)
        for name in (*self.drift.columns, *self.drift.per_column):
            if name not in known:
                raise ValueError(f"drift: column {name!r} is not a feature")
        special = {self.project.target, self.project.date_column}
        for name in self.features.all:
            if name in special:
                raise ValueError(f"features: {name!r} is the target or date column and cannot be a feature")
        if self.project.id_column and self.project.id_column in self.features.all:
            raise ValueError(f"features: {self.project.id_column!r} is project.id_column and cannot be a feature")
        if len(set(self.checks.duplicate_subset)) != len(self.checks.duplicate_subset):
            raise ValueError("checks.duplicate_subset: a column is listed twice")
        label = self.checks.label
        if label.classes is not None and label.min_classes is not None and label.min_classes > len(label.classes):
            raise ValueError(
                f"checks.label.min_classes ({label.min_classes}) exceeds the {len(label.classes)} classes "
                "listed in checks.label.classes"
            )
        problem = estimator_spec_problem(self.project.task, self.model.estimator)
        if problem:
            raise ValueError(problem)
        return self


def estimator_path(task: str, estimator: str) -> str:
    """The ``module:Class`` import path of ``model.estimator`` (a built-in name or already a path)."""
    return BUILTIN_ESTIMATORS[task].get(estimator, estimator)


def estimator_spec_problem(task: str, estimator: str) -> str | None:
    """Why ``model.estimator`` cannot name an estimator, checked without importing it (cheap: every command loads params).

    The full check (import it, instantiate it, validate ``model.params`` against its ``get_params``)
    is ``features.make_estimator``; ``ingest`` and ``train`` run it before touching any data.
    """
    import importlib.util

    builtin = BUILTIN_ESTIMATORS[task]
    if estimator in builtin:
        return None
    module, sep, attr = estimator.partition(":")
    if not sep:
        return (
            f"model.estimator: {estimator!r} is neither a {task} estimator ({', '.join(builtin)}) "
            "nor an import path module:Class"
        )
    if not all(part.isidentifier() for part in module.split(".")) or not all(
        part.isidentifier() for part in attr.split(".")
    ):
        return f"model.estimator: {estimator!r} is not an import path module:Class"
    top = module.split(".")[0]
    try:
        found = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return (
            f"model.estimator: {estimator!r} cannot be imported: no module named {top!r} is installed "
            f"(install the library, e.g. the project's optional extra)"
        )
    return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's annotation can hold (through ``X | None``, dicts and tuples)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, tuple, list):
        return [model for arg in get_args(annotation) for model in _models_in(arg)]
    if origin is dict:
        return _models_in(get_args(annotation)[-1])
    return []


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    """For an unknown key at ``loc``, the closest key its section allows, as a hint."""
    models: list[type[BaseModel]] = [Params]
    for part in loc[:-1]:
        fields = [model.model_fields[part] for model in models if isinstance(part, str) and part in model.model_fields]
        if fields:
            models = [model for field in fields for model in _models_in(field.annotation)]
        # else: a dict key or a list index inside a field already walked into its models
    known = sorted({name for model in models for name in model.model_fields})
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _format_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        if err["type"] == "value_error" and str(err.get("msg", "")).startswith("Value error, model."):
            lines.append(f"{source}: {str(err['msg']).removeprefix('Value error, ')}")
        elif err["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r}{_did_you_mean(tuple(err['loc']))}")
        elif err["type"] == "missing":
            lines.append(f"{source}: missing key {key!r}")
        else:
            lines.append(f"{source}: {key}: {err['msg']}")
    return "\n".join(lines)


def parse_params(raw: Any, source: str = DEFAULT_PARAMS_FILE) -> Params:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None


def load_params(path: str | Path = DEFAULT_PARAMS_FILE) -> Params:
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_ParamsLoader)
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (run from the project root or pass --params)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_params(raw, str(path))
