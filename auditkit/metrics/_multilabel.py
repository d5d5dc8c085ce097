"""Multi-label classification metrics (each example carries any number of labels), with scikit-learn."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support

from auditkit.metrics._bias_auc import JIGSAW_POWER, identity_aucs, power_means
from auditkit.metrics._bootstrap import check_bootstrap, percentile_interval
from auditkit.metrics._calibration import expected_calibration_error
from auditkit.metrics._classification import roc_auc
from auditkit.metrics._evaluate import MIN_GROUP_SIZE
from auditkit.metrics._fairness import known_groups
from auditkit.metrics._multilabel_resample import resample_multilabel_scores

#: The multi-label headline metrics that get bootstrap confidence intervals.
MULTILABEL_HEADLINE_METRICS = ("subset_accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss")


def multilabel_scores(y_true, y_pred) -> dict[str, float]:
    """Subset accuracy, micro / macro / samples F1 and Hamming loss of 0/1 indicator matrices.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n, n_labels)
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    return {
        "subset_accuracy": float(accuracy_score(y_true, y_pred)),
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        # a text with no true label and none predicted is right, not 0 (most texts of toxicity data carry no label)
        "samples_f1": float(f1_score(y_true, y_pred, average="samples", zero_division=1.0)),
        "hamming_loss": float(hamming_loss(y_true, y_pred)),
    }


def multilabel_intervals(y_true, y_pred, *, n_boot: int = 1000, confidence_level: float = 0.95,
                         seed: int = 0) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of :data:`MULTILABEL_HEADLINE_METRICS`.

    The resamples of the rows are drawn as counts of their distinct (true,
    predicted) patterns and scored all at once
    (:func:`auditkit.metrics._multilabel_resample.resample_multilabel_scores`): the intervals of
    ``bootstrap_ci(y_true, y_pred, statistic=multilabel_scores)`` up to the
    resampling noise, in O(n_boot x patterns) instead of n_boot calls to
    scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n, n_labels)
        0/1 true labels and decisions.
    n_boot : int, default 1000
    confidence_level : float, default 0.95
    seed : int, default 0
        Same inputs and seed, same intervals.

    Returns
    -------
    dict of str to (low, high)
        Empty when there are no rows.
    """
    check_bootstrap(n_boot, confidence_level)
    if len(y_true) == 0:
        return {}
    _, [resampled] = resample_multilabel_scores(y_true, y_pred, n_boot=n_boot, seed=seed)
    out = {}
    for name in MULTILABEL_HEADLINE_METRICS:
        low, high = percentile_interval(resampled[name], confidence_level=confidence_level)
        out[name] = (float(low), float(high))
    return out


def per_label_scores(y_true, y_proba, *, thresholds, names: Sequence[str], n_bins: int = 15) -> dict[str, dict]:
    """Per label: precision, recall, F1, support, ROC-AUC, ECE and the threshold used.

    ROC-AUC is None when the label is always or never present; ECE is the
    top-label calibration error of the label's binary decision (absent / present).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_proba = np.asarray(y_proba, dtype=float)
    thresholds = np.asarray(thresholds, dtype=float)
    y_pred = (y_proba >= thresholds).astype(np.int64)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0, labels=list(range(len(names))))
    out = {}
    for k, name in enumerate(names):
        binary = np.column_stack([1 - y_proba[:, k], y_proba[:, k]])
        ece, _ = expected_calibration_error(y_true[:, k], binary, n_bins=n_bins)
        out[str(name)] = {
            "precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "support": int(s[k]),
            "roc_auc": roc_auc(y_true[:, k], binary), "ece": ece, "threshold": float(thresholds[k]),
        }
    return out


def evaluate_multilabel(
    y_true,
    y_proba,
    *,
    label_names: Sequence[str],
    thresholds,
    groups: Mapping[str, Sequence] | None = None,
    n_boot: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
    n_bins: int = 15,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict:
    """The run.json ``metrics`` section of a multi-label classifier.

    Parameters
    ----------
    y_true : array-like of int, shape (n, n_labels)
        0/1 true labels.
    y_proba : array-like of float, shape (n, n_labels)
        Per-label probabilities (sigmoids); a label is predicted when its
        probability is at least its threshold.
    label_names : sequence of str
    thresholds : array-like of float, shape (n_labels,)
    groups : mapping of str to sequence, optional
        Observed group columns; the headline metrics are repeated per group value.
    n_boot, confidence_level, seed
        Percentile bootstrap over examples (``n_boot=0`` skips the intervals);
        see :func:`multilabel_intervals`.
    n_bins : int, default 15
    min_group_size : int, default 30

    Returns
    -------
    dict
        ``task``, ``thresholds``, each of :data:`MULTILABEL_HEADLINE_METRICS`
        as ``{value, ci_low, ci_high}``, ``per_label``, ``bootstrap``, ``by_group``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_proba = np.asarray(y_proba, dtype=float)
    thresholds = np.asarray(thresholds, dtype=float)
    if y_true.shape != y_proba.shape or y_true.ndim != 2 or y_true.shape[1] != len(label_names) or len(thresholds) != len(label_names):
        raise ValueError(f"y_true {y_true.shape}, y_proba {y_proba.shape}, {len(label_names)} names and {len(thresholds)} thresholds do not agree")
    y_pred = (y_proba >= thresholds).astype(np.int64)
    point = multilabel_scores(y_true, y_pred)
    intervals = multilabel_intervals(y_true, y_pred, n_boot=n_boot, confidence_level=confidence_level, seed=seed) if n_boot else {}
    section: dict = {"task": "multi_label", "thresholds": {str(n): float(t) for n, t in zip(label_names, thresholds)}}
    for name in MULTILABEL_HEADLINE_METRICS:
        low, high = intervals.get(name, (None, None))
        section[name] = {"value": point[name], "ci_low": low, "ci_high": high}
    section["per_label"] = per_label_scores(y_true, y_proba, thresholds=thresholds, names=label_names, n_bins=n_bins)
    section["bootstrap"] = {"n_boot": n_boot, "seed": seed, "confidence_level": confidence_level}
    section["by_group"] = {}
    for column, values in (groups or {}).items():
        values = np.asarray([str(v) for v in values], dtype=object)
        section["by_group"][str(column)] = {
            value: {"n": int((values == value).sum()), "small": bool((values == value).sum() < min_group_size),
                    **multilabel_scores(y_true[values == value], y_pred[values == value])}
            for value in sorted(set(values.tolist()))
        }
    return section


def bias_aucs(y_true, y_score, *, groups: Sequence, min_group_size: int = MIN_GROUP_SIZE, p: float = JIGSAW_POWER) -> dict:
    """Subgroup, BPSN and BNSP AUC of one label for each identity of one group column, and their power means.

    Parameters
    ----------
    y_true : array-like of 0/1, shape (n,)
    y_score : array-like of float, shape (n,)
    groups : sequence of str, shape (n,)
        The identity each example mentions. Missing values (None, NaN,
        empty, ``<missing>``) belong to no subgroup but stay in every
        identity's background.
    min_group_size : int, default 30
        Identities with fewer examples are flagged ``small`` and left out of
        the power means (see :func:`auditkit.metrics._bias_auc.power_means`).
    p : float, default -5
        Exponent of the generalised power mean.

    Returns
    -------
    dict
        ``groups`` ({identity: {n, small, subgroup_auc, bpsn_auc, bnsp_auc}}),
        ``power_mean`` ({subgroup_auc, bpsn_auc, bnsp_auc}), ``power_mean_over``
        (the identities averaged), ``p``, ``small_groups``.
    """
    values, known = known_groups(groups)
    names = sorted(set(values[known].tolist()))
    per_group = {}
    for value in names:
        m = known & (values == value)
        per_group[value] = {"n": int(m.sum()), "small": bool(m.sum() < min_group_size),
                            **identity_aucs(y_true, y_score, subgroup=m)}
    means, over = power_means(per_group, p=p)
    return {"groups": per_group, "power_mean": means, "power_mean_over": over, "p": p,
            "small_groups": [k for k, v in per_group.items() if v["small"]]}
