"""What-if helpers: counterfactual variants of a typed sentence and a cheap word heat map.

Both call auditkit (probes for the swaps, attribution for the maps) and only
arrange results; the page calls them with a model loaded by ``_data.load_model``.
"""

from __future__ import annotations

from auditkit.attribution import WordOcclusion
from auditkit.probes import identity_terms, swap_identity


def identity_groups() -> dict[str, list[str]]:
    """{attribute: [group, ...]} for the built-in gender and race lexicons."""
    return {attr: list(groups) for attr, groups in identity_terms().items()}


def counterfactual_variants(text: str) -> list[dict]:
    """Every distinct rewrite of ``text`` naming another group: [{"attribute", "group", "text"}]."""
    seen = {text}
    out = []
    for attribute, groups in identity_groups().items():
        for group in groups:
            variant = swap_identity(text, attribute, target_group=group)
            if variant not in seen:
                seen.add(variant)
                out.append({"attribute": attribute, "group": group, "text": variant})
    return out


def word_attributions(classifier, text: str, target: int) -> tuple[list[str], list[float], str]:
    """Word-level scores toward class ``target`` by word occlusion (forward passes only, so it stays interactive)."""
    (result,) = WordOcclusion(classifier).attribute([text], target=int(target), progress=False)
    return list(result.words), [float(s) for s in result.scores], "word occlusion"
