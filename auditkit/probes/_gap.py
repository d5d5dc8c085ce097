"""One tested comparison of two groups over one scope of a probe set: estimate, tests, verdict.

:func:`estimate_gap` turns a scope's matched sets into a crossed design and
computes the gap with every interval and test of the same t statistic
(:mod:`auditkit.probes._crossed`); :func:`judge_gap` gives it its verdict
(:mod:`auditkit.probes._verdict`) once the run-wide Holm correction is
known, and checks that no single template, row or swapped term carries it
(:mod:`auditkit.probes._influence`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from auditkit.probes._crossed import (
    CrossedEstimate,
    LeftOut,
    TemplateComponent,
    TextComponent,
    crossed_bootstrap,
    crossed_estimate,
    equivalence_p_value,
    leave_one_out,
)
from auditkit.probes._designs import attribute_components
from auditkit.probes._influence import fragile_reason, influence_record
from auditkit.probes._verdict import BIAS, INCONCLUSIVE, MIN_ROWS, NO_MATERIAL_BIAS, bias_verdict, holm_level

__all__ = ["CI_KIND", "GapEstimate", "estimate_components", "estimate_gap", "judge_gap"]

#: What ci_low / ci_high of a new run are (schema 2 runs stored "pigeonhole_percentile").
CI_KIND = "crossed_t"


def _json_float(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


@dataclass(frozen=True)
class GapEstimate:
    """One tested comparison ``mean(a) - mean(b)`` over one scope of a probe set.

    Every interval and p-value is the same crossed t statistic: ``ci_low`` /
    ``ci_high`` its interval at the requested level, ``tost_low`` /
    ``tost_high`` the ``1 - 2 alpha`` interval the equivalence test reads,
    ``p_value`` the test of a zero gap, ``p_value_min_effect`` the test that
    ``|gap|`` exceeds the minimum effect. ``se_bootstrap`` is the pigeonhole
    bootstrap's spread of the same gap (a check on ``se``; None without
    resamples). ``estimate`` keeps the crossed estimate for intervals at
    other levels, ``left_out`` the estimates with one unit left out (only
    when influence was asked for).
    """

    groups: tuple[str, str]
    gap: float
    ci_low: float | None
    ci_high: float | None
    tost_low: float | None
    tost_high: float | None
    se: float | None
    df: float | None
    p_value: float | None
    p_value_min_effect: float | None
    p_value_equivalence: float | None
    se_bootstrap: float | None
    n_rows: int
    n_templates: int
    n_pairs: int
    untestable: str | None = None
    estimate: CrossedEstimate | None = field(default=None, repr=False)
    left_out: tuple[LeftOut, ...] = field(default=(), repr=False)

    def reversed(self) -> "GapEstimate":
        """The same comparison read the other way round (b - a): same tests, mirrored intervals."""
        def neg(x):
            return None if x is None else -x
        flip = (lambda e: replace(e, gap=-e.gap))
        return replace(self, groups=self.groups[::-1], gap=-self.gap, ci_low=neg(self.ci_high), ci_high=neg(self.ci_low),
                       tost_low=neg(self.tost_high), tost_high=neg(self.tost_low),
                       estimate=None if self.estimate is None else flip(self.estimate),
                       left_out=tuple(replace(lo, estimate=flip(lo.estimate)) for lo in self.left_out))

    def as_dict(self) -> dict:
        keys = ("gap", "ci_low", "ci_high", "tost_low", "tost_high", "se", "df", "p_value", "p_value_min_effect",
                "p_value_equivalence", "se_bootstrap")
        return {**{k: _json_float(getattr(self, k)) for k in keys},
                "n_rows": self.n_rows, "n_templates": self.n_templates, "n_pairs": self.n_pairs}


def _untestable(comps, est) -> str | None:
    """Why a design gets no p-value, or None."""
    def unit(c):
        if isinstance(c, TemplateComponent):
            return "lexicon rows"
        return "swapped terms" if c.clusters is not None else "texts"
    thin = [c for c in comps if c.n_rows < MIN_ROWS]
    if thin:
        return f"too few terms to test ({thin[0].n_rows} {unit(thin[0])}; at least {MIN_ROWS} needed)"
    if est.se is None:
        return "too few texts per stratum to estimate the spread"
    return None


def _n_templates(comps) -> int:
    return max((c.matrix.shape[1] for c in comps if isinstance(c, TemplateComponent)), default=0)


def estimate_gap(pairs: pd.DataFrame, groups: tuple[str, str], *, families=None, scale: str = "probability",
                 valence: str | None = None, n_boot: int = 2000, seed=0, confidence_level: float = 0.95,
                 min_effect: float = 0.0, influence: bool = False) -> GapEstimate | None:
    """Crossed estimate, t interval and tests of one comparison.

    Parameters
    ----------
    pairs : DataFrame
        :func:`~auditkit.probes._designs.paired_frame` rows of the scope.
    groups : (str, str)
    families : sequence of str, optional
        Families to combine (equal weights); default: all in ``pairs``.
    scale, valence
        See :func:`~auditkit.probes._designs.family_component`.
    n_boot, seed
        Pigeonhole-bootstrap resamples of ``se_bootstrap`` (0: none).
    confidence_level : float
        Of ``ci_low`` / ``ci_high``; the equivalence interval is at
        ``2 confidence_level - 1`` (``1 - 2 alpha`` for ``1 - alpha``).
    min_effect : float
        Margin of the minimum-effect and equivalence tests (none when 0).
    influence : bool
        Also keep the estimates with each template, row and swapped term
        left out (``left_out``).
    """
    comps = attribute_components(pairs, families=families, scale=scale, valence=valence)
    if not comps:
        return None
    n_pairs = int(len(pairs) if families is None else pairs["family"].isin(families).sum())
    return estimate_components(comps, groups, n_pairs=n_pairs, n_boot=n_boot, seed=seed,
                               confidence_level=confidence_level, min_effect=min_effect, influence=influence)


def estimate_components(comps: Sequence[TemplateComponent | TextComponent], groups: tuple[str, str], *, n_pairs: int = 0,
                        n_boot: int = 0, seed=0, confidence_level: float = 0.95, min_effect: float = 0.0,
                        influence: bool = False) -> GapEstimate:
    """:func:`estimate_gap` of a design already built (the components of one scope); options as there."""
    est = crossed_estimate(comps)
    why = _untestable(comps, est)
    if why:  # described, not tested: no interval without a test
        numbers = dict(ci_low=None, ci_high=None, tost_low=None, tost_high=None, se=None, df=None, p_value=None,
                       p_value_min_effect=None, p_value_equivalence=None, se_bootstrap=None)
    else:
        (low, high), (tost_low, tost_high) = est.t_interval(confidence_level), est.t_interval(2 * confidence_level - 1)
        boot = crossed_bootstrap([comps], n_boot=n_boot, seed=seed)[0] if n_boot > 1 else None
        numbers = dict(ci_low=low, ci_high=high, tost_low=tost_low, tost_high=tost_high, se=est.se, df=est.df,
                       p_value=est.t_test(), p_value_min_effect=est.min_effect_p_value(min_effect),
                       p_value_equivalence=equivalence_p_value(est, min_effect),
                       se_bootstrap=None if boot is None else float(np.std(boot, ddof=1)))
    return GapEstimate(
        groups=tuple(groups), gap=est.gap, **numbers,
        n_rows=sum(c.n_rows for c in comps), n_templates=_n_templates(comps), n_pairs=n_pairs,
        untestable=why, estimate=None if why else est, left_out=tuple(leave_one_out(comps)) if influence else (),
    )


def _decider(full: CrossedEstimate | None, level: float, *, alpha: float,
             min_effect: float) -> Callable[[CrossedEstimate], str]:
    """The verdict a left-out gap gets at the levels, standard error and df the full one was judged with.

    Keeping the full design's precision asks whether the unit *carries* the verdict -- whether its
    removal moves the gap across the decision boundary -- not whether one unit fewer of data, by
    itself, loses significance (which any verdict near its boundary would).
    """
    def decide(est: CrossedEstimate) -> str:
        if full is None or full.se is None:
            return INCONCLUSIVE
        held = replace(full, gap=est.gap)
        if held.min_effect_p_value(min_effect) < level:
            return BIAS
        q = equivalence_p_value(held, min_effect)
        return NO_MATERIAL_BIAS if q is not None and q < alpha else INCONCLUSIVE
    return decide


def _as_named(lo: LeftOut) -> tuple[str, str | None]:
    return lo.key, lo.component


def judge_gap(est: GapEstimate, *, alpha: float, min_effect: float, p_value_holm: float | None = None,
              p_value_min_effect_holm: float | None = None, holm_step: float | None = None,
              describe: Callable[[LeftOut], tuple[str, str | None]] = _as_named) -> dict:
    """The verdict fields of one comparison: adjusted p-values, Holm interval, verdict, reason, influence.

    Parameters
    ----------
    est : GapEstimate
    alpha, min_effect : float
    p_value_holm, p_value_min_effect_holm : float, optional
        The comparison's p-values after the run's Holm correction; default:
        its own (a comparison tested alone).
    holm_step : float, optional
        The minimum-effect p-value's Holm adjustment before it is capped at 1
        (:func:`~auditkit.probes.holm_correction` with ``cap=False``): the
        Holm interval is at the level Holm tested the gap at
        (:func:`~auditkit.probes._verdict.holm_level`). Default: the capped one.
    describe : callable, optional
        A left-out unit -> ``(its text, its family)`` for the influence
        record; default: its key and component name.

    Returns
    -------
    dict
        ``p_value_holm``, ``p_value_min_effect_holm``, ``holm_ci_low``,
        ``holm_ci_high``, ``verdict``, ``verdict_reason`` and ``influence``
        (None when the estimate kept no left-out estimates). A ``bias`` or
        ``no_material_bias`` verdict that leaving out one template, row or
        swapped term changes becomes ``inconclusive``, naming the unit.
    """
    p_holm = est.p_value if p_value_holm is None else p_value_holm
    p_min_holm = est.p_value_min_effect if p_value_min_effect_holm is None else p_value_min_effect_holm
    level = holm_level(alpha, est.p_value_min_effect, p_min_holm if holm_step is None else holm_step)
    low, high = est.estimate.t_interval(1 - level) if est.estimate is not None else (None, None)
    verdict, reason = bias_verdict(gap=est.gap, p_value_holm=p_holm, p_value_min_effect_holm=p_min_holm,
                                   p_value_equivalence=est.p_value_equivalence, alpha=alpha, min_effect=min_effect,
                                   untestable=est.untestable, equivalence_interval=(est.tost_low, est.tost_high))
    record = influence_record(est.left_out, gap=est.gap, verdict=verdict,
                              decide=_decider(est.estimate, level, alpha=alpha, min_effect=min_effect),
                              describe=describe) if est.left_out else None
    if record is not None and record["flipped_by"] is not None:
        verdict, reason = INCONCLUSIVE, fragile_reason(verdict, reason, record["flipped_by"], gap=est.gap)
    return {"p_value_holm": p_holm, "p_value_min_effect_holm": p_min_holm, "holm_ci_low": _json_float(low),
            "holm_ci_high": _json_float(high), "verdict": verdict, "verdict_reason": reason, "influence": record}
