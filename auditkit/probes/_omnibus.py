"""One test of an attribute with three or more groups: the largest pairwise |t|, with simultaneous intervals.

Every pair ``(a, b)`` of groups has its crossed gap and standard error
(:mod:`auditkit.probes._gap`). The pair gaps are differences of group means
measured on the same matched sets, so they are correlated, and their whole
covariance follows from the pair variances alone: with ``V(x, y)`` the
variance of the ``x - y`` gap,

    Cov(a - b, c - d) = (V(a, d) + V(b, c) - V(a, c) - V(b, d)) / 2.

Under "no pair differs" the pair t statistics are jointly a multivariate t
with that correlation (on the smallest pair df). The omnibus statistic is
``max |t|``; its p-value, and the critical value that makes every pair's
interval ``gap ± c se`` hold simultaneously, come from draws of that
distribution (a fixed seed: a run is reproducible). The minimum-effect form
reads ``max (|gap| - min_effect) / se`` against the same distribution, so
the verdict rule is the one every gap has: "bias" when some pair is shown
beyond ±min_effect (Holm-corrected with every other test of the run), "no
material bias" when every pair's simultaneous ``1 - 2 alpha`` interval lies
inside ±min_effect, else inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

__all__ = ["Omnibus", "max_t_omnibus"]

#: Draws of the max-|t| null distribution (its p-values resolve 1e-5).
N_DRAWS = 100_000


@dataclass(frozen=True)
class Omnibus:
    """The max-|t| test over every pair of an attribute's groups."""

    pairs: tuple[tuple[str, str], ...]
    t_max: float
    df: float
    p_value: float
    p_value_min_effect: float
    critical: float  # simultaneous at 1 - alpha
    critical_tost: float  # simultaneous at 1 - 2 alpha
    intervals: dict  # "a-b" -> (low, high), simultaneous at 1 - alpha
    inside_min_effect: bool  # every pair's simultaneous 1 - 2 alpha interval inside ±min_effect
    largest: str  # the pair with the largest |t|

    def as_dict(self) -> dict:
        return {
            "statistic": "max |t| over every pair of groups", "t_max": self.t_max, "df": self.df,
            "p_value": self.p_value, "p_value_min_effect": self.p_value_min_effect,
            "critical_value": self.critical, "largest_pair": self.largest,
            "simultaneous_intervals": {k: list(v) for k, v in self.intervals.items()},
            "n_pairs": len(self.pairs),
        }


def _pair_correlation(pairs, variance) -> np.ndarray:
    def v(x, y):
        return 0.0 if x == y else variance[frozenset((x, y))]
    k = len(pairs)
    cov = np.empty((k, k))
    for i, (a, b) in enumerate(pairs):
        for j, (c, d) in enumerate(pairs):
            cov[i, j] = (v(a, d) + v(b, c) - v(a, c) - v(b, d)) / 2
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    w, q = np.linalg.eigh((corr + corr.T) / 2)  # estimated pair variances need not be exactly consistent
    corr = (q * np.clip(w, 0, None)) @ q.T
    d = np.sqrt(np.clip(np.diag(corr), 1e-12, None))
    return corr / np.outer(d, d)


def max_t_omnibus(estimates: dict, groups, *, alpha: float, min_effect: float, seed=0) -> Omnibus | None:
    """The omnibus test of ``estimates`` (``(a, b) -> GapEstimate`` for every pair of ``groups``).

    None when there are fewer than three groups, or a pair is untested
    (no se), or every se is zero. ``seed`` seeds the null draws (anything
    ``numpy.random.default_rng`` takes).
    """
    groups = list(groups)
    if len(groups) < 3:
        return None
    pairs, gaps, ses, dfs = [], [], [], []
    if {frozenset(p) for p in estimates} != {frozenset(p) for p in combinations(groups, 2)}:
        return None
    for (a, b), est in estimates.items():  # each pair as the caller oriented it
        if est is None or est.se is None or est.df is None or not est.se > 0:
            return None
        pairs.append((a, b))
        gaps.append(est.gap)
        ses.append(est.se)
        dfs.append(est.df)
    gaps, ses = np.array(gaps), np.array(ses)
    variance = {frozenset(p): s ** 2 for p, s in zip(pairs, ses)}
    corr = _pair_correlation(pairs, variance)
    w, q = np.linalg.eigh(corr)
    root = q * np.sqrt(np.clip(w, 0, None))
    df = float(min(dfs))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((N_DRAWS, len(pairs))) @ root.T
    t = z / np.sqrt(rng.chisquare(df, N_DRAWS) / df)[:, None]
    null_max = np.sort(np.abs(t).max(axis=1))

    def p_of(stat: float) -> float:
        exceed = N_DRAWS - np.searchsorted(null_max, stat, side="left")
        return float((exceed + 1) / (N_DRAWS + 1))

    t_abs = np.abs(gaps) / ses
    crit = float(np.quantile(null_max, 1 - alpha))
    crit_tost = float(np.quantile(null_max, 1 - 2 * alpha))
    intervals = {f"{a}-{b}": (float(g - crit * s), float(g + crit * s)) for (a, b), g, s in zip(pairs, gaps, ses)}
    inside = bool(min_effect > 0 and np.all(np.abs(gaps) + crit_tost * ses < min_effect))
    top = int(np.argmax(t_abs))
    return Omnibus(
        pairs=tuple(pairs), t_max=float(t_abs[top]), df=df, p_value=p_of(float(t_abs[top])),
        p_value_min_effect=p_of(float(np.max((np.abs(gaps) - min_effect) / ses))),
        critical=crit, critical_tost=crit_tost, intervals=intervals, inside_min_effect=inside,
        largest=f"{pairs[top][0]}-{pairs[top][1]}",
    )
