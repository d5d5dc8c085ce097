"""Observed-group fairness: how a classifier's decisions differ across the
groups recorded in the data (not counterfactuals).

Rates and differences follow fairlearn's definitions (``selection_rate``,
``demographic_parity_difference``/``ratio``, ``equalized_odds_difference``
with ``method="between_groups"``, ``agg="worst_case"``); the AUCs follow
Borkan et al. (2019), "Nuanced Metrics for Measuring Unintended Bias with Real
Data for Text Classification".
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from auditkit.metrics._bias_auc import bnsp_auc, bpsn_auc, subgroup_auc
from auditkit.metrics._evaluate import MIN_GROUP_SIZE as DEFAULT_MIN_GROUP_SIZE  # one threshold for slices and fairness

__all__ = ["observed_group_fairness", "DEFAULT_MIN_GROUP_SIZE"]

# Empty cells and the loader's "<missing>" marker; "none" stays a real group
# (the sample data uses it for "no gender mentioned").
MISSING_GROUP_VALUES = ("", "<missing>")


def _rate(numerator: int, denominator: int) -> float | None:
    return float(numerator / denominator) if denominator else None


def _between_groups(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(max(defined) - min(defined)) if defined else None


def _one_feature(y_true, y_pred, groups, y_score, pos_label, min_group_size) -> dict:
    keep = ~pd.isna(groups)
    g = np.asarray([str(v) for v in groups], dtype=object)
    keep &= ~np.isin(np.char.lower(g.astype(str)), MISSING_GROUP_VALUES)
    n_missing = int((~keep).sum())
    pos_true = np.asarray(y_true == pos_label)
    pos_pred = np.asarray(y_pred == pos_label)
    score = None if y_score is None else np.asarray(y_score, dtype=float)
    per_group = {}
    sel, tpr0, fpr0 = [], [], []  # fairlearn's convention: an empty class gives a rate of 0
    for value in sorted(set(g[keep])):
        m = keep & (g == value)
        n = int(m.sum())
        t, p = pos_true[m], pos_pred[m]
        n_pos, n_neg = int(t.sum()), int((~t).sum())
        tp, fp = int((t & p).sum()), int((~t & p).sum())
        entry = {
            "n": n,
            "small": n < min_group_size,
            "n_positive": n_pos,
            "selection_rate": float(p.mean()),
            "true_positive_rate": _rate(tp, n_pos),
            "false_positive_rate": _rate(fp, n_neg),
            "accuracy": float((y_true[m] == y_pred[m]).mean()),
        }
        if score is not None:
            bg = keep & ~m
            entry["subgroup_auc"] = subgroup_auc(pos_true, score, in_subgroup=m)
            entry["bpsn_auc"] = bpsn_auc(pos_true, score, in_subgroup=m, in_background=bg)
            entry["bnsp_auc"] = bnsp_auc(pos_true, score, in_subgroup=m, in_background=bg)
        per_group[value] = entry
        sel.append(entry["selection_rate"])
        tpr0.append(entry["true_positive_rate"] or 0.0)
        fpr0.append(entry["false_positive_rate"] or 0.0)
    if not per_group:
        return {"groups": {}, "n_missing": n_missing, "demographic_parity_difference": None,
                "demographic_parity_ratio": None, "equalized_odds_difference": None,
                "true_positive_rate_difference": None, "false_positive_rate_difference": None}
    tpr_diff = _between_groups(tpr0)
    fpr_diff = _between_groups(fpr0)
    dp_ratio = float(min(sel) / max(sel)) if max(sel) > 0 else None
    return {
        "groups": per_group,
        "n_missing": n_missing,
        "small_groups": [k for k, v in per_group.items() if v["small"]],
        "demographic_parity_difference": float(max(sel) - min(sel)),
        "demographic_parity_ratio": dp_ratio,
        "true_positive_rate_difference": tpr_diff,
        "false_positive_rate_difference": fpr_diff,
        "equalized_odds_difference": float(max(tpr_diff, fpr_diff)),
    }


def observed_group_fairness(y_true, y_pred, *, sensitive_features, y_score=None, pos_label=1, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> dict:
    """Per-group rates and between-group disparities for observed groups.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels (ids or names).
    sensitive_features : array-like of shape (n_samples,), or mapping / DataFrame
        Group of each example; a mapping of column name to such arrays (or a
        DataFrame) gives one result per column. Missing values (None, NaN,
        empty) are left out and counted in ``n_missing``.
    y_score : array-like of shape (n_samples,), optional
        Score of ``pos_label`` (e.g. its probability). When given, each group
        also gets subgroup AUC, BPSN AUC and BNSP AUC; pass it for binary
        tasks (for more classes the AUCs are one-vs-rest).
    pos_label : scalar, default 1
        The favourable ("selected") label.
    min_group_size : int, default 30
        Groups with fewer examples are flagged ``small``.

    Returns
    -------
    dict
        For one feature: ``groups`` ({value: {n, small, n_positive,
        selection_rate, true_positive_rate, false_positive_rate, accuracy
        [, subgroup_auc, bpsn_auc, bnsp_auc]}}), ``small_groups``,
        ``n_missing``, ``demographic_parity_difference`` (max - min selection
        rate), ``demographic_parity_ratio`` (min / max),
        ``true_positive_rate_difference``, ``false_positive_rate_difference``
        and ``equalized_odds_difference`` (the larger of the two), as
        fairlearn computes them. For a mapping: ``{column: that dict}``.
        Rates and AUCs that are undefined for a group (no positives, a
        missing class) are ``None``; in the differences such a rate counts
        as 0, as in fairlearn.

    Examples
    --------
    >>> r = observed_group_fairness([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=["a", "a", "b", "b"], min_group_size=1)
    >>> r["demographic_parity_difference"], r["equalized_odds_difference"]
    (0.5, 1.0)
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length, got {y_true.shape} and {y_pred.shape}")
    if y_score is not None and np.asarray(y_score).shape != y_true.shape:
        raise ValueError(f"y_score must have one score per example ({len(y_true)}), got shape {np.asarray(y_score).shape}")
    if isinstance(sensitive_features, (Mapping, pd.DataFrame)):
        columns = sensitive_features.items()
        return {
            str(name): observed_group_fairness(
                y_true, y_pred, sensitive_features=values, y_score=y_score, pos_label=pos_label, min_group_size=min_group_size
            )
            for name, values in columns
        }
    groups = np.asarray(sensitive_features, dtype=object)
    if groups.shape != y_true.shape:
        raise ValueError(f"sensitive_features must have one value per example ({len(y_true)}), got shape {groups.shape}")
    return _one_feature(y_true, y_pred, groups, y_score, pos_label, min_group_size)
