"""Counterfactual bias probes: identity lexicons, templates, identity swapping,
paired statistics and counterfactual data augmentation.

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
from auditkit.probes._crossed import (
    CrossedEstimate,
    LeftOut,
    TemplateComponent,
    TextComponent,
    crossed_bootstrap,
    crossed_estimate,
    equivalence_p_value,
    leave_one_out,
)
from auditkit.probes._change import gap_change
from auditkit.probes._designs import attribute_components, paired_frame
from auditkit.probes._gap import GapEstimate, estimate_components, estimate_gap, judge_gap
from auditkit.probes._verdict import BIAS, INCONCLUSIVE, NO_MATERIAL_BIAS, VERDICTS, bias_verdict, format_verdict
from auditkit.probes._suite import (
    ProbeReport,
    check_probe_options,
    probe_families,
    resolve_target_label,
    run_probes,
)
from auditkit.probes._swap import (
    CounterfactualText,
    DatasetCounterfactuals,
    SwapContext,
    counterfactual_versions,
    dataset_counterfactuals,
    is_lowercase_corpus,
    swap_context,
    swap_identity,
)
from auditkit.probes._templates import Template

__all__ = [
    "run_probes",
    "ProbeReport",
    "check_probe_options",
    "probe_families",
    "resolve_target_label",
    "swap_identity",
    "swap_context",
    "is_lowercase_corpus",
    "SwapContext",
    "counterfactual_versions",
    "dataset_counterfactuals",
    "DatasetCounterfactuals",
    "CounterfactualText",
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
    "estimate_gap",
    "estimate_components",
    "judge_gap",
    "GapEstimate",
    "crossed_estimate",
    "crossed_bootstrap",
    "equivalence_p_value",
    "leave_one_out",
    "LeftOut",
    "CrossedEstimate",
    "TemplateComponent",
    "TextComponent",
    "attribute_components",
    "paired_frame",
    "bias_verdict",
    "format_verdict",
    "gap_change",
    "VERDICTS",
    "BIAS",
    "NO_MATERIAL_BIAS",
    "INCONCLUSIVE",
    "holm_correction",
    "flip_rate",
    "counterfactual_token_fairness_gap",
    "Template",
    "TEMPLATES",
]


def __getattr__(name: str):
    if name == "TEMPLATES":  # the built-in English pack's templates, read on first use
        from auditkit.probes._templates import TEMPLATES

        return TEMPLATES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
