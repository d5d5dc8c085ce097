"""Observed-group fairness: how a classifier's decisions differ across the
groups recorded in the data (not counterfactuals).

Rates follow fairlearn's definitions (``selection_rate``,
``true_positive_rate``, ``false_positive_rate``); the AUCs follow Borkan et
al. (2019), "Nuanced Metrics for Measuring Unintended Bias with Real Data for
Text Classification".

The between-group differences (max - min over groups, as fairlearn's
``method="between_groups"``) differ from fairlearn's in one way: a group
under ``min_group_size``, or whose rate is undefined (no positive examples
for a true positive rate), is left out and listed with the reason, instead of
entering with a rate of 0, so that one tiny or one-class group cannot make
the difference. fairlearn's own value is kept beside each one under
``fairlearn``, and each difference gets a seeded bootstrap interval
(examples resampled, drawn as (group, true, predicted) cell counts) of the
difference between the two groups named in ``between``. Those two are the
groups furthest apart *in the data*, picked after looking, so an interval for
that one pair alone would be too narrow (the winner's curse). The interval is
therefore simultaneous over every pair of eligible groups: a max-|t|
bootstrap (the (1 - alpha) quantile of the largest studentized deviation over
all pairs in one resample), which covers every pair's difference at once and
so the picked pair's too (Romano and Wolf 2005). Ratios use the same on the
log scale.

References
----------
Romano, J. P. and Wolf, M. (2005). Exact and approximate stepdown methods for
multiple hypothesis testing. JASA 100(469).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from auditkit.metrics._bias_auc import identity_aucs
from auditkit.metrics._bootstrap import resample_counts
from auditkit.metrics._evaluate import MIN_GROUP_SIZE as DEFAULT_MIN_GROUP_SIZE  # one threshold for slices and fairness

__all__ = ["observed_group_fairness", "DEFAULT_MIN_GROUP_SIZE", "DIFFERENCES"]

# Empty cells and the loader's "<missing>" marker; "none" stays a real group
# (the sample data uses it for "no gender mentioned").
MISSING_GROUP_VALUES = ("", "<missing>")


def _rate(numerator: int, denominator: int) -> float | None:
    return float(numerator / denominator) if denominator else None


# Between-group measures, in the order they are reported.
DIFFERENCES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "true_positive_rate_difference",
    "false_positive_rate_difference",
    "equalized_odds_difference",
)
_RATE_OF = {
    "demographic_parity_difference": "selection_rate",
    "demographic_parity_ratio": "selection_rate",
    "true_positive_rate_difference": "true_positive_rate",
    "false_positive_rate_difference": "false_positive_rate",
}
_UNDEFINED = {
    "true_positive_rate": "no positive examples, so its true positive rate is undefined",
    "false_positive_rate": "no negative examples, so its false positive rate is undefined",
}


def _group_rates(codes: np.ndarray, n_groups: int, pos_true: np.ndarray, pos_pred: np.ndarray) -> dict[str, np.ndarray]:
    """Selection, true positive and false positive rate per group code (NaN where undefined)."""
    n = np.bincount(codes, minlength=n_groups).astype(float)
    n_pos = np.bincount(codes, weights=pos_true, minlength=n_groups)
    tp = np.bincount(codes, weights=pos_true & pos_pred, minlength=n_groups)
    fp = np.bincount(codes, weights=~pos_true & pos_pred, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "selection_rate": np.bincount(codes, weights=pos_pred, minlength=n_groups) / n,
            "true_positive_rate": tp / n_pos,
            "false_positive_rate": fp / (n - n_pos),
        }


def _spread(rates: np.ndarray, eligible: np.ndarray) -> tuple[float | None, float | None, int | None, int | None]:
    """(max - min, min / max, argmax, argmin) of the defined rates of eligible groups; None with fewer than two."""
    usable = np.flatnonzero(eligible & np.isfinite(rates))
    if len(usable) < 2:
        return None, None, None, None
    hi, lo = usable[np.argmax(rates[usable])], usable[np.argmin(rates[usable])]
    ratio = float(rates[lo] / rates[hi]) if rates[hi] > 0 else None
    return float(rates[hi] - rates[lo]), ratio, int(hi), int(lo)


def _differences(rates: dict[str, np.ndarray], eligible: np.ndarray) -> tuple[dict, dict]:
    """Between-group measures over eligible groups with a defined rate, and the (max, min) group codes behind each."""
    values, between = {}, {}
    for name, rate in _RATE_OF.items():
        diff, ratio, hi, lo = _spread(rates[rate], eligible)
        values[name] = ratio if name.endswith("ratio") else diff
        between[name] = None if hi is None else (hi, lo)
    tpr, fpr = values["true_positive_rate_difference"], values["false_positive_rate_difference"]
    values["equalized_odds_difference"] = None if tpr is None or fpr is None else max(tpr, fpr)
    if values["equalized_odds_difference"] is None:
        between["equalized_odds_difference"] = None
    else:
        between["equalized_odds_difference"] = between[_worst_of(values)]
    return values, between


def _worst_of(values: dict) -> str:
    """The rate difference behind the equalized odds difference."""
    tpr, fpr = values["true_positive_rate_difference"], values["false_positive_rate_difference"]
    return "true_positive_rate_difference" if tpr >= fpr else "false_positive_rate_difference"


#: How the intervals of the differences are drawn (stored in the run).
INTERVAL_METHOD = ("max-|t| bootstrap, simultaneous over every pair of eligible groups (examples resampled as "
                   "(group, true, predicted) cell counts); ratios on the log scale")


def _simultaneous(point: np.ndarray, draws: np.ndarray, pair: tuple[int, int], usable: np.ndarray,
                  confidence_level: float) -> tuple[float, float] | None:
    """Max-|t| interval of ``point[hi] - point[lo]`` over every pair of ``usable`` groups; draws (n_boot, n_groups)."""
    groups = np.flatnonzero(usable)
    if len(groups) < 2:
        return None
    j, k = np.triu_indices(len(groups), 1)
    j, k = groups[j], groups[k]
    diffs = point[j] - point[k]
    with np.errstate(invalid="ignore"):
        resampled = draws[:, j] - draws[:, k]
        se = np.nanstd(resampled, axis=0, ddof=1)
    ok = np.isfinite(se)
    if not ok.any():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):  # a pair that never varies deviates by 0 (se 0)
        t = np.where(se[ok] > 0, np.abs(resampled[:, ok] - diffs[ok]) / np.where(se[ok] > 0, se[ok], 1.0), 0.0)
    t = np.where(np.isfinite(resampled[:, ok]), t, np.nan)
    t_max = np.nanmax(np.where(np.isnan(t), -np.inf, t), axis=1)
    t_max = t_max[np.isfinite(t_max)]
    if not len(t_max):
        return None
    q = float(np.quantile(t_max, confidence_level))
    hi, lo = pair
    if hi == lo:  # every rate ties: max - min is any pair's difference
        lo = next(int(g) for g in groups if g != hi)
    index = np.flatnonzero((j == hi) & (k == lo) | (j == lo) & (k == hi))
    if not len(index) or not ok[index[0]]:
        return None
    d = point[hi] - point[lo]
    return float(d - q * se[index[0]]), float(d + q * se[index[0]])


def _intervals(codes, n_groups, pos_true, pos_pred, between: dict, values: dict, eligible: np.ndarray, rates: dict, *,
               n_boot, confidence_level, seed) -> dict:
    """Interval of each between-group measure, simultaneous over every pair of eligible groups.

    The groups in ``between`` are picked from the data (the furthest apart), so each interval is the picked
    pair's row of a max-|t| band that covers every pair at once. The rates depend on the rows only through
    the (group, true, predicted) cell counts, so resamples are drawn as counts (:func:`resample_counts`):
    O(n_boot x cells), whatever the number of rows.
    """
    cells = resample_counts(codes * 4 + pos_true.astype(np.int64) * 2 + pos_pred.astype(np.int64),
                            n_cells=4 * n_groups, n_boot=n_boot, seed=seed).reshape(n_boot, n_groups, 2, 2).astype(float)
    n = cells.sum(axis=(2, 3))
    n_pos = cells[:, :, 1, :].sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        resampled = {"selection_rate": cells[:, :, :, 1].sum(axis=2) / n,
                     "true_positive_rate": cells[:, :, 1, 1] / n_pos,
                     "false_positive_rate": cells[:, :, 0, 1] / (n - n_pos)}
        out = {}
        for name, pair in between.items():
            if pair is None:
                continue
            kind = _RATE_OF.get(name) or _RATE_OF[_worst_of(values)]
            point, draws = rates[kind], resampled[kind]
            usable = eligible & np.isfinite(point)
            if name.endswith("ratio"):  # min / max = exp(log lo - log hi)
                usable &= point > 0
                band = _simultaneous(np.log(np.where(usable, point, 1.0)), np.log(draws), pair[::-1], usable,
                                     confidence_level)
                if band is not None:
                    out[name] = (float(np.exp(band[0])), float(np.exp(band[1])))
            else:
                band = _simultaneous(point, draws, pair, usable, confidence_level)
                if band is not None:
                    out[name] = band
    return out


def _fairlearn_values(rates: dict[str, np.ndarray]) -> dict[str, float | None]:
    """The measures as fairlearn computes them: every group, an undefined rate counted as 0, no size limit."""
    sel = rates["selection_rate"]
    tpr = np.nan_to_num(rates["true_positive_rate"], nan=0.0)
    fpr = np.nan_to_num(rates["false_positive_rate"], nan=0.0)
    return {
        "demographic_parity_difference": float(sel.max() - sel.min()),
        "demographic_parity_ratio": float(sel.min() / sel.max()) if sel.max() > 0 else None,
        "true_positive_rate_difference": float(tpr.max() - tpr.min()),
        "false_positive_rate_difference": float(fpr.max() - fpr.min()),
        "equalized_odds_difference": float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min())),
    }


def _excluded(names: list[str], per_group: dict, min_group_size: int) -> dict[str, dict[str, str]]:
    """For each measure, the groups left out of it and why."""
    out = {}
    for measure in DIFFERENCES:
        rates = [_RATE_OF[measure]] if measure in _RATE_OF else ["true_positive_rate", "false_positive_rate"]
        reasons = {}
        for g in names:
            entry = per_group[g]
            if entry["small"]:
                reasons[g] = f"{entry['n']} examples, under the minimum group size {min_group_size}"
            else:
                undefined = [_UNDEFINED[r] for r in rates if entry[r] is None]
                if undefined:
                    reasons[g] = "; ".join(undefined)
        out[measure] = reasons
    return out


def known_groups(groups) -> tuple[np.ndarray, np.ndarray]:
    """Each example's group as a string, and whether it is known (not None, NaN, empty or ``<missing>``)."""
    keep = ~pd.isna(np.asarray(groups, dtype=object))
    g = np.asarray([str(v) for v in groups], dtype=object)
    keep &= ~np.isin(np.char.lower(g.astype(str)), MISSING_GROUP_VALUES)
    return g, keep


def _one_feature(y_true, y_pred, groups, *, y_score, pos_label, min_group_size, n_boot, confidence_level, seed) -> dict:
    g, keep = known_groups(groups)
    n_missing = int((~keep).sum())
    pos_true = np.asarray(y_true == pos_label)
    pos_pred = np.asarray(y_pred == pos_label)
    score = None if y_score is None else np.asarray(y_score, dtype=float)
    names = sorted(set(g[keep]))
    empty = {name: None for name in DIFFERENCES}
    if not names:
        return {"groups": {}, "n_missing": n_missing, "small_groups": [], **empty, "between": dict(empty),
                "intervals": {}, "fairlearn": dict(empty), "excluded_groups": {},
                "bootstrap": {"n_boot": n_boot, "seed": seed, "confidence_level": confidence_level,
                              "method": INTERVAL_METHOD}}
    per_group = {}
    for value in names:
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
        if score is not None:  # the background is every other example, those of unknown group included
            entry.update(identity_aucs(pos_true, score, subgroup=m, pos_label=True))
        per_group[value] = entry

    codes = np.searchsorted(np.asarray(names, dtype=object), g[keep]).astype(np.int64)
    kept_true, kept_pred = pos_true[keep], pos_pred[keep]
    eligible = np.array([not per_group[v]["small"] for v in names])
    rates = _group_rates(codes, len(names), kept_true, kept_pred)
    values, between = _differences(rates, eligible)

    cis = _intervals(codes, len(names), kept_true, kept_pred, between, values, eligible, rates,
                     n_boot=n_boot, confidence_level=confidence_level, seed=seed) if n_boot > 0 else {}
    return {
        "groups": per_group,
        "n_missing": n_missing,
        "small_groups": [k for k, v in per_group.items() if v["small"]],
        **values,
        "between": {k: None if b is None else [names[b[0]], names[b[1]]] for k, b in between.items()},
        "intervals": {k: {"ci_low": cis[k][0], "ci_high": cis[k][1]} if k in cis and values[k] is not None
                      else {"ci_low": None, "ci_high": None} for k in DIFFERENCES},
        "fairlearn": _fairlearn_values(rates),
        "excluded_groups": _excluded(names, per_group, min_group_size),
        "bootstrap": {"n_boot": n_boot, "seed": seed, "confidence_level": confidence_level, "method": INTERVAL_METHOD},
    }


def observed_group_fairness(
    y_true,
    y_pred,
    *,
    sensitive_features,
    y_score=None,
    pos_label=1,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    n_boot: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
) -> dict:
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
        tasks (for more classes the AUCs are one-vs-rest). A group's
        background is every example outside it, those of missing group
        included (as in the Jigsaw benchmark).
    pos_label : scalar, default 1
        The favourable ("selected") label.
    min_group_size : int, default 30
        Groups with fewer examples are flagged ``small`` and left out of the
        differences.
    n_boot : int, default 1000
        Bootstrap resamples for the intervals of the differences; 0 skips them.
    confidence_level : float, default 0.95
    seed : int, default 0

    Returns
    -------
    dict
        For one feature: ``groups`` ({value: {n, small, n_positive,
        selection_rate, true_positive_rate, false_positive_rate, accuracy
        [, subgroup_auc, bpsn_auc, bnsp_auc]}}), ``small_groups``,
        ``n_missing``; the differences ``demographic_parity_difference``
        (max - min selection rate), ``demographic_parity_ratio`` (min / max),
        ``true_positive_rate_difference``, ``false_positive_rate_difference``
        and ``equalized_odds_difference`` (the larger of the two), each over
        the groups of at least ``min_group_size`` examples whose rate is
        defined (None with fewer than two such groups); ``between``
        ({measure: [max group, min group]}), ``intervals`` ({measure:
        {ci_low, ci_high}}, simultaneous over every pair of eligible
        groups), ``excluded_groups`` ({measure: {group:
        reason}}), ``fairlearn`` ({measure: fairlearn's value: every group,
        undefined rates as 0}) and ``bootstrap`` ({n_boot, seed,
        confidence_level, method}). For a mapping: ``{column: that dict}``. Rates and
        AUCs that are undefined for a group are ``None``.

    Examples
    --------
    >>> r = observed_group_fairness([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=["a", "a", "b", "b"], min_group_size=1, n_boot=0)
    >>> r["demographic_parity_difference"], r["equalized_odds_difference"], r["between"]["demographic_parity_difference"]
    (0.5, 1.0, ['a', 'b'])
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length, got {y_true.shape} and {y_pred.shape}")
    if y_score is not None and np.asarray(y_score).shape != y_true.shape:
        raise ValueError(f"y_score must have one score per example ({len(y_true)}), got shape {np.asarray(y_score).shape}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be 0 or more, got {n_boot}")
    options = {"y_score": y_score, "pos_label": pos_label, "min_group_size": min_group_size, "n_boot": n_boot,
               "confidence_level": confidence_level, "seed": seed}
    if isinstance(sensitive_features, (Mapping, pd.DataFrame)):
        return {
            str(name): observed_group_fairness(y_true, y_pred, sensitive_features=values, **options)
            for name, values in sensitive_features.items()
        }
    groups = np.asarray(sensitive_features, dtype=object)
    if groups.shape != y_true.shape:
        raise ValueError(f"sensitive_features must have one value per example ({len(y_true)}), got shape {groups.shape}")
    return _one_feature(y_true, y_pred, groups, **options)
