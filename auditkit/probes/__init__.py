"""Counterfactual bias probes: identity lexicons, templates, identity swapping,
paired statistics and counterfactual data augmentation.

Examples
--------
>>> from auditkit.probes import run_probes
>>> report = run_probes(classifier, attributes=["gender", "race"])  # doctest: +SKIP
>>> report.summary["gender"]["gap"]  # female - male  # doctest: +SKIP
>>> report.summary["gender"]["verdict"]  # "bias", "no_material_bias" or "inconclusive"  # doctest: +SKIP
"""

from auditkit.probes._augment import counterfactual_augment
from auditkit.probes._lexicon import Lexicon
from auditkit.probes._families import FAMILY_KINDS, DatasetFamily, ProbeFamily, TemplateFamily
from auditkit.probes._languages import LANGUAGES, Language
from auditkit.probes._packs import (
    ENTRY_POINT_GROUP,
    ProbePack,
    available_packs,
    builtin_attributes,
    identity_terms,
    load_lexicon,
    load_pack,
)
from auditkit.probes._stats import (
    counterfactual_token_fairness_gap,
    flip_rate,
    holm_correction,
)
from auditkit.probes._verdict import BIAS, INCONCLUSIVE, NO_MATERIAL_BIAS, VERDICTS, bias_verdict
from auditkit.probes._suite import ProbeReport, run_probes
from auditkit.probes._swap import swap_identity
from auditkit.probes._templates import Template

__all__ = [
    "run_probes",
    "ProbeReport",
    "swap_identity",
    "counterfactual_augment",
    "identity_terms",
    "load_lexicon",
    "builtin_attributes",
    "Lexicon",
    "ProbePack",
    "load_pack",
    "available_packs",
    "ENTRY_POINT_GROUP",
    "ProbeFamily",
    "TemplateFamily",
    "DatasetFamily",
    "FAMILY_KINDS",
    "Language",
    "LANGUAGES",
    "Template",
    "TEMPLATES",
    "bias_verdict",
    "VERDICTS",
    "BIAS",
    "NO_MATERIAL_BIAS",
    "INCONCLUSIVE",
    "holm_correction",
    "flip_rate",
    "counterfactual_token_fairness_gap",
]


def __getattr__(name: str):
    if name == "TEMPLATES":  # the built-in English pack's templates, read on first use
        from auditkit.probes._templates import TEMPLATES

        return TEMPLATES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
