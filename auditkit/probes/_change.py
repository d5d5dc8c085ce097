"""The change of a bias gap between two models scored on the same probe set.

Both runs score the same matched sets, so ``D_B - D_A`` is itself a crossed
rows x templates design: its gap is the signed change, tested and given an
interval by the same crossed t statistic as any gap.

Whether the *size* of the gap grew is another question, and the interval of
``|B| - |A|`` is not a valid way to ask it (``|.|`` has a kink at 0, where a
noisier model B looks worse by chance). ``|D_B| > |D_A|`` holds exactly when
``D_B - D_A`` and ``D_B + D_A`` have the same sign, so growth is an
intersection-union test (Berger 1982): it is shown when both crossed t-tests
reject in the same direction. Each of the two directions of growth (B
positive, B negative) is tested at alpha/4, and shrinking likewise, so the
two-sided test of "|gap| changed" has level alpha and "grew" alone alpha/2,
whatever the noise of either model.

References
----------
Berger, R. L. (1982). Multiparameter hypothesis testing and acceptance
sampling. Technometrics 24(4).
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from auditkit.probes._crossed import CrossedEstimate, crossed_estimate
from auditkit.probes._designs import attribute_components, paired_frame
from auditkit.probes._verdict import MIN_ROWS

__all__ = ["gap_change", "abs_change_test"]

METHOD = ("crossed t-test of B - A on the shared probe sentences; |gap| change: intersection-union test of the "
          "crossed t-tests of B - A and B + A (each direction of growth or shrinkage at alpha/4)")
GREW, SHRANK = "grew", "shrank"


def _matched(table_a: pd.DataFrame, table_b: pd.DataFrame, attribute: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both runs' rows of ``attribute`` restricted to the matched sets whose sentences are identical."""
    keys = ["instance_id", "group", "text"]
    a = table_a[table_a["attribute"] == attribute]
    b = table_b[table_b["attribute"] == attribute]
    both = a[keys].merge(b[keys], on=keys)
    n_groups = max(a["group"].nunique(), 1)
    complete = both.groupby("instance_id").size()
    ids = set(complete[complete == n_groups].index)
    a = a[a["instance_id"].isin(ids)].sort_values(keys, kind="stable").reset_index(drop=True)
    b = b[b["instance_id"].isin(ids)].sort_values(keys, kind="stable").reset_index(drop=True)
    return a, b


def _one_sided(est: CrossedEstimate) -> tuple[float, float] | None:
    """(P(T >= t), P(T <= t)) of the estimate's t statistic; None when untestable."""
    if est.se is None:
        return None
    if est.se <= 1e-12:
        return (0.0, 1.0) if est.gap > 0 else (1.0, 0.0) if est.gap < 0 else (1.0, 1.0)
    t = est.gap / est.se
    return float(stats.t.sf(t, est.df)), float(stats.t.cdf(t, est.df))


def abs_change_test(difference: CrossedEstimate, total: CrossedEstimate) -> tuple[float | None, str | None]:
    """Two-sided test that ``|gap_B|`` differs from ``|gap_A|``, from the estimates of B - A and B + A.

    Returns
    -------
    (p_value, direction)
        ``direction`` is ``"grew"`` or ``"shrank"``: the region of the
        smallest p-value. Growth is ``B - A`` and ``B + A`` of one sign,
        shrinkage of opposite signs; each of the four regions is an
        intersection-union test (the larger of its two one-sided p-values),
        Bonferroni-combined, so "grew" at ``p < alpha`` has size at most
        ``alpha / 2``. ``(None, None)`` when either is untestable.
    """
    d, s = _one_sided(difference), _one_sided(total)
    if d is None or s is None:
        return None, None
    (d_up, d_down), (s_up, s_down) = d, s
    regions = {GREW: min(max(d_up, s_up), max(d_down, s_down)), SHRANK: min(max(d_down, s_up), max(d_up, s_down))}
    direction = min(regions, key=regions.get)
    return float(min(1.0, 4 * regions[direction])), direction


def gap_change(table_a: pd.DataFrame, table_b: pd.DataFrame, *, attribute: str, groups: tuple[str, str],
               column: str = "score", confidence_level: float = 0.95) -> dict | None:
    """Change B - A of an attribute's gap, and the test of its absolute value, on the sentences both runs scored.

    Only matched sets whose sentences are identical in both runs count; each
    family weighs equally, as in the runs' own gaps (families with fewer than
    ``MIN_ROWS`` rows are left out, as there).

    Parameters
    ----------
    table_a, table_b : DataFrame
        The two runs' probe tables (``probes.parquet``).
    attribute : str
    groups : (str, str)
        The gap's groups (first minus second).
    column : str, default "score"
        The score compared: ``score``, or ``prob_<class>`` for one class of a
        run that stores every class.
    confidence_level : float, default 0.95
        Of the interval of the signed change.

    Returns
    -------
    dict or None
        ``n_matched`` (matched sets), ``families``, ``gap_a``, ``gap_b``;
        ``diff`` (signed change B - A) with its t interval
        ``diff_ci_low``/``diff_ci_high`` and ``diff_p_value`` (crossed
        t-test of no change); ``abs_diff`` (``|gap_b| - |gap_a|``) with
        ``abs_diff_p_value`` and ``abs_diff_direction`` (see
        :func:`abs_change_test`); ``method``. None when no family of the
        attribute is shared.
    """
    a, b = _matched(table_a, table_b, attribute)
    if a.empty:
        return None
    pa, pb = paired_frame(a, *groups, column=column), paired_frame(b, *groups, column=column)
    if pa.empty or not pa["instance_id"].equals(pb["instance_id"]):
        return None
    n_rows = pa.groupby("family", sort=False)["row"].nunique()
    families = [f for f, n in n_rows.items() if n >= MIN_ROWS] or list(n_rows.index)

    def combined(sign: float) -> CrossedEstimate:
        frame = pa.assign(a=pb["a"].to_numpy() + sign * pa["a"].to_numpy(), b=pb["b"].to_numpy() + sign * pa["b"].to_numpy())
        return crossed_estimate(attribute_components(frame, families=families))

    ca = attribute_components(pa, families=families)
    if not ca:
        return None
    ga, gb = crossed_estimate(ca).gap, crossed_estimate(attribute_components(pb, families=families)).gap
    difference, total = combined(-1.0), combined(+1.0)
    lo, hi = difference.t_interval(confidence_level)
    p_abs, direction = abs_change_test(difference, total)
    return {
        "n_matched": int(len(pa)),
        "families": families,
        "gap_a": ga,
        "gap_b": gb,
        "diff": gb - ga,
        "diff_ci_low": lo,
        "diff_ci_high": hi,
        "diff_p_value": difference.t_test(),
        "abs_diff": abs(gb) - abs(ga),
        "abs_diff_p_value": p_abs,
        "abs_diff_direction": direction,
        "confidence_level": confidence_level,
        "method": METHOD,
    }
