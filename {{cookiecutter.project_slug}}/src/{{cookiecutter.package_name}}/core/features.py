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
        ref = pd.to_datetime(frame.iloc[:, 0])
        out = [(ref - pd.to_datetime(frame.iloc[:, i])).dt.days.astype("float64") for i in range(1, frame.shape[1])]
        return np.column_stack(out) if out else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(input_features) if input_features is not None else [f"x{i}" for i in range(self.n_features_in_)]
        return np.array([f"days_before_{n}" for n in names[1:]], dtype=object)


ESTIMATORS: dict[str, dict[str, str]] = {
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


class ModelConfigError(ValueError):
    pass


def make_estimator(task: str, name: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    import importlib

    choices = ESTIMATORS[task]
    if name not in choices:
        raise ModelConfigError(
            f"model.estimator: {name!r} is not a {task} estimator (choose from {', '.join(choices)})"
        )
    module, cls_name = choices[name].split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    estimator = cls()
    valid = estimator.get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ModelConfigError(f"model.params: unknown parameter(s) {', '.join(unknown)} for {cls_name}")
    settings = dict(params)
    if "random_state" in valid and "random_state" not in settings:
        settings["random_state"] = seed
    try:
        estimator.set_params(**settings)
    except (TypeError, ValueError) as exc:
        raise ModelConfigError(f"model.params: {exc}") from exc
    return estimator


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
    """Probability of the positive class (classification) or the prediction (regression)."""
    if task == "classification":
        return np.asarray(model.predict_proba(frame)[:, 1], dtype=float)
    return np.asarray(model.predict(frame), dtype=float)
