"""The ``metrics`` section of a run: every score, with intervals and slices."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from auditkit.metrics._bootstrap import percentile_interval, resample_counts
from auditkit.metrics._calibration import expected_calibration_error
from auditkit.metrics._classification import (
    HEADLINE_METRICS,
    confusion,
    headline_scores,
    per_class_scores,
    roc_auc,
    scores_from_confusion,
)

#: Groups smaller than this are flagged ``small``: their scores swing too much to trust.
MIN_GROUP_SIZE = 30


def evaluate_predictions(
    y_true,
    y_proba,
    *,
    label_names: Sequence[str],
    groups: Mapping[str, Sequence] | None = None,
    n_boot: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
    n_bins: int = 15,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict:
    """Score predictions against true labels.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    y_proba : array-like of float, shape (n, n_classes)
        Predicted class probabilities; the prediction is their argmax.
    label_names : sequence of str
        Class names in id order.
    groups : mapping of str to sequence, optional
        Observed group columns; every metric is repeated per group value.
    n_boot : int, default 1000
        Bootstrap resamples for the confidence intervals (0 to skip them).
    confidence_level : float, default 0.95
    seed : int, default 0
    n_bins : int, default 15
        Reliability-diagram bins for the expected calibration error.
    min_group_size : int, default 30

    Returns
    -------
    dict
        The run.json ``metrics`` section.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_proba = np.asarray(y_proba, dtype=float)
    if y_proba.ndim != 2 or len(y_proba) != len(y_true):
        raise ValueError(f"y_proba must have shape (n, n_classes) with n={len(y_true)}, got {y_proba.shape}")
    if len(label_names) != y_proba.shape[1]:
        raise ValueError(f"{len(label_names)} label names for {y_proba.shape[1]} probability columns")
    y_pred = y_proba.argmax(axis=1)
    # Macro averages run over the classes present in the data (or predicted),
    # the same set for the point estimate and every resample.
    labels = sorted(set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()))
    point = headline_scores(y_true, y_pred, labels=labels)
    intervals = (
        headline_intervals(y_true, y_pred, n_classes=len(label_names), labels=labels, n_boot=n_boot,
                           confidence_level=confidence_level, seed=seed)
        if n_boot
        else {}
    )
    ece, bins = expected_calibration_error(y_true, y_proba, n_bins=n_bins)
    section: dict = {}
    for name in HEADLINE_METRICS:
        low, high = intervals.get(name, (None, None))
        section[name] = {"value": point[name], "ci_low": low, "ci_high": high}
    all_labels = list(range(len(label_names)))
    section["per_class"] = per_class_scores(y_true, y_pred, labels=all_labels, names=label_names)
    section["confusion_matrix"] = confusion(y_true, y_pred, labels=all_labels, names=label_names)
    section["roc_auc"] = roc_auc(y_true, y_proba)
    section["ece"] = ece
    section["calibration"] = {"n_bins": n_bins, "bins": bins}
    section["bootstrap"] = {"n_boot": n_boot, "seed": seed, "confidence_level": confidence_level}
    section["by_group"] = {
        str(column): metrics_by_group(y_true, y_proba, values, labels=labels, n_bins=n_bins, min_group_size=min_group_size)
        for column, values in (groups or {}).items()
    }
    return section


def headline_intervals(
    y_true,
    y_pred,
    *,
    n_classes: int,
    labels: Sequence[int],
    n_boot: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of the headline metrics from resampled confusion counts.

    Each resample's scores are what scikit-learn gives on that resample's
    rows, computed from its confusion matrix (cost independent of ``n``).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if len(y_true) == 0:
        return {}
    counts = resample_counts(y_true * n_classes + y_pred, n_cells=n_classes * n_classes, n_boot=n_boot, seed=seed)
    scores = scores_from_confusion(counts.reshape(n_boot, n_classes, n_classes), labels=labels)
    out = {}
    for name in HEADLINE_METRICS:
        low, high = percentile_interval(scores[name], confidence_level=confidence_level)
        out[name] = (float(low), float(high))
    return out


def metrics_by_group(
    y_true,
    y_proba,
    group_values: Sequence,
    *,
    labels: Sequence[int],
    n_bins: int = 15,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, dict]:
    """Every headline metric, ROC-AUC and ECE for each value of one group column.

    Groups with fewer than ``min_group_size`` examples carry ``small: True``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_proba = np.asarray(y_proba, dtype=float)
    values = np.asarray([str(v) for v in group_values], dtype=object)
    y_pred = y_proba.argmax(axis=1)
    out = {}
    for value in sorted(set(values.tolist())):
        mask = values == value
        scores = headline_scores(y_true[mask], y_pred[mask], labels=labels)
        ece, _ = expected_calibration_error(y_true[mask], y_proba[mask], n_bins=n_bins)
        out[value] = {
            "n": int(mask.sum()),
            "small": bool(mask.sum() < min_group_size),
            **scores,
            "roc_auc": roc_auc(y_true[mask], y_proba[mask]),
            "ece": ece,
        }
    return out
