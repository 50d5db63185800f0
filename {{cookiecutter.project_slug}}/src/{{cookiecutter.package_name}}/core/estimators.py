"""Estimators of the project's own: examples of what ``model.estimator`` can point at.

Any class with scikit-learn's estimator contract works (``model.estimator:
"<package>.core.estimators:BalancedLogisticClassifier"`` in params.yaml): hyperparameters
are ``__init__`` arguments stored under the same names (so ``get_params`` lists them and
``model.params`` is checked against them), ``fit(X, y)`` returns ``self`` and sets
``classes_`` for a classifier, and ``predict`` / ``predict_proba`` take the preprocessed
matrix the Pipeline hands them. Classes defined in this package are trusted by the model
loader (``model_store``), so no ``model.trusted_types`` entry is needed for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin


class BalancedLogisticClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Logistic regression whose classes weigh equally, whatever their share (binary or multiclass).

    Useful when a rare class matters as much as a common one; an example of wrapping a
    scikit-learn model with a fixed choice the built-in names do not offer.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> BalancedLogisticClassifier:
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight="balanced").fit(X, y)
        self.classes_ = self.model_.classes_
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.model_.predict(X))


class FlooredRidgeRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Ridge regression whose predictions never go below ``floor`` (e.g. 0 for spend or counts)."""

    def __init__(self, alpha: float = 1.0, floor: float = 0.0) -> None:
        self.alpha = alpha
        self.floor = floor

    def fit(self, X: Any, y: Any) -> FlooredRidgeRegressor:
        from sklearn.linear_model import Ridge

        self.model_ = Ridge(alpha=self.alpha).fit(X, y)
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.maximum(np.asarray(self.model_.predict(X), dtype=float), self.floor)
