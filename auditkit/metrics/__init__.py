"""Metrics: pure functions over arrays, in scikit-learn's shape."""

from auditkit.metrics._bias_auc import JIGSAW_POWER, bnsp_auc, bpsn_auc, generalized_power_mean, subgroup_auc
from auditkit.metrics._bootstrap import bootstrap_ci
from auditkit.metrics._calibration import expected_calibration_error
from auditkit.metrics._classification import (
    HEADLINE_METRICS,
    confusion,
    headline_scores,
    per_class_scores,
    roc_auc,
)
from auditkit.metrics._evaluate import MIN_GROUP_SIZE, evaluate_predictions, metrics_by_group
from auditkit.metrics._fairness import observed_group_fairness
from auditkit.metrics._multilabel import (
    MULTILABEL_HEADLINE_METRICS,
    bias_aucs,
    evaluate_multilabel,
    multilabel_scores,
    per_label_scores,
)

__all__ = [
    "JIGSAW_POWER",
    "MULTILABEL_HEADLINE_METRICS",
    "bias_aucs",
    "bnsp_auc",
    "bpsn_auc",
    "evaluate_multilabel",
    "generalized_power_mean",
    "multilabel_scores",
    "per_label_scores",
    "subgroup_auc",
    "HEADLINE_METRICS",
    "MIN_GROUP_SIZE",
    "bootstrap_ci",
    "confusion",
    "evaluate_predictions",
    "expected_calibration_error",
    "headline_scores",
    "metrics_by_group",
    "observed_group_fairness",
    "per_class_scores",
    "roc_auc",
]
