"""Metrics: pure functions over arrays, in scikit-learn's shape."""

from auditkit.metrics._bias_auc import bnsp_auc, bpsn_auc, generalized_power_mean, subgroup_auc
from auditkit.metrics._bootstrap import bootstrap_ci
from auditkit.metrics._calibration import expected_calibration_error
from auditkit.metrics._classification import HEADLINE_METRICS
from auditkit.metrics._evaluate import evaluate_predictions, metrics_by_group
from auditkit.metrics._fairness import observed_group_fairness
from auditkit.metrics._multilabel import bias_aucs, evaluate_multilabel

__all__ = [
    "evaluate_predictions",
    "evaluate_multilabel",
    "observed_group_fairness",
    "metrics_by_group",
    "bootstrap_ci",
    "expected_calibration_error",
    "bias_aucs",
    "subgroup_auc",
    "bpsn_auc",
    "bnsp_auc",
    "generalized_power_mean",
    "HEADLINE_METRICS",
]
