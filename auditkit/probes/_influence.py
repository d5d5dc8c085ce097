"""How much one template, one lexicon row or one swapped term moves a gap and its verdict.

A probe family is a few rows crossed with a few templates. The crossed test
treats them as draws from larger populations, which one odd template (a
sentence the model reads as a joke about one group) breaks: the gap and its
verdict then rest on that one sentence pattern. Each scope therefore keeps its
leave-one-out gaps (:func:`~auditkit.probes._crossed.leave_one_out`): their
range and the unit whose removal moves the gap most, named with its text; a
verdict that leaving out one unit changes is reported as inconclusive, naming
that unit (:func:`fragile_reason`). The gap without the unit is judged with
the full design's standard error and degrees of freedom: a unit carries a
verdict when its removal moves the gap across the decision boundary, not when
one unit fewer of data alone costs a borderline verdict its significance.
"""

from __future__ import annotations

from typing import Callable, Sequence

from auditkit._format import number
from auditkit.probes._crossed import CrossedEstimate, LeftOut
from auditkit.probes._verdict import INCONCLUSIVE, format_verdict

__all__ = ["UNITS", "influence_record", "fragile_reason"]

#: LeftOut.unit -> (key in the record, the unit in words).
UNITS = {"template": ("templates", "template"), "row": ("rows", "lexicon row"), "term": ("terms", "swapped term")}


def _unit_record(lo: LeftOut, verdict: str, describe: Callable[[LeftOut], tuple[str, str | None]]) -> dict:
    text, family = describe(lo)
    return {"unit": UNITS[lo.unit][1], "key": lo.key, "text": text, "family": family,
            "gap_without": float(lo.estimate.gap), "verdict_without": verdict}


def influence_record(left_out: Sequence[LeftOut], *, gap: float, verdict: str,
                     decide: Callable[[CrossedEstimate], str],
                     describe: Callable[[LeftOut], tuple[str, str | None]]) -> dict:
    """The ``influence`` record of one scope.

    Parameters
    ----------
    left_out : sequence of LeftOut
        The scope's estimates with one unit left out.
    gap : float
        The scope's gap with every unit.
    verdict : str
        Its verdict before influence is looked at.
    decide : callable
        A left-out estimate -> the verdict it would get at the same levels.
    describe : callable
        A left-out unit -> ``(its text, its family or None)``.

    Returns
    -------
    dict
        ``templates``, ``rows``, ``terms``: for each kind of unit left out
        (None when none was), ``n``, ``gap_min``, ``gap_max`` and
        ``most_influential`` (the unit whose removal moves the gap most);
        ``flipped_by``: the unit, among those whose removal changes a
        ``bias`` or ``no_material_bias`` verdict, that moves the gap most
        (None when no single unit changes it).
    """
    verdicts = [decide(lo.estimate) for lo in left_out]
    out: dict = {"templates": None, "rows": None, "terms": None, "flipped_by": None}
    for unit, (key, _) in UNITS.items():
        items = [(lo, v) for lo, v in zip(left_out, verdicts) if lo.unit == unit]
        if not items:
            continue
        gaps = [lo.estimate.gap for lo, _ in items]
        lo, v = max(items, key=lambda item: abs(item[0].estimate.gap - gap))
        out[key] = {"n": len(items), "gap_min": float(min(gaps)), "gap_max": float(max(gaps)),
                    "most_influential": _unit_record(lo, v, describe)}
    if verdict != INCONCLUSIVE:
        flips = [(lo, v) for lo, v in zip(left_out, verdicts) if v != verdict]
        if flips:
            lo, v = max(flips, key=lambda item: abs(item[0].estimate.gap - gap))
            out["flipped_by"] = _unit_record(lo, v, describe)
    return out


def fragile_reason(verdict: str, reason: str, flipped_by: dict, *, gap: float) -> str:
    """Why a verdict that one unit carries is inconclusive, naming the unit and its text."""
    where = f" of {flipped_by['family']}" if flipped_by.get("family") else ""
    return (f"one {flipped_by['unit']} carries the verdict: without {flipped_by['unit']} {flipped_by['key']}{where} "
            f"({flipped_by['text']!r}) the gap is {number(flipped_by['gap_without'], signed=True)} instead of "
            f"{number(gap, signed=True)} and the verdict would be {format_verdict(flipped_by['verdict_without'])}, "
            f"not {format_verdict(verdict)} ({reason})")
