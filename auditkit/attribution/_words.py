"""Words a person reads, and the word pieces a tokenizer made of them.

Words are found in the original text, not in the tokenizer's vocabulary, so
the same sentence splits into the same words whatever the model (WordPiece,
byte-level BPE, SentencePiece). Tokens are tied to words through the fast
tokenizer's character offsets.

Chinese (and any run of Han characters) has no spaces between words: such a
run is cut into words by the segmenter of :mod:`auditkit._language` (jieba,
with the ``zh`` extra), else into single characters, so that heat maps, top
words and identity share see 她 and 妈妈, not a whole clause.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Sequence

import numpy as np

from auditkit._language import chinese_word_spans, has_cjk

__all__ = ["word_spans", "token_word_index", "merge_word_pieces", "sum_by_word", "is_punctuation"]

# A word: letters/digits with inner apostrophes or hyphens ("didn't",
# "well-made"), an English clitic on its own ("'s" in "moore 's"), or a run
# of punctuation ("!!").
_WORD_RE = re.compile(r"\w+(?:['’\-]\w+)*|['’](?:s|re|ve|ll|d|m|t)\b|[^\w\s]+", re.IGNORECASE)
_PUNCT_RE = re.compile(r"^[^\w]+$")


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the words of ``text``, in order.

    Examples
    --------
    >>> [("Don't stop!"[s:e]) for s, e in word_spans("Don't stop!")]
    ["Don't", 'stop', '!']
    """
    spans: list[tuple[int, int]] = []
    for m in _WORD_RE.finditer(text):
        if has_cjk(m.group()):
            spans.extend(chinese_word_spans(text, *m.span()))
        else:
            spans.append(m.span())
    return spans


def is_punctuation(word: str) -> bool:
    """Whether ``word`` has no letter or digit."""
    return bool(_PUNCT_RE.match(word))


def token_word_index(
    offsets: Sequence[tuple[int, int]],
    special: Sequence[int],
    spans: Sequence[tuple[int, int]],
) -> np.ndarray:
    """The word each token belongs to (``-1`` for special tokens and padding).

    A token goes to the word it overlaps most; a token that overlaps none
    (a bare word-boundary piece such as SentencePiece's ``▁``) goes to the
    next word, or the last one at the end of the text.
    """
    index = np.full(len(offsets), -1, dtype=np.int64)
    if not spans:
        return index
    starts = [s for s, _ in spans]
    for t, ((s, e), is_special) in enumerate(zip(offsets, special)):
        if is_special:
            continue
        best, best_overlap = -1, 0
        w = max(0, bisect_right(starts, s) - 1)
        while w < len(spans) and spans[w][0] < max(e, s + 1):
            overlap = min(e, spans[w][1]) - max(s, spans[w][0])
            if overlap > best_overlap:
                best, best_overlap = w, overlap
            w += 1
        if best < 0:
            following = bisect_left(starts, s)
            best = following if following < len(spans) else len(spans) - 1
        index[t] = best
    return index


def merge_word_pieces(
    text: str,
    token_scores: Sequence[float],
    offsets: Sequence[tuple[int, int]],
    special: Sequence[int],
) -> tuple[list[str], np.ndarray, list[tuple[int, int]]]:
    """Sum token scores into word scores.

    Parameters
    ----------
    text : str
        The text the tokens were made from.
    token_scores : sequence of float
        One signed score per token.
    offsets : sequence of (int, int)
        Character span of each token in ``text`` (a fast tokenizer's
        ``offset_mapping``).
    special : sequence of int
        1 for special tokens ([CLS], <s>, padding...), which are left out.

    Returns
    -------
    words : list of str
        Words as written in ``text``; words cut off by truncation are left out.
    scores : ndarray of float
        Signed sum of the scores of each word's pieces.
    spans : list of (int, int)
        Character span of each word.

    Examples
    --------
    >>> words, scores, _ = merge_word_pieces(
    ...     "unbelievably good", [0.0, 0.1, 0.2, 0.3, 0.0],
    ...     [(0, 0), (0, 2), (2, 12), (13, 17), (0, 0)], [1, 0, 0, 0, 1])
    >>> words, scores.round(2).tolist()
    (['unbelievably', 'good'], [0.3, 0.3])
    """
    spans = word_spans(text)
    return sum_by_word(text, spans, token_word_index(offsets, special, spans), token_scores)


def sum_by_word(text, spans, word_of_token, token_scores):
    """Sum token scores per word; keep only words that have at least one token."""
    sums = np.zeros(len(spans), dtype=np.float64)
    seen = np.zeros(len(spans), dtype=bool)
    word_of_token = np.asarray(word_of_token)
    real = word_of_token >= 0
    np.add.at(sums, word_of_token[real], np.asarray(token_scores, dtype=np.float64)[real])
    seen[word_of_token[real]] = True
    keep = np.flatnonzero(seen)
    return [text[spans[w][0] : spans[w][1]] for w in keep], sums[keep], [spans[w] for w in keep]
