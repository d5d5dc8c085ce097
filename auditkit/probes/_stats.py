"""Statistics of paired counterfactual scores: gaps, intervals, tests, corrections."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["paired_gap_test", "holm_correction", "flip_rate", "counterfactual_token_fairness_gap"]

_EXACT_TOL = 1e-12  # differences this small are float noise of identical scores
_BOOT_CHUNK = 2_000_000
_MIN_PAIRS_FOR_CONSTANT = 10  # a constant non-zero difference over this many pairs is not chance  # resampled values per chunk, to bound memory on big probe sets


def _bootstrap_mean_ci(diffs: np.ndarray, *, n_boot: int, seed, confidence_level: float) -> tuple[float, float]:
    n = len(diffs)
    if n == 0 or n_boot < 1:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    step = max(1, _BOOT_CHUNK // n)
    for start in range(0, n_boot, step):
        k = min(step, n_boot - start)
        idx = rng.integers(0, n, size=(k, n))
        means[start : start + k] = diffs[idx].mean(axis=1)
    tail = (1.0 - confidence_level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def _ttest_p(diffs: np.ndarray) -> float:
    from scipy import stats

    if len(diffs) < 2 or np.all(np.abs(diffs) < _EXACT_TOL):
        return 1.0
    if np.ptp(diffs) < _EXACT_TOL:  # every pair differs by the same non-zero amount
        # the t statistic is infinite; only trust that with enough pairs, else defer to the sign-rank test
        return 0.0 if len(diffs) >= _MIN_PAIRS_FOR_CONSTANT else _wilcoxon_p(diffs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = stats.ttest_rel(diffs, np.zeros_like(diffs)).pvalue
    return 1.0 if not np.isfinite(p) else float(p)


def _wilcoxon_p(diffs: np.ndarray) -> float:
    from scipy import stats

    if np.all(np.abs(diffs) < _EXACT_TOL):
        return 1.0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = stats.wilcoxon(diffs).pvalue
    except ValueError:
        return 1.0
    return 1.0 if not np.isfinite(p) else float(p)


def paired_gap_test(scores_a, scores_b, *, n_boot: int = 1000, seed=0, confidence_level: float = 0.95) -> dict:
    """Mean paired difference ``a - b`` with a bootstrap interval and two tests.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_pairs,)
        Scores of the two members of each matched pair, in the same order.
    n_boot : int, default 1000
        Bootstrap resamples of the pairs (percentile interval).
    seed : int or sequence of int, default 0
        Seed of the bootstrap.
    confidence_level : float, default 0.95

    Returns
    -------
    dict
        ``gap`` (mean of a - b), ``ci_low``, ``ci_high``, ``p_value`` (paired
        t-test), ``p_value_wilcoxon`` (Wilcoxon signed-rank), ``n_pairs``.
        When every difference is zero both p-values are 1.0.
    """
    a = np.asarray(scores_a, dtype=float)
    b = np.asarray(scores_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"scores_a and scores_b must be 1-D and the same length, got {a.shape} and {b.shape}")
    diffs = a - b
    low, high = _bootstrap_mean_ci(diffs, n_boot=n_boot, seed=seed, confidence_level=confidence_level)
    return {
        "gap": float(diffs.mean()) if len(diffs) else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "p_value": _ttest_p(diffs),
        "p_value_wilcoxon": _wilcoxon_p(diffs),
        "n_pairs": int(len(diffs)),
    }


def holm_correction(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)

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
    adjusted_sorted = np.minimum(np.maximum.accumulate(scaled), 1.0)
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
