"""Metrics: pure functions over arrays, in scikit-learn's shape."""

from auditkit.metrics._bootstrap import bootstrap_ci, percentile_interval, resample_counts
from auditkit.metrics._calibration import expected_calibration_error
from auditkit.metrics._classification import (
    HEADLINE_METRICS,
    confusion,
    headline_scores,
    per_class_scores,
    roc_auc,
    scores_from_confusion,
)
from auditkit.metrics._evaluate import MIN_GROUP_SIZE, evaluate_predictions, headline_intervals, metrics_by_group
from auditkit.metrics._fairness import observed_group_fairness

__all__ = [
    "HEADLINE_METRICS",
    "MIN_GROUP_SIZE",
    "bootstrap_ci",
    "confusion",
    "evaluate_predictions",
    "expected_calibration_error",
    "headline_intervals",
    "headline_scores",
    "metrics_by_group",
    "observed_group_fairness",
    "per_class_scores",
    "percentile_interval",
    "resample_counts",
    "roc_auc",
    "scores_from_confusion",
]
