"""Two attributes at once: the 2 x 2 grid of an attribute whose groups cross two others.

An attribute whose four groups are the crossings of two two-group attributes
(``gender_race``: female/male x African/European-American names; a pack says
so with ``crosses``) is scored on the same matched sets for all four groups.
Beside its pairs it has a 2 x 2 grid of group means, four simple effects (the
gender gap among Black names, among white names; the race gap among women,
among men: pairs of the attribute, tested as every pair is) and one
interaction contrast::

    (female_aa - male_aa) - (female_ea - male_ea)

"the gender gap among African-American names minus that among
European-American names", per matched set, so it is tested by the same
crossed t test (rows x templates) as any gap, in the same Holm family.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from auditkit.probes._designs import paired_frame

__all__ = ["Grid", "grid_of", "interaction_pairs"]


@dataclass(frozen=True)
class Grid:
    """The 2 x 2 layout: ``cell[(level_1, level_2)]`` is the group at that crossing."""

    attributes: tuple[str, str]
    levels: tuple[tuple[str, str], tuple[str, str]]
    cell: dict

    def simple_effects(self) -> dict[str, tuple[str, str]]:
        """``"<attribute> among <level of the other>"`` -> the pair of groups whose gap it is."""
        (a, b), ((a1, a2), (b1, b2)) = self.attributes, self.levels
        return {
            f"{a} among {b1}": (self.cell[(a1, b1)], self.cell[(a2, b1)]),
            f"{a} among {b2}": (self.cell[(a1, b2)], self.cell[(a2, b2)]),
            f"{b} among {a1}": (self.cell[(a1, b1)], self.cell[(a1, b2)]),
            f"{b} among {a2}": (self.cell[(a2, b1)], self.cell[(a2, b2)]),
        }

    def definition(self) -> str:
        (a1, a2), (b1, b2) = self.levels
        return f"({a1} - {a2} among {b1}) - ({a1} - {a2} among {b2})"


def grid_of(groups, crosses) -> Grid | None:
    """The grid of four ``groups`` that ``crosses`` (group -> {attribute: level}) lays out as 2 x 2; else None."""
    if not crosses or len(groups) != 4 or set(crosses) != set(groups):
        return None
    attributes = tuple(dict.fromkeys(k for g in groups for k in crosses[g]))
    if len(attributes) != 2 or any(set(crosses[g]) != set(attributes) for g in groups):
        return None
    levels = tuple(tuple(dict.fromkeys(crosses[g][a] for g in groups)) for a in attributes)
    if any(len(lv) != 2 for lv in levels):
        return None
    cell = {(crosses[g][attributes[0]], crosses[g][attributes[1]]): g for g in groups}
    if len(cell) != 4:
        return None
    return Grid(attributes=attributes, levels=levels, cell=cell)


def interaction_pairs(frame: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Matched sets holding all four groups, as :func:`paired_frame` rows whose ``a - b`` is the interaction:
    ``a`` the first attribute's gap at the second's first level, ``b`` the same gap at its second level."""
    (a1, a2), (b1, b2) = grid.levels
    first = paired_frame(frame, grid.cell[(a1, b1)], grid.cell[(a2, b1)])
    second = paired_frame(frame, grid.cell[(a1, b2)], grid.cell[(a2, b2)])
    both = first.merge(second[["instance_id", "a", "b"]], on="instance_id", suffixes=("_1", "_2"))
    return both.assign(a=both["a_1"] - both["b_1"], b=both["a_2"] - both["b_2"]).drop(
        columns=["a_1", "b_1", "a_2", "b_2"])
