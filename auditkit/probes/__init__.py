"""Counterfactual bias probes: identity lexicons, templates, identity swapping,
paired statistics and counterfactual data augmentation."""

from auditkit.probes._lexicon import (
    Lexicon,
    builtin_attributes,
    identity_terms,
    load_lexicon,
)

__all__ = [
    "Lexicon",
    "builtin_attributes",
    "identity_terms",
    "load_lexicon",
]
