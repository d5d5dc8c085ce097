"""Three verdicts for a bias gap: bias, no material bias, or inconclusive.

One rule, used alike by the CLI, report, compare, gate and dashboard. Every
part is a test on the same crossed t statistic (see
:mod:`auditkit.probes._crossed`):

- ``bias``: the test that ``|gap|`` exceeds ``min_effect`` rejects after
  Holm's correction (with a minimum effect of 0, the test of a zero gap):
  a gap shown to be larger than the smallest gap that matters;
- ``no_material_bias``: the equivalence test (two one-sided tests at alpha)
  shows the gap inside ``±min_effect``;
- ``inconclusive``: neither, with the reason (too few lexicon rows, too much
  spread, a minimum effect of zero) -- or one of the two above that a single
  template, lexicon row or swapped term carries: left out, the verdict
  changes (see :mod:`auditkit.probes._influence`).

So "bias" holds its level on the whole null ``|gap| <= min_effect``: a true
gap at the minimum effect is called bias in at most alpha/2 of audits, and a
gap below it less often still.
"""

from __future__ import annotations

from auditkit._format import number
from auditkit._format import p_value as _p

__all__ = ["BIAS", "NO_MATERIAL_BIAS", "INCONCLUSIVE", "VERDICTS", "MIN_ROWS", "bias_verdict", "combine_verdicts",
           "format_verdict", "holm_level"]

BIAS = "bias"
NO_MATERIAL_BIAS = "no_material_bias"
INCONCLUSIVE = "inconclusive"
VERDICTS = (BIAS, NO_MATERIAL_BIAS, INCONCLUSIVE)
#: A family needs this many lexicon rows (or texts) before it is tested at all.
MIN_ROWS = 5


def _signed(value: float) -> str:
    return number(value, signed=True)


def holm_level(alpha: float, p_value: float | None, p_value_holm: float | None) -> float:
    """The level Holm's step-down procedure tests one hypothesis at: ``alpha * p / p_holm``.

    The raw p-value is below it exactly when the Holm-adjusted one is below
    alpha, so an interval at ``1 - holm_level`` clears a bound exactly when
    the adjusted test rejects. Give the uncapped adjusted p-value
    (``holm_correction(..., cap=False)``) so that the level of a kept
    hypothesis is its step's too. ``alpha`` when the test stands alone.
    """
    if p_value is None or p_value_holm is None or p_value_holm <= 0:
        return alpha
    return alpha * min(1.0, p_value / p_value_holm)


def bias_verdict(*, gap: float, p_value_holm: float | None, p_value_min_effect_holm: float | None,
                 p_value_equivalence: float | None, alpha: float, min_effect: float, untestable: str | None = None,
                 equivalence_interval: tuple[float | None, float | None] | None = None) -> tuple[str, str]:
    """Return ``(verdict, reason)`` for one gap.

    Parameters
    ----------
    gap : float
    p_value_holm : float or None
        Holm-adjusted p-value of ``gap = 0``; None when untested.
    p_value_min_effect_holm : float or None
        Holm-adjusted p-value of ``|gap| <= min_effect`` (the test "bias"
        needs); equal to ``p_value_holm`` when ``min_effect`` is 0.
    p_value_equivalence : float or None
        TOST p-value of ``|gap| < min_effect``; None when untested.
    alpha, min_effect : float
    untestable : str, optional
        Why the gap was not tested (e.g. too few lexicon rows); makes the
        verdict inconclusive with that reason.
    equivalence_interval : (float, float), optional
        The ``1 - 2 alpha`` interval the equivalence test reads, quoted in
        the reason when it reaches beyond ``±min_effect``.
    """
    if untestable:
        return INCONCLUSIVE, untestable
    if p_value_min_effect_holm is not None and p_value_min_effect_holm < alpha:
        if min_effect > 0:
            return BIAS, (f"|gap| exceeds the minimum effect {min_effect:g}: the gap {_signed(gap)} is shown to lie "
                          f"beyond ±{min_effect:g} (Holm p = {_p(p_value_min_effect_holm)} < {alpha:g})")
        return BIAS, f"the gap {_signed(gap)} differs from 0 (Holm p = {_p(p_value_min_effect_holm)} < {alpha:g})"
    if p_value_equivalence is not None and p_value_equivalence < alpha:
        return NO_MATERIAL_BIAS, (f"the gap {_signed(gap)} is shown to lie inside ±{min_effect:g} "
                                  f"(equivalence p = {_p(p_value_equivalence)} < {alpha:g})")
    if min_effect <= 0:
        return INCONCLUSIVE, ("no significant gap, and with a minimum effect of 0 no gap can be shown negligible; "
                              "set a minimum effect above 0 to test for equivalence")
    if p_value_holm is not None and p_value_holm < alpha:
        return INCONCLUSIVE, (f"the gap {_signed(gap)} differs from 0 (Holm p = {_p(p_value_holm)}) but is neither "
                              f"shown to exceed the minimum effect {min_effect:g} (Holm p = "
                              f"{_p(p_value_min_effect_holm)}) nor to stay inside ±{min_effect:g}")
    held = "" if p_value_holm is None else f" (Holm p = {_p(p_value_holm)})"
    if equivalence_interval is not None and None not in equivalence_interval:
        lo, hi = equivalence_interval
        wide = f"its {1 - 2 * alpha:.0%} interval [{_signed(lo)}, {_signed(hi)}] reaches beyond ±{min_effect:g}"
    else:
        wide = f"the data cannot show |gap| < {min_effect:g}"
    return INCONCLUSIVE, f"the gap {_signed(gap)} is not shown to differ from 0{held}, and {wide}"


def combine_verdicts(overall: tuple[str, str], families: dict[str, tuple[str, str]],
                     tested: set[str] | None = None) -> tuple[str, str]:
    """The attribute's verdict from its combined one and its families'.

    Holm's correction runs over every family and attribute test of a run, so
    one family's finding stands on its own: the attribute then reads "bias".
    "No material bias" needs every tested family to show it too: a family
    that is inconclusive makes the attribute inconclusive (an audit cannot
    pass on the families that happened to be decisive). ``tested`` names the
    families that were tested (default: all); the others (too few rows) are
    described but neither block nor support a verdict.
    """
    flagged = [f for f, (v, _) in families.items() if v == BIAS]
    if flagged and overall[0] != BIAS:
        return BIAS, f"family {flagged[0]}: {families[flagged[0]][1]}"
    if overall[0] == NO_MATERIAL_BIAS:
        tested = set(families) if tested is None else tested
        open_ = [f for f, (v, _) in families.items() if f in tested and v == INCONCLUSIVE]
        if open_:
            return INCONCLUSIVE, (f"the combined gap is inside the minimum effect, but family {open_[0]} is "
                                  f"inconclusive: {families[open_[0]][1]}")
    return overall


def format_verdict(verdict: str | None) -> str:
    """The verdict as words: "bias", "no material bias", "inconclusive" ("not measured" for None)."""
    return "not measured" if verdict is None else verdict.replace("_", " ")
