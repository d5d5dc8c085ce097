"""The Jigsaw Unintended Bias AUCs (Borkan et al., 2019) and their generalised power mean.

For an identity subgroup ``s`` and a binary label with scores ``y_score``:

* subgroup AUC: the ROC-AUC over the examples that mention ``s``;
* BPSN AUC (background positive, subgroup negative): over the subgroup's negatives and the
  other examples' positives — low when clean comments about ``s`` score high;
* BNSP AUC (background negative, subgroup positive): over the subgroup's positives and the
  other examples' negatives — low when toxic comments about ``s`` score low.

The competition combined each across subgroups with the generalised power mean
``M_p(m) = (mean_s m_s ** p) ** (1 / p)`` at ``p = -5``, which leans on the worst subgroup.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["subgroup_auc", "bpsn_auc", "bnsp_auc", "generalized_power_mean", "JIGSAW_POWER"]

#: The exponent the Jigsaw Unintended Bias competition used.
JIGSAW_POWER = -5.0


def _auc(y_true: np.ndarray, y_score: np.ndarray) -> float | None:
    if len(y_true) == 0 or y_true.all() or not y_true.any():
        return None
    return float(roc_auc_score(y_true, y_score))


def _arrays(y_true, y_score, in_subgroup):
    y = np.asarray(y_true).astype(bool)
    score = np.asarray(y_score, dtype=float)
    sub = np.asarray(in_subgroup).astype(bool)
    if not (y.shape == score.shape == sub.shape) or y.ndim != 1:
        raise ValueError(f"y_true, y_score and in_subgroup must be 1-D and the same length, got {y.shape}, {score.shape}, {sub.shape}")
    return y, score, sub


def subgroup_auc(y_true, y_score, *, in_subgroup) -> float | None:
    """ROC-AUC over the examples in the subgroup (None when they hold one class only)."""
    y, score, sub = _arrays(y_true, y_score, in_subgroup)
    return _auc(y[sub], score[sub])


def bpsn_auc(y_true, y_score, *, in_subgroup, in_background=None) -> float | None:
    """ROC-AUC over the subgroup's negatives and the background's positives.

    ``in_background`` defaults to every example outside the subgroup.
    """
    y, score, sub = _arrays(y_true, y_score, in_subgroup)
    background = ~sub if in_background is None else np.asarray(in_background).astype(bool)
    keep = (sub & ~y) | (background & ~sub & y)
    return _auc(y[keep], score[keep])


def bnsp_auc(y_true, y_score, *, in_subgroup, in_background=None) -> float | None:
    """ROC-AUC over the subgroup's positives and the background's negatives.

    ``in_background`` defaults to every example outside the subgroup.
    """
    y, score, sub = _arrays(y_true, y_score, in_subgroup)
    background = ~sub if in_background is None else np.asarray(in_background).astype(bool)
    keep = (sub & y) | (background & ~sub & ~y)
    return _auc(y[keep], score[keep])


def generalized_power_mean(values, *, p: float = JIGSAW_POWER) -> float | None:
    """``(mean(values ** p)) ** (1 / p)``, skipping None/NaN; None when nothing is left.

    Examples
    --------
    >>> round(generalized_power_mean([0.9, 0.6]), 4)
    0.6724
    """
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return None
    if p == 0:
        return float(np.exp(np.mean(np.log(arr))))
    return float(np.mean(arr ** p) ** (1.0 / p))
