"""What an audit could have seen: the minimum detectable gap of a crossed test.

A scope's gap is tested with one t statistic ``(gap - h) / se`` on ``df``
degrees of freedom (:mod:`auditkit.probes._crossed`). Its minimum detectable
gap (MDE) is the true ``|gap|`` that the test rejects with probability
``power`` (80 %) at Holm's strictest level for the run's ``n_tests`` tests,
``alpha / n_tests`` (the level its smallest p-value must clear; a gap tested
later in Holm's order faces a laxer one, so this bound is conservative).
With the standard error taken as the scope's own, the statistic of a true gap
``delta`` is noncentral t with noncentrality ``(delta - margin) / se``; the
MDE solves ``P(T'(df, ncp) > t(df, 1 - alpha / (2 n_tests))) = power``.

``margin`` 0 gives the smallest gap told apart from zero (``mde``);
``margin = min_effect`` the smallest gap that gets a "bias" verdict 80 % of
the time (``mde_bias``: the verdict needs ``|gap| > min_effect`` shown).
"""

from __future__ import annotations

from scipy import optimize, stats

__all__ = ["POWER", "minimum_detectable_gap"]

#: The power at which a gap counts as detectable.
POWER = 0.8


def minimum_detectable_gap(se: float | None, df: float | None, *, alpha: float, n_tests: int = 1,
                           power: float = POWER, margin: float = 0.0) -> float | None:
    """The true |gap| a crossed test of standard error ``se`` finds with probability ``power``.

    Parameters
    ----------
    se, df : float or None
        The scope's crossed standard error and Satterthwaite degrees of
        freedom (None when untestable: returns None).
    alpha : float
        Two-sided level before correction.
    n_tests : int
        Tests in the run's Holm family (the level is ``alpha / n_tests``).
    power : float
    margin : float
        The test's null bound on |gap| (0: a zero gap; ``min_effect``: the
        bias verdict's test).

    Examples
    --------
    >>> round(minimum_detectable_gap(0.005, 1e6, alpha=0.05), 4)  # (1.96 + 0.84) x se
    0.014
    """
    if se is None or df is None or not df > 0:
        return None
    if se <= 0:
        return float(margin)
    critical = float(stats.t.ppf(1 - alpha / (2 * max(int(n_tests), 1)), df))

    def shortfall(ncp: float) -> float:
        return float(stats.nct.sf(critical, df, ncp)) - power

    hi = critical + 10.0
    while shortfall(hi) < 0:  # very few df: the noncentral t is wide
        hi *= 2
    ncp = optimize.brentq(shortfall, 0.0, hi, xtol=1e-6)
    return float(margin + ncp * se)
