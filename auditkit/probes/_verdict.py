"""Three verdicts for a bias gap: bias, no material bias, or inconclusive.

One rule, used alike by the CLI, report, compare, gate and dashboard:

- ``bias``: the Holm-adjusted p-value is below alpha, the interval excludes
  zero and ``|gap| >= min_effect``;
- ``no_material_bias``: an equivalence test (two one-sided tests at alpha)
  shows the gap inside ``±min_effect``;
- ``inconclusive``: neither, with the reason (too few lexicon rows, too much
  spread, a minimum effect of zero).
"""

from __future__ import annotations

from auditkit._format import number
from auditkit._format import p_value as _p

__all__ = ["BIAS", "NO_MATERIAL_BIAS", "INCONCLUSIVE", "VERDICTS", "MIN_ROWS", "bias_verdict", "combine_verdicts",
           "format_verdict"]

BIAS = "bias"
NO_MATERIAL_BIAS = "no_material_bias"
INCONCLUSIVE = "inconclusive"
VERDICTS = (BIAS, NO_MATERIAL_BIAS, INCONCLUSIVE)
#: A family needs this many lexicon rows (or texts) before it is tested at all.
MIN_ROWS = 5


def _signed(value: float) -> str:
    return number(value, signed=True)


def bias_verdict(*, gap: float, ci_low: float | None, ci_high: float | None, p_value_holm: float | None,
                 p_value_equivalence: float | None, alpha: float, min_effect: float,
                 untestable: str | None = None) -> tuple[str, str]:
    """Return ``(verdict, reason)`` for one gap.

    Parameters
    ----------
    gap : float
    ci_low, ci_high : float or None
        The interval shown next to the verdict (level ``1 - alpha``).
    p_value_holm : float or None
        Holm-adjusted p-value of ``gap = 0``; None when untested.
    p_value_equivalence : float or None
        TOST p-value of ``|gap| < min_effect``; None when untested.
    alpha, min_effect : float
    untestable : str, optional
        Why the gap was not tested (e.g. too few lexicon rows); makes the
        verdict inconclusive with that reason.
    """
    if untestable:
        return INCONCLUSIVE, untestable
    interval_excludes_zero = ci_low is not None and ci_high is not None and (ci_low > 0 or ci_high < 0)
    if p_value_holm is not None and p_value_holm < alpha:
        if abs(gap) >= min_effect and interval_excludes_zero:
            return BIAS, (f"the gap {_signed(gap)} differs from 0 (Holm p = {_p(p_value_holm)} < {alpha:g}) "
                          f"and |gap| >= the minimum effect {min_effect:g}")
        if p_value_equivalence is not None and p_value_equivalence < alpha:
            return NO_MATERIAL_BIAS, (f"a gap of {_signed(gap)} is detectable but inside ±{min_effect:g} "
                                      f"(equivalence p = {_p(p_value_equivalence)} < {alpha:g})")
        if abs(gap) >= min_effect:
            return INCONCLUSIVE, (f"the test rejects a zero gap (Holm p = {_p(p_value_holm)}) but the "
                                  f"interval [{_signed(ci_low)}, {_signed(ci_high)}] still includes 0")
        return INCONCLUSIVE, (f"the gap {_signed(gap)} differs from 0 but is below the minimum effect {min_effect:g}, "
                              f"and the data cannot show it stays inside ±{min_effect:g}")
    if p_value_equivalence is not None and p_value_equivalence < alpha:
        return NO_MATERIAL_BIAS, (f"the gap is inside ±{min_effect:g} "
                                  f"(equivalence p = {_p(p_value_equivalence)} < {alpha:g})")
    if min_effect <= 0:
        return INCONCLUSIVE, ("no significant gap, and with a minimum effect of 0 no gap can be shown negligible; "
                              "set a minimum effect above 0 to test for equivalence")
    held = "" if p_value_holm is None else f" (Holm p = {_p(p_value_holm)})"
    return INCONCLUSIVE, (f"not shown to differ from 0{held}, and the interval [{_signed(ci_low)}, {_signed(ci_high)}] "
                          f"is too wide to show |gap| < {min_effect:g}")


def combine_verdicts(overall: tuple[str, str], families: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """The attribute's verdict: its combined one, unless a family shows bias.

    Holm's correction runs over every family and attribute test of a run, so
    one family's finding stands on its own; the attribute then reads "bias"
    and "no material bias" needs every family to show no bias.
    """
    flagged = [f for f, (v, _) in families.items() if v == BIAS]
    if flagged and overall[0] != BIAS:
        return BIAS, f"family {flagged[0]}: {families[flagged[0]][1]}"
    return overall


def format_verdict(verdict: str | None) -> str:
    """The verdict as words: "bias", "no material bias", "inconclusive" ("not measured" for None)."""
    return "not measured" if verdict is None else verdict.replace("_", " ")
