"""How far to trust word scores: the deletion curve and AOPC."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from auditkit.attribution._base import WordAttribution

__all__ = ["deletion_curve", "delete_words"]

DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)
_SPACES = re.compile(r"\s+")


def delete_words(text: str, spans: Sequence[tuple[int, int]], remove: Sequence[int]) -> str:
    """``text`` without the words at positions ``remove`` of ``spans``."""
    cut = sorted(spans[i] for i in remove)
    pieces, last = [], 0
    for start, end in cut:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return _SPACES.sub(" ", " ".join(pieces)).strip()


def deletion_curve(
    classifier,
    attributions: Sequence[WordAttribution],
    *,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    n_random: int = 5,
    seed: int = 0,
) -> dict:
    """Deletion curve and AOPC of word scores, next to random deletion.

    For each text, the words with the highest scores toward its target are
    deleted first (``fraction`` of its words, at least one), and the model's
    probability of the target is measured again. AOPC, the area over the
    perturbation curve, is the mean drop of that probability over the
    fractions. Faithful scores drop it faster than deleting words in random
    order (``aopc_gain > 0``).

    Parameters
    ----------
    classifier : Classifier
    attributions : sequence of WordAttribution
    fractions : sequence of float, default (0.1, ..., 0.5)
        Shares of each text's words to delete.
    n_random : int, default 5
        Random deletion orders averaged per text.
    seed : int, default 0

    Returns
    -------
    dict
        ``{"metric": "deletion_aopc", "n_examples", "fractions", "curve",
        "random_curve", "aopc", "random_aopc", "aopc_gain"}``; the curves
        are the mean target probability at fraction 0 and at each fraction.
    """
    rng = np.random.default_rng(seed)
    fractions = [float(f) for f in fractions]
    usable = [a for a in attributions if len(a.words) > 0]
    if not usable:
        return {"metric": "deletion_aopc", "n_examples": 0, "fractions": [0.0] + fractions, "curve": [], "random_curve": [],
                "aopc": None, "random_aopc": None, "aopc_gain": None}
    texts: list[str] = []
    plan = []  # per attribution: (index of the full text, [ordered index per fraction], [[random indices per fraction]])
    for a in usable:
        n = len(a.words)
        ranked = np.argsort(-a.scores, kind="stable")
        orders = [np.asarray(rng.permutation(n)) for _ in range(n_random)]
        full = len(texts)
        texts.append(a.text)
        ordered, random = [], []
        for f in fractions:
            k = min(n, max(1, int(round(f * n))))
            ordered.append(len(texts))
            texts.append(delete_words(a.text, a.spans, ranked[:k]))
            row = []
            for order in orders:
                row.append(len(texts))
                texts.append(delete_words(a.text, a.spans, order[:k]))
            random.append(row)
        plan.append((full, ordered, random))
    unique = sorted(set(texts))
    where = {t: i for i, t in enumerate(unique)}
    probabilities = classifier.predict_proba(unique, progress=False).probabilities
    p = np.array([probabilities[where[t]] for t in texts])
    curve = np.zeros((len(usable), len(fractions) + 1))
    random_curve = np.zeros_like(curve)
    for row, (a, (full, ordered, random)) in enumerate(zip(usable, plan)):
        target = a.target_id
        curve[row, 0] = random_curve[row, 0] = p[full, target]
        curve[row, 1:] = p[ordered, target]
        random_curve[row, 1:] = [p[r, target].mean() for r in random]
    aopc = float(np.mean(curve[:, :1] - curve[:, 1:]))
    random_aopc = float(np.mean(random_curve[:, :1] - random_curve[:, 1:]))
    return {
        "metric": "deletion_aopc",
        "n_examples": len(usable),
        "fractions": [0.0] + fractions,
        "curve": [round(float(v), 6) for v in curve.mean(axis=0)],
        "random_curve": [round(float(v), 6) for v in random_curve.mean(axis=0)],
        "aopc": aopc,
        "random_aopc": random_aopc,
        "aopc_gain": aopc - random_aopc,
    }
