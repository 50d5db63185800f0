"""Model package: data, checks, training, evaluation and retraining decisions."""

__version__ = "0.1.0"
