"""The change of a bias gap between two models scored on the same probe set."""

from __future__ import annotations

import pandas as pd

from auditkit.probes._crossed import crossed_bootstrap, crossed_estimate, percentile_interval
from auditkit.probes._designs import attribute_components, paired_frame
from auditkit.probes._verdict import MIN_ROWS

__all__ = ["gap_change"]

METHOD = "crossed pigeonhole bootstrap with shared row and template draws for both runs"


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


def gap_change(table_a: pd.DataFrame, table_b: pd.DataFrame, *, attribute: str, groups: tuple[str, str],
               n_boot: int = 2000, seed=0, confidence_level: float = 0.95) -> dict | None:
    """Change B - A of an attribute's gap, and of its absolute value, with paired intervals.

    Only matched sets whose sentences are identical in both runs count; each
    family weighs equally, as in the runs' own gaps (families with fewer than
    ``MIN_ROWS`` rows are left out, as there). Rows, templates and texts are
    resampled once per replicate and the draw is shared by both runs, so
    the interval is that of a paired comparison.

    Parameters
    ----------
    table_a, table_b : DataFrame
        The two runs' probe tables (``probes.parquet``).
    attribute : str
    groups : (str, str)
        The gap's groups (first minus second).
    n_boot, seed, confidence_level

    Returns
    -------
    dict or None
        ``n_matched`` (matched sets), ``diff`` (signed change) with
        ``diff_ci_low``/``diff_ci_high`` and ``diff_p_value`` (crossed t-test
        of no change), ``abs_diff`` (change of |gap|) with its interval, and
        ``method``; None when no family of the attribute is shared.
    """
    a, b = _matched(table_a, table_b, attribute)
    if a.empty:
        return None
    pa, pb = paired_frame(a, *groups), paired_frame(b, *groups)
    if pa.empty or not pa["instance_id"].equals(pb["instance_id"]):
        return None
    n_rows = pa.groupby("family", sort=False)["row"].nunique()
    families = [f for f, n in n_rows.items() if n >= MIN_ROWS] or list(n_rows.index)
    ca = attribute_components(pa, families=families)
    cb = attribute_components(pb, families=families)
    if not ca:
        return None
    reps = crossed_bootstrap([ca, cb], n_boot=n_boot, seed=seed)
    ga, gb = crossed_estimate(ca).gap, crossed_estimate(cb).gap
    lo, hi = percentile_interval(reps[1] - reps[0], confidence_level)
    alo, ahi = percentile_interval(abs(reps[1]) - abs(reps[0]), confidence_level)
    delta = pa.assign(a=pb["a"].to_numpy() - pa["a"].to_numpy(), b=pb["b"].to_numpy() - pa["b"].to_numpy())
    change = crossed_estimate(attribute_components(delta, families=families))
    return {
        "n_matched": int(len(pa)),
        "families": families,
        "gap_a": ga,
        "gap_b": gb,
        "diff": gb - ga,
        "diff_ci_low": lo,
        "diff_ci_high": hi,
        "diff_p_value": change.t_test(),
        "abs_diff": abs(gb) - abs(ga),
        "abs_diff_ci_low": alo,
        "abs_diff_ci_high": ahi,
        "confidence_level": confidence_level,
        "method": METHOD,
    }
