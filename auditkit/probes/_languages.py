"""Languages: the swapping code a pack's language brings (registry).

A pack names its language; the language supplies what word lists cannot:
the code that rewrites an evaluation text to mention another group (for the
``dataset_counterfactual`` family and for counterfactual augmentation). A
language is found by its tag in :data:`LANGUAGES`; its swapper is named by a
dotted path and imported on first use, so the registry costs nothing until a
swap runs. A pack whose language has no swapper can still run its template
families.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property

__all__ = ["Language", "LANGUAGES", "language"]


@dataclass(frozen=True)
class Language:
    """A language auditkit can swap identities in.

    Attributes
    ----------
    tag : str
        BCP 47 tag, e.g. ``"en"``.
    name : str
    counterfactuals_path : str
        ``"module:function"`` of ``f(texts, lexicon, *, context=None) -> DatasetCounterfactuals``.
    """

    tag: str
    name: str
    counterfactuals_path: str

    @cached_property
    def counterfactuals(self):
        """The swapper: ``f(texts, lexicon, *, context=None) -> DatasetCounterfactuals``."""
        module, _, attr = self.counterfactuals_path.partition(":")
        return getattr(importlib.import_module(module), attr)


#: Languages with a swapper, by tag.
LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "auditkit.probes._swap:dataset_counterfactuals"),
    "zh": Language("zh", "Chinese", "auditkit.probes._swap_zh:chinese_dataset_counterfactuals"),
}


def language(tag: str) -> Language | None:
    """The registered language of ``tag`` (``"en-GB"`` falls back to ``"en"``), or None."""
    return LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0])
