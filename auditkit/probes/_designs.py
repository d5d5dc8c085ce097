"""From scored probe sentences to crossed designs (rows x templates, or texts in strata).

The probe table (``probes.parquet``) has one row per scored sentence with its
``attribute``, ``family``, ``template_id``, ``row`` (lexicon row, or text
index for dataset counterfactuals), ``word``, ``valence``, ``stratum``,
``group`` and ``score``. A comparison of two groups turns one family into a
:class:`~auditkit.probes._crossed.TemplateComponent` (template families) or a
:class:`~auditkit.probes._crossed.TextComponent` (dataset counterfactuals).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit.probes._crossed import TemplateComponent, TextComponent, consistent_templates
from auditkit.probes._families import DATASET_FAMILY, DATASET_TEMPLATE

__all__ = ["DATASET_FAMILY", "NEUTRAL", "family_component", "attribute_components", "paired_frame", "logit"]

#: Valence of templates without an emotion or situation word.
NEUTRAL = "neutral"
_LOGIT_CLIP = 1e-6


def logit(p) -> np.ndarray:
    """log(p / (1 - p)), with p clipped to [1e-6, 1 - 1e-6] so saturated scores stay finite."""
    p = np.clip(np.asarray(p, dtype=float), _LOGIT_CLIP, 1 - _LOGIT_CLIP)
    return np.log(p) - np.log1p(-p)


def paired_frame(frame: pd.DataFrame, a: str, b: str, *, column: str = "score") -> pd.DataFrame:
    """One row per matched set holding both groups: its design keys and ``a``, ``b`` values.

    Sets missing either group are dropped.
    """
    keys = ["family", "template_id", "row", "word", "valence", "stratum", "instance_id"]
    sub = frame[frame["group"].isin([a, b])]
    wide = sub.pivot(index="instance_id", columns="group", values=column)
    if a not in wide or b not in wide:
        return pd.DataFrame(columns=[*keys, "a", "b"])
    meta = sub.drop_duplicates("instance_id").set_index("instance_id")[[k for k in keys if k != "instance_id"]]
    out = meta.join(wide[[a, b]].rename(columns={a: "a", b: "b"}), how="inner").dropna(subset=["a", "b"])
    return out.reset_index()


def family_component(pairs: pd.DataFrame, *, scale: str = "probability", valence: str | None = None,
                     weight: float = 1.0) -> TemplateComponent | TextComponent | None:
    """The design of one family from its :func:`paired_frame` rows.

    Parameters
    ----------
    pairs : DataFrame
        :func:`paired_frame` rows of ONE family.
    scale : {"probability", "logit"}
        Differences of probabilities, or of their log-odds.
    valence : str, optional
        Keep only template columns of this valence ("positive", "negative",
        "neutral"); dataset counterfactuals have none (returns None).
    weight : float

    Returns
    -------
    TemplateComponent, TextComponent or None
        None when nothing is left. Each cell is the mean over the template's
        slot words; rows are named by their lexicon row. A family whose rows
        fall into template blocks (each row crossed with its block's
        templates) keeps its missing cells; otherwise it keeps the templates
        that every one of its rows fills (a complete matrix). Dataset counterfactuals are clustered by their swapped term
        (the ``word`` column) when the table records it.
    """
    if pairs.empty:
        return None
    a, b = pairs["a"].to_numpy(float), pairs["b"].to_numpy(float)
    diff = logit(a) - logit(b) if scale == "logit" else a - b
    pairs = pairs.assign(diff=diff)
    if (pairs["template_id"] == DATASET_TEMPLATE).all():  # texts in strata (the contract's marker), not rows x templates
        if valence is not None:
            return None
        terms = pairs["word"]
        clusters = None if terms.isna().any() else terms.astype(str).to_numpy()  # older runs have none
        return TextComponent(pairs["diff"].to_numpy(float), pairs["stratum"].astype(str).to_numpy(), weight, clusters)
    if valence is not None:
        pairs = pairs[pairs["valence"].fillna(NEUTRAL) == valence]
        if pairs.empty:
            return None
    cells = pairs.groupby(["row", "template_id"], sort=True)["diff"].mean().unstack("template_id")
    comp = TemplateComponent(cells.to_numpy(float), tuple(str(t) for t in cells.columns), weight,
                             tuple(str(r) for r in cells.index))
    if cells.isna().to_numpy().any() and consistent_templates([comp]):
        return comp  # a block design
    cells = cells.dropna(axis=1, how="any")
    if cells.shape[1] == 0 or cells.shape[0] == 0:
        return None
    return replace(comp, matrix=cells.to_numpy(float), templates=tuple(str(t) for t in cells.columns))


def attribute_components(pairs: pd.DataFrame, *, families: Sequence[str] | None = None, scale: str = "probability",
                         valence: str | None = None) -> list:
    """Components of several families of one attribute, with equal weights per family, each named by its family.

    Template families share each template draw: families whose template
    sets are shared whole or not at all (blocks of one language's templates)
    are kept as they are; otherwise they keep only the templates common to
    all of them.
    """
    families = list(dict.fromkeys(pairs["family"])) if families is None else list(families)
    comps = []
    for family in families:
        comp = family_component(pairs[pairs["family"] == family], scale=scale, valence=valence)
        if comp is not None:
            comps.append(replace(comp, name=str(family)))
    tpl = [c for c in comps if isinstance(c, TemplateComponent)]
    if len(tpl) > 1 and not consistent_templates(tpl):
        common = [t for t in tpl[0].templates if all(t in c.templates for c in tpl[1:])]
        comps = [
            replace(c, matrix=c.matrix[:, [c.templates.index(t) for t in common]], templates=tuple(common))
            if isinstance(c, TemplateComponent) else c
            for c in comps
        ]
        comps = [c for c in comps if not isinstance(c, TemplateComponent) or c.matrix.shape[1] > 0]
    return comps
