"""What-if helpers: counterfactual variants of a typed sentence and a cheap word heat map.

Both call auditkit (probes for the swaps, attribution for the maps) and only
arrange results; the page calls them with a model loaded by ``_data.load_model``.
"""

from __future__ import annotations

import re

import numpy as np

_WORD = re.compile(r"\S+")


def identity_groups() -> dict[str, list[str]]:
    """{attribute: [group, ...]} for the built-in gender and race lexicons ({} when probes are unavailable)."""
    try:
        from auditkit.probes import identity_terms
    except ImportError:
        return {}
    terms = identity_terms()
    return {attr: list(groups) for attr, groups in terms.items()}


def counterfactual_variants(text: str) -> list[dict]:
    """Every distinct rewrite of ``text`` naming another group: [{"attribute", "group", "text"}]."""
    try:
        from auditkit.probes import swap_identity
    except ImportError:
        from auditkit.probes._swap import swap_identity  # until the probes package exports it
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
    """Word-level scores toward class ``target`` with a cheap method, so the page stays interactive.

    auditkit's word occlusion (forward passes only) when available; otherwise
    leave-one-word-out on whitespace words (one batched pass of n+1 texts).
    """
    try:
        from auditkit.attribution import WordOcclusion
    except ImportError:
        WordOcclusion = None
    if WordOcclusion is not None:
        (result,) = WordOcclusion(classifier).attribute([text], target=int(target), progress=False)
        return list(result.words), [float(s) for s in result.scores], "word occlusion"
    words = _WORD.findall(text)
    if not words:
        return [], [], "none"
    texts = [text] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probs = classifier.predict_proba(texts, progress=False).probabilities[:, target]
    scores = (probs[0] - probs[1:]).astype(float)
    return words, [float(s) for s in np.round(scores, 6)], "leave-one-word-out occlusion"
