"""The model: one scikit-learn Pipeline carrying all preprocessing.

Because imputation, encoding and date handling live inside the Pipeline that is
saved, training, evaluation and batch scoring cannot diverge: they all call
``predict`` on raw columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..config import Params
from .categories import as_category_frame
from .metrics import class_key


class DaysBefore(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Turn date columns into "days before the row's own date" (e.g. tenure).

    The first input column is the row's reference date; each following one becomes
    a number of days. Relative ages generalise across time where raw dates do not.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> DaysBefore:
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        frame = pd.DataFrame(X)
        # cache=False: pandas' cache of unique dates first turns a tenth of the rows into Timestamps one by one
        # (about 45 ms a column at 36,000 rows, 60 times the conversion itself); the values are the same.
        ref = pd.to_datetime(frame.iloc[:, 0], cache=False)
        out = [
            (ref - pd.to_datetime(frame.iloc[:, i], cache=False)).dt.days.astype("float64")
            for i in range(1, frame.shape[1])
        ]
        return np.column_stack(out) if out else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(input_features) if input_features is not None else [f"x{i}" for i in range(self.n_features_in_)]
        return np.array([f"days_before_{n}" for n in names[1:]], dtype=object)


class CategoryText(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Category labels as text before imputing and encoding: ``2``, ``2.0`` and ``"2"`` are one category.

    A class (not a FunctionTransformer around a function) so that saved models hold only
    classes, which is what the skops trust policy admits from this package.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> CategoryText:
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(getattr(X, "columns", [f"x{i}" for i in range(X.shape[1])]), dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return as_category_frame(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(input_features) if input_features is not None else list(self.feature_names_in_)
        return np.asarray(names, dtype=object)


class ModelConfigError(ValueError):
    pass


def load_estimator_class(task: str, estimator: str) -> type:
    """Import the class ``model.estimator`` names (a built-in name or ``module:Class``)."""
    import importlib

    from ..config import estimator_path, estimator_spec_problem

    problem = estimator_spec_problem(task, estimator)
    if problem:
        raise ModelConfigError(problem)
    module_name, _, attr = estimator_path(task, estimator).partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except ImportError as exc:
        raise ModelConfigError(f"model.estimator: {estimator!r} cannot be imported: {exc}") from None
    except AttributeError:
        raise ModelConfigError(f"model.estimator: module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(obj, type):
        raise ModelConfigError(f"model.estimator: {estimator!r} is a {type(obj).__name__}, not a class")
    needs = ("fit", "get_params", "set_params", "predict") + (("predict_proba",) if task != "regression" else ())
    missing = [name for name in needs if not callable(getattr(obj, name, None))]
    if missing:
        raise ModelConfigError(
            f"model.estimator: {estimator!r} is not a scikit-learn-compatible {task} estimator "
            f"(it lacks {', '.join(missing)})"
        )
    return obj


def _takes_kwargs(cls: type) -> bool:
    import inspect

    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())


def _lightgbm_params() -> set[str]:
    from lightgbm.basic import _ConfigAliases  # the library's own parameter table (names and aliases)

    table = _ConfigAliases._get_all_param_aliases()
    return {name for key, aliases in table.items() for name in (key, *aliases)}


# Libraries whose estimators forward extra keyword arguments, and where their catalogue of valid
# names comes from. A forwarded name outside the catalogue is refused like any misspelt param; a
# library without a catalogue here gets no forwarded names (only what get_params lists).
PARAM_CATALOGUES = {"lightgbm": _lightgbm_params}


def forwarded_params(cls: type) -> set[str]:
    catalogue = PARAM_CATALOGUES.get(cls.__module__.split(".")[0])
    if catalogue is None:
        return set()
    try:
        return catalogue()
    except (ImportError, AttributeError, TypeError):  # the library moved its table: stay strict
        return set()


def make_estimator(task: str, name: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    """Instantiate ``model.estimator`` with ``model.params``; unknown or invalid params name the key."""
    cls = load_estimator_class(task, name)
    try:
        estimator = cls()
    except TypeError as exc:
        raise ModelConfigError(f"model.estimator: {name!r} cannot be built without arguments: {exc}") from None
    valid = estimator.get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown and _takes_kwargs(cls):  # e.g. LightGBM: extra keyword arguments go to the library itself
        known = forwarded_params(cls)
        unknown = [name for name in unknown if name not in known]
    if unknown:
        raise ModelConfigError(
            f"model.params: unknown parameter(s) {', '.join(unknown)} for {cls.__name__} "
            f"(it takes {', '.join(sorted(valid)) or 'none'})"
        )
    settings = dict(params)
    if "random_state" in valid and "random_state" not in settings:
        settings["random_state"] = seed
    try:
        estimator.set_params(**settings)
    except (TypeError, ValueError) as exc:
        raise ModelConfigError(f"model.params: {exc}") from exc
    return estimator


def check_estimator(params: Params) -> None:
    """The full check of ``model.estimator`` / ``model.params``: run before ingest touches any data.

    Raises ``ConfigError`` (exit 2, one line naming the key). Imports the estimator's module,
    so it is not part of ``load_params`` (every command, the fast paths included, loads params).
    """
    from ..config import ConfigError

    try:
        estimator = make_estimator(params.project.task, params.model.estimator, params.model.params, params.model.seed)
    except ModelConfigError as exc:
        raise ConfigError(f"params.yaml: {exc}") from None
    # set_params accepts any value; scikit-learn checks kinds and ranges only when fit starts, after
    # `dvc repro` has removed the stage's outputs. Its estimators declare the rules
    # (_parameter_constraints, scikit-learn >= 1.2): ask for the verdict now. Other estimators are
    # checked by their own fit.
    validate = getattr(estimator, "_validate_params", None)
    if callable(validate) and getattr(type(estimator), "_parameter_constraints", None):
        try:
            validate()
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"params.yaml: model.params: {exc}") from None


def build_pipeline(params: Params) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    f = params.features
    parts: list[tuple[str, Any, list[str]]] = []
    if f.numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(f.numeric)))
    if f.categorical:
        categorical = make_pipeline(
            # codes as text first: integer codes (2, or 2.0 from a CSV with gaps) are categories, not numbers,
            # and a constant string fill on numeric columns is an error in scikit-learn
            CategoryText(),
            SimpleImputer(strategy="constant", fill_value="__missing__"),
            OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False),
        )
        parts.append(("categorical", categorical, list(f.categorical)))
    if f.dates:
        dates = make_pipeline(DaysBefore(), SimpleImputer(strategy="median"), StandardScaler())
        parts.append(("dates", dates, [params.project.date_column, *f.dates]))
    preprocess = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)
    estimator = make_estimator(params.project.task, params.model.estimator, params.model.params, params.model.seed)
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


def input_columns(params: Params) -> list[str]:
    cols = list(params.features.numeric) + list(params.features.categorical)
    if params.features.dates:
        cols += [params.project.date_column, *params.features.dates]
    return list(dict.fromkeys(cols))


def predict_scores(model: Any, frame: pd.DataFrame, task: str) -> np.ndarray:
    """Probability of the positive class (classification), the prediction (regression), or
    (multiclass) the probability matrix, one column per class in ``model.classes_`` order."""
    if task == "classification":
        return np.asarray(model.predict_proba(frame)[:, 1], dtype=float)
    if task == "multiclass":
        return np.asarray(model.predict_proba(frame), dtype=float)
    return np.asarray(model.predict(frame), dtype=float)


def sort_classes(values: Any) -> list[Any]:
    """Class labels in a stable order: natural order when comparable (1 < 2 < 10), else by text."""
    plain = [v.item() if hasattr(v, "item") else v for v in values]
    plain = [int(v) if isinstance(v, float) and v.is_integer() else v for v in plain]
    unique = list(dict.fromkeys(plain))
    try:
        return sorted(unique)
    except TypeError:
        return sorted(unique, key=str)


def model_classes(model: Any) -> list[Any]:
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError(f"{type(model).__name__} has no classes_: not a fitted classifier")
    return [c.item() if hasattr(c, "item") else c for c in classes]


def align_proba(proba: np.ndarray, from_classes: list[Any], to_classes: list[Any]) -> np.ndarray:
    """Reorder probability columns to ``to_classes``; a class the model never saw gets probability 0."""
    index = {class_key(c): i for i, c in enumerate(from_classes)}
    out = np.zeros((proba.shape[0], len(to_classes)), dtype=float)
    for j, c in enumerate(to_classes):
        i = index.get(class_key(c))
        if i is not None:
            out[:, j] = proba[:, i]
    return out


def encode_labels(y: Any, classes: list[Any]) -> np.ndarray:
    """Each label's position in ``classes`` (labels compared as text, so 1 and "1" are one class)."""
    index = {class_key(c): i for i, c in enumerate(classes)}
    keys = [class_key(v) for v in np.asarray(y, dtype=object)]
    missing = sorted({k for k in keys if k not in index})
    if missing:
        raise ValueError(f"label value(s) {', '.join(missing[:5])} are not among the classes {classes}")
    return np.array([index[k] for k in keys], dtype="int64")


def truth_and_scores(model: Any, frame: pd.DataFrame, y: Any, task: str) -> tuple[np.ndarray, np.ndarray]:
    """What a metric takes for one model: labels and scores (multiclass: class positions and the aligned matrix)."""
    if task == "multiclass":
        _, encoded, (scores,) = multiclass_scores([model], frame, y)
        return encoded, scores
    return np.asarray(y), predict_scores(model, frame, task)


def multiclass_scores(models: list[Any], frame: pd.DataFrame, y: Any) -> tuple[list[Any], np.ndarray, list[np.ndarray]]:
    """Common classes (every model's plus the labels seen), the encoded labels and each model's aligned probabilities."""
    classes = sort_classes([*[c for m in models for c in model_classes(m)], *pd.unique(pd.Series(y))])
    scores = [align_proba(predict_scores(m, frame, "multiclass"), model_classes(m), classes) for m in models]
    return classes, encode_labels(y, classes), scores
