"""Words that push the model toward each class, across many texts."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from auditkit.attribution._base import WordAttribution
from auditkit.attribution._words import is_punctuation

__all__ = ["top_words"]


def top_words(attributions: Sequence[WordAttribution], *, k: int = 10) -> dict[str, list[list]]:
    """Words with the highest mean score toward each target class.

    Words are lower-cased and punctuation is left out. Words seen at least
    twice are preferred when there are ``k`` of them, so that one striking
    text does not fill the list.

    Returns
    -------
    dict
        ``{class name: [[word, mean score, count], ...]}``, best first.
    """
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for a in attributions:
        for word, score in zip(a.words, a.scores):
            if is_punctuation(word):
                continue
            entry = sums[a.target][word.lower()]
            entry[0] += float(score)
            entry[1] += 1
    out = {}
    for target, words in sums.items():
        rows = [[w, s / c, c] for w, (s, c) in words.items()]
        repeated = [r for r in rows if r[2] >= 2]
        pool = repeated if len(repeated) >= k else rows
        pool.sort(key=lambda r: (-r[1], -r[2], r[0]))
        out[target] = [[w, round(m, 6), c] for w, m, c in pool[:k]]
    return out
