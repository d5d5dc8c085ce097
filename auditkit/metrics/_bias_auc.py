"""Subgroup, BPSN and BNSP AUC and their generalized power mean.

The "nuanced" bias AUCs of Borkan et al. (2019), "Nuanced Metrics for
Measuring Unintended Bias with Real Data for Text Classification", as used
by the Jigsaw Unintended Bias in Toxicity Classification benchmark:

- **subgroup AUC**: ROC-AUC on the examples of the subgroup only;
- **BPSN AUC** (background positive, subgroup negative): ROC-AUC on the
  subgroup's negatives and the background's positives; low when the model
  scores innocuous subgroup examples as high as positive background ones;
- **BNSP AUC** (background negative, subgroup positive): the reverse pairing;
- **generalized power mean** ``M_p = (mean(m_s ** p)) ** (1 / p)`` over
  subgroups, with ``p = -5`` in the benchmark so the worst subgroup dominates.

Each AUC is scikit-learn's ``roc_auc_score`` on the selected rows. An
identity's background is every example outside it, those that mention no
identity (or whose group is missing) included, as in the benchmark.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["subgroup_auc", "bpsn_auc", "bnsp_auc", "identity_aucs", "generalized_power_mean", "power_means", "JIGSAW_POWER"]

#: The three AUCs of one identity, in the order they are reported.
AUC_KINDS = ("subgroup_auc", "bpsn_auc", "bnsp_auc")

#: The exponent of the power mean in the Jigsaw Unintended Bias benchmark.
JIGSAW_POWER = -5.0


def _masks(y_true, y_score, subgroup, background, pos_label):
    positive = np.asarray(y_true) == pos_label
    score = np.asarray(y_score, dtype=float)
    member = np.asarray(subgroup, dtype=bool)
    if not (positive.ndim == score.ndim == member.ndim == 1) or not (len(positive) == len(score) == len(member)):
        raise ValueError(
            f"y_true, y_score and subgroup must be 1-D and the same length, got shapes "
            f"{positive.shape}, {score.shape} and {member.shape}"
        )
    rest = ~member if background is None else np.asarray(background, dtype=bool) & ~member
    if rest.shape != member.shape:
        raise ValueError(f"background must have one value per example ({len(member)}), got shape {rest.shape}")
    return positive, score, member, rest


def _auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    if len(positive) == 0 or positive.all() or not positive.any():
        return None
    return float(roc_auc_score(positive.astype(int), score))


def subgroup_auc(y_true, y_score, *, subgroup, pos_label=1) -> float | None:
    """ROC-AUC restricted to the examples in ``subgroup``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples,)
        Score of ``pos_label`` (e.g. its probability).
    subgroup : array-like of bool, shape (n_samples,)
        Whether each example belongs to (mentions) the subgroup.
    pos_label : scalar, default 1

    Returns
    -------
    float or None
        None when the subgroup lacks positives or negatives (AUC undefined).

    Examples
    --------
    >>> subgroup_auc([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2], subgroup=[True, True, False, False])
    1.0
    """
    positive, score, member, _ = _masks(y_true, y_score, subgroup, None, pos_label)
    return _auc(positive[member], score[member])


def bpsn_auc(y_true, y_score, *, subgroup, background=None, pos_label=1) -> float | None:
    """Background-positive, subgroup-negative AUC.

    ROC-AUC over the subgroup's negatives and the background's positives.

    Parameters
    ----------
    y_true, y_score, subgroup, pos_label
        As in :func:`subgroup_auc`.
    background : array-like of bool, shape (n_samples,), optional
        Examples that may serve as background (those outside ``subgroup``
        among them); default: every example outside the subgroup.

    Returns
    -------
    float or None
        None when either side of the pairing is empty.
    """
    positive, score, member, rest = _masks(y_true, y_score, subgroup, background, pos_label)
    rows = (member & ~positive) | (rest & positive)
    return _auc(positive[rows], score[rows])


def bnsp_auc(y_true, y_score, *, subgroup, background=None, pos_label=1) -> float | None:
    """Background-negative, subgroup-positive AUC.

    ROC-AUC over the subgroup's positives and the background's negatives.
    Parameters as in :func:`bpsn_auc`.
    """
    positive, score, member, rest = _masks(y_true, y_score, subgroup, background, pos_label)
    rows = (member & positive) | (rest & ~positive)
    return _auc(positive[rows], score[rows])


def generalized_power_mean(values, *, p: float = JIGSAW_POWER) -> float | None:
    """``(mean(v ** p)) ** (1 / p)`` over the defined values (None and NaN are left out).

    With the benchmark's ``p = -5`` the result sits near the smallest value,
    so one badly served subgroup pulls the summary down.

    Parameters
    ----------
    values : iterable of float or None
        One AUC per subgroup, each in (0, 1].
    p : float, default -5.0
        Must not be 0.

    Returns
    -------
    float or None
        None when no value is defined.

    Examples
    --------
    >>> round(generalized_power_mean([0.9, 0.9]), 6)
    0.9
    """
    if p == 0:
        raise ValueError("p must not be 0 (the power mean's limit there is the geometric mean)")
    kept = np.asarray([float(v) for v in values if v is not None and math.isfinite(float(v))], dtype=float)
    if kept.size == 0:
        return None
    return float(np.mean(kept**p) ** (1.0 / p))


def identity_aucs(y_true, y_score, *, subgroup, pos_label=1) -> dict[str, float | None]:
    """Subgroup, BPSN and BNSP AUC of one identity, against every example outside it.

    The one place both observed-group fairness and the multi-label bias AUCs
    get these numbers from, so the same data gives the same AUCs in both.

    Returns
    -------
    dict
        ``{subgroup_auc, bpsn_auc, bnsp_auc}``, each None when undefined.
    """
    kw = {"subgroup": subgroup, "pos_label": pos_label}
    return {"subgroup_auc": subgroup_auc(y_true, y_score, **kw), "bpsn_auc": bpsn_auc(y_true, y_score, **kw),
            "bnsp_auc": bnsp_auc(y_true, y_score, **kw)}


def power_means(per_group: dict[str, dict], *, p: float = JIGSAW_POWER) -> tuple[dict[str, float | None], list[str]]:
    """Power mean of each AUC kind over the identities that are not ``small``, and which identities those are.

    At ``p = -5`` the mean follows its smallest value, so an identity with a
    handful of examples (whose AUC is mostly noise) would set it; such
    identities are listed beside it but left out, as the benchmark's
    subgroups all held hundreds of examples.

    Parameters
    ----------
    per_group : dict
        ``{identity: {small, subgroup_auc, bpsn_auc, bnsp_auc, ...}}``.
    p : float, default -5.0

    Returns
    -------
    (dict, list of str)
        ``{subgroup_auc, bpsn_auc, bnsp_auc}`` (None when no identity is
        large enough or none has the AUC defined), and the identities averaged.
    """
    over = [g for g, v in per_group.items() if not v["small"]]
    return {kind: generalized_power_mean([per_group[g][kind] for g in over], p=p) for kind in AUC_KINDS}, over
