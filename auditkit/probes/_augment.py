"""Counterfactual data augmentation: identity-swapped copies of training texts."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from auditkit.probes._packs import resolve_lexicons
from auditkit.probes._swap import _versions, swap_context

__all__ = ["counterfactual_augment"]


def counterfactual_augment(texts: Sequence[str], labels: Sequence, *, attributes=("gender", "race"), lexicon_files=(), seed: int = 0) -> tuple[list[str], list]:
    """Add identity-swapped copies of the texts that mention identity.

    Counterfactual data augmentation (Lu et al., 2018; Dinan et al., 2020):
    for each attribute, a text that mentions one of its groups gets a copy
    with every mention rewritten to another group (see
    :func:`swap_identity`), with the same label. Copies that already exist
    are not added twice. An all-lower-case corpus gets lower-case name
    matching (see :func:`swap_context`).

    Parameters
    ----------
    texts : sequence of str
    labels : sequence
        One label per text, copied to its counterfactuals.
    attributes : sequence of str, default ("gender", "race")
    lexicon_files : sequence of path or Lexicon, optional
    seed : int, default 0
        Picks the target group when more than one would change the text.

    Returns
    -------
    (list of str, list)
        The original texts and labels first, then the added copies.

    Examples
    --------
    >>> texts, labels = counterfactual_augment(["She loved it.", "Great film."], [1, 1], attributes=["gender"])
    >>> texts
    ['She loved it.', 'Great film.', 'He loved it.']
    """
    texts = [str(t) for t in texts]
    labels = list(labels)
    if len(texts) != len(labels):
        raise ValueError(f"texts has {len(texts)} items but labels has {len(labels)}")
    rng = np.random.default_rng(seed)
    seen = set(texts)
    out_texts, out_labels = list(texts), list(labels)
    lexicons = resolve_lexicons(attributes, lexicon_files)
    context = swap_context(texts, list(lexicons.values()))
    for lex in lexicons.values():
        groups = list(lex.groups)
        for text, label in zip(texts, labels):
            versions, _ = _versions(text, lex, context)
            # Groups whose version differs from the text; a text that mentions
            # several groups ("she told him") has no unchanged version.
            changed = [g for g in groups if versions[g] != text]
            if not changed:
                continue
            target = changed[0] if len(changed) == 1 else changed[int(rng.integers(len(changed)))]
            new = versions[target]
            if new not in seen:
                seen.add(new)
                out_texts.append(new)
                out_labels.append(label)
    return out_texts, out_labels
