"""Descriptive statistics of matched sets and the multiple-testing correction.

The gap tests and intervals live in :mod:`auditkit.probes._crossed`: probe
sentences are not independent samples, so no test here treats them as such.
"""

from __future__ import annotations

import numpy as np

__all__ = ["holm_correction", "flip_rate", "counterfactual_token_fairness_gap"]


def holm_correction(p_values, *, cap: bool = True) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)
    cap : bool, default True
        Cap at 1 (a p-value). Uncapped, ``alpha * p / adjusted`` is the level
        Holm's procedure tests each hypothesis at, also for those it keeps.

    Returns
    -------
    ndarray of shape (n_tests,)
        Adjusted p-values in the input order, equal to those of
        ``statsmodels.stats.multitest.multipletests(p, method="holm")``.

    Examples
    --------
    >>> holm_correction([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adjusted_sorted = np.maximum.accumulate(scaled)
    if cap:
        adjusted_sorted = np.minimum(adjusted_sorted, 1.0)
    out = np.empty(m)
    out[order] = adjusted_sorted
    return out


def flip_rate(predicted) -> float:
    """Share of matched sets whose predicted label is not the same for every member.

    Parameters
    ----------
    predicted : array-like of shape (n_sets, n_members)
        Predicted class per member of each matched set.
    """
    pred = np.asarray(predicted)
    if pred.size == 0:
        return float("nan")
    return float(np.mean(np.any(pred != pred[:, :1], axis=1)))


def counterfactual_token_fairness_gap(scores) -> float:
    """Mean |f(x) - f(x')| over every pair of members of every matched set.

    The counterfactual token fairness (CTF) gap of Garg et al. (2019).

    Parameters
    ----------
    scores : array-like of shape (n_sets, n_members)
    """
    s = np.asarray(scores, dtype=float)
    if s.size == 0 or s.shape[1] < 2:
        return float("nan")
    i, j = np.triu_indices(s.shape[1], k=1)
    return float(np.abs(s[:, i] - s[:, j]).mean())
