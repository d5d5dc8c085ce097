"""Standard classification metrics, computed with scikit-learn."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

#: The headline metrics that get bootstrap confidence intervals.
HEADLINE_METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1")


def headline_scores(y_true, y_pred, *, labels: Sequence[int]) -> dict[str, float]:
    """Accuracy and macro precision, recall and F1.

    Parameters
    ----------
    y_true, y_pred : array-like of int
        True and predicted class ids.
    labels : sequence of int
        The classes to average over (all classes of the model that occur in
        ``y_true``), so that a resample never changes what "macro" means.
    """
    p, r, f, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(p),
        "macro_recall": float(r),
        "macro_f1": float(f),
    }


def per_class_scores(y_true, y_pred, *, labels: Sequence[int], names: Sequence[str]) -> dict[str, dict]:
    """Precision, recall, F1 and support for each class, keyed by class name."""
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average=None, zero_division=0
    )
    return {
        str(names[k]): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, k in enumerate(labels)
    }


def confusion(y_true, y_pred, *, labels: Sequence[int], names: Sequence[str]) -> dict:
    """Confusion matrix (rows true, columns predicted) with its class names."""
    matrix = confusion_matrix(y_true, y_pred, labels=list(labels))
    return {"labels": [str(names[k]) for k in labels], "matrix": matrix.astype(int).tolist()}


def roc_auc(y_true, y_proba, *, labels: Sequence[int] | None = None) -> float | None:
    """ROC-AUC: binary on the positive (id 1) column, one-vs-rest macro for more classes.

    Returns ``None`` when it is undefined (a class absent from ``y_true``).
    """
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba, dtype=float)
    n_classes = y_proba.shape[1]
    present = np.unique(y_true)
    if n_classes == 2:
        if len(present) < 2:
            return None
        return float(roc_auc_score(y_true, y_proba[:, 1]))
    if len(present) < n_classes:
        # sklearn's OvR needs every class in y_true; average over those present.
        if len(present) < 2:
            return None
        scores = [roc_auc_score((y_true == k).astype(int), y_proba[:, k]) for k in present]
        return float(np.mean(scores))
    return float(roc_auc_score(y_true, y_proba, multi_class="ovr", average="macro", labels=list(range(n_classes))))


def safe_ratio(num, den) -> np.ndarray:
    """``num / den`` element-wise, and 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def scores_from_confusion(matrices, *, labels: Sequence[int]) -> dict[str, np.ndarray]:
    """Headline and per-class scores from confusion counts, many matrices at once.

    The same definitions as scikit-learn's ``accuracy_score`` and
    ``precision_recall_fscore_support(..., zero_division=0)``: a score whose
    denominator is zero is 0. Used on bootstrap resamples of counts
    (:func:`auditkit.metrics._bootstrap.resample_counts`), where calling scikit-learn
    per resample would dominate the cost.

    Parameters
    ----------
    matrices : array-like of shape (..., k, k)
        Counts, rows true class, columns predicted class.
    labels : sequence of int
        The classes macro averages run over.

    Returns
    -------
    dict of str to ndarray
        ``accuracy`` and ``macro_precision``/``macro_recall``/``macro_f1`` of
        shape (...,); ``precision``/``recall``/``f1`` of shape (..., len(labels)).
    """
    m = np.asarray(matrices, dtype=np.float64)
    labels = list(labels)
    tp = np.diagonal(m, axis1=-2, axis2=-1)
    true_n, pred_n = m.sum(axis=-1), m.sum(axis=-2)
    total = m.sum(axis=(-2, -1))
    tp, true_n, pred_n = tp[..., labels], true_n[..., labels], pred_n[..., labels]

    precision, recall = safe_ratio(tp, pred_n), safe_ratio(tp, true_n)
    f1 = safe_ratio(2 * tp, true_n + pred_n)
    return {
        "accuracy": safe_ratio(np.diagonal(m, axis1=-2, axis2=-1).sum(axis=-1), total),
        "macro_precision": precision.mean(axis=-1),
        "macro_recall": recall.mean(axis=-1),
        "macro_f1": f1.mean(axis=-1),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
