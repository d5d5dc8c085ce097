"""Counterfactual bias probes: identity lexicons, templates, identity swapping,
paired statistics and counterfactual data augmentation.

>>> from auditkit.probes import run_probes
>>> report = run_probes(classifier, attributes=["gender", "race"])  # doctest: +SKIP
>>> report.summary["gender"]["gap"]  # female - male  # doctest: +SKIP
"""

from auditkit.probes._augment import counterfactual_augment
from auditkit.probes._lexicon import (
    Lexicon,
    builtin_attributes,
    identity_terms,
    load_lexicon,
)
from auditkit.probes._per_class import run_probes_per_class
from auditkit.probes._stats import (
    counterfactual_token_fairness_gap,
    flip_rate,
    holm_correction,
    paired_gap_test,
)
from auditkit.probes._suite import (
    ProbeReport,
    check_probe_options,
    probe_families,
    resolve_target_label,
    run_probes,
)
from auditkit.probes._swap import swap_identity
from auditkit.probes._templates import TEMPLATES, Template

__all__ = [
    "run_probes",
    "run_probes_per_class",
    "ProbeReport",
    "check_probe_options",
    "probe_families",
    "resolve_target_label",
    "swap_identity",
    "counterfactual_augment",
    "identity_terms",
    "load_lexicon",
    "builtin_attributes",
    "Lexicon",
    "paired_gap_test",
    "holm_correction",
    "flip_rate",
    "counterfactual_token_fairness_gap",
    "Template",
    "TEMPLATES",
]
