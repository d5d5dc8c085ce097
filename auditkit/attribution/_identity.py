"""Identity share: how much of the attribution falls on identity words."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence, Union

import numpy as np

from auditkit.attribution._base import WordAttribution

__all__ = ["IdentityShare", "identity_share", "identity_mask"]

IdentityWords = Union[Mapping[str, Mapping[str, Iterable[str]]], Iterable[str]]
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass
class IdentityShare:
    """Share of total |attribution| on identity words.

    Attributes
    ----------
    overall : float
        Over all words of all texts; NaN when every score is zero.
    by_group : dict
        ``{attribute: {group: share}}``: the share on that group's words
        (a word in several groups counts for each).
    total : float
        Sum of |score| over all words (the denominator).
    """

    overall: float
    by_group: dict
    total: float


def _normalise(word: str) -> str:
    return _POSSESSIVE.sub("", word.lower())


def _lexicon(identity_words: IdentityWords) -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """{attribute: {group: [term as a tuple of words]}}; a flat word list becomes one group."""
    if isinstance(identity_words, Mapping):
        nested = identity_words
    else:
        nested = {"identity": {"identity": identity_words}}
    return {
        str(attribute): {str(group): [tuple(_normalise(w) for w in str(term).split()) for term in terms if str(term).strip()] for group, terms in groups.items()}
        for attribute, groups in nested.items()
    }


def identity_mask(words: Sequence[str], identity_words: IdentityWords) -> dict[tuple[str, str], np.ndarray]:
    """For each (attribute, group), which of ``words`` belong to one of its terms.

    Terms of several words ("young adult") match consecutive words; words
    are compared lower-cased, with a possessive ``'s`` dropped.
    """
    normal = [_normalise(w) for w in words]
    out = {}
    for attribute, groups in _lexicon(identity_words).items():
        for group, terms in groups.items():
            mask = np.zeros(len(words), dtype=bool)
            singles = {t[0] for t in terms if len(t) == 1}
            mask |= np.array([w in singles for w in normal], dtype=bool) if normal else mask
            for term in (t for t in terms if len(t) > 1):
                for i in range(len(normal) - len(term) + 1):
                    if tuple(normal[i : i + len(term)]) == term:
                        mask[i : i + len(term)] = True
            out[(attribute, group)] = mask
    return out


def identity_share(attributions: Sequence[WordAttribution], *, identity_words: IdentityWords) -> IdentityShare:
    """The fraction of total |attribution| that falls on identity words.

    Parameters
    ----------
    attributions : sequence of WordAttribution
    identity_words : mapping or iterable of str
        ``{attribute: {group: words}}`` as :func:`auditkit.probes.identity_terms`
        gives, or a flat list of words.

    Returns
    -------
    IdentityShare
    """
    lexicon = _lexicon(identity_words)
    total = 0.0
    on_identity = 0.0
    by_group = {attribute: {group: 0.0 for group in groups} for attribute, groups in lexicon.items()}
    for a in attributions:
        magnitude = np.abs(np.asarray(a.scores, dtype=np.float64))
        total += float(magnitude.sum())
        masks = identity_mask(a.words, identity_words)
        any_identity = np.zeros(len(a.words), dtype=bool)
        for (attribute, group), mask in masks.items():
            by_group[attribute][group] += float(magnitude[mask].sum())
            any_identity |= mask
        on_identity += float(magnitude[any_identity].sum())
    if total <= 0:
        return IdentityShare(math.nan, {k: {g: math.nan for g in v} for k, v in by_group.items()}, 0.0)
    return IdentityShare(on_identity / total, {k: {g: s / total for g, s in v.items()} for k, v in by_group.items()}, total)
