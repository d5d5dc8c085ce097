"""Metrics: pure functions over arrays, in scikit-learn's shape."""

from auditkit.metrics._bias_auc import JIGSAW_POWER, bnsp_auc, bpsn_auc, generalized_power_mean, identity_aucs, power_means, subgroup_auc
from auditkit.metrics._bootstrap import bootstrap_ci, percentile_interval, resample_count_chunks, resample_counts
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
from auditkit.metrics._multilabel import (
    MULTILABEL_HEADLINE_METRICS,
    bias_aucs,
    evaluate_multilabel,
    multilabel_intervals,
    multilabel_scores,
    per_label_scores,
)
from auditkit.metrics._multilabel_resample import (
    multilabel_patterns,
    multilabel_scores_from_patterns,
    resample_multilabel_scores,
)

__all__ = [
    "JIGSAW_POWER",
    "MULTILABEL_HEADLINE_METRICS",
    "bias_aucs",
    "evaluate_multilabel",
    "multilabel_intervals",
    "multilabel_patterns",
    "multilabel_scores",
    "multilabel_scores_from_patterns",
    "per_label_scores",
    "resample_multilabel_scores",
    "HEADLINE_METRICS",
    "MIN_GROUP_SIZE",
    "bnsp_auc",
    "bootstrap_ci",
    "bpsn_auc",
    "confusion",
    "evaluate_predictions",
    "expected_calibration_error",
    "headline_intervals",
    "generalized_power_mean",
    "identity_aucs",
    "power_means",
    "headline_scores",
    "metrics_by_group",
    "observed_group_fairness",
    "per_class_scores",
    "percentile_interval",
    "resample_count_chunks",
    "resample_counts",
    "roc_auc",
    "scores_from_confusion",
    "subgroup_auc",
]
