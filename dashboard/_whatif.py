"""What-if helpers: counterfactual variants of a typed sentence and a cheap word heat map.

Both call auditkit (probes for the swaps, attribution for the maps) and only
arrange results; the page calls them with a model loaded by ``_data.load_model``.
"""

from __future__ import annotations

from auditkit.attribution import WordOcclusion
from auditkit.probes import builtin_attributes
from auditkit.probes._swap import counterfactual_versions


def counterfactual_variants(text: str) -> list[dict]:
    """Every distinct rewrite of ``text`` naming another group: [{"attribute", "group", "text"}]."""
    seen = {text}
    out = []
    for attribute in builtin_attributes():
        for group, variant in (counterfactual_versions(text, attribute) or {}).items():
            if variant not in seen:
                seen.add(variant)
                out.append({"attribute": attribute, "group": group, "text": variant})
    return out


def word_attributions(classifier, text: str, target: int) -> tuple[list[str], list[float], str]:
    """Word-level scores toward class ``target`` by word occlusion (forward passes only, so it stays interactive)."""
    (result,) = WordOcclusion(classifier).attribute([text], target=int(target), progress=False)
    return list(result.words), [float(s) for s in result.scores], "word occlusion"
