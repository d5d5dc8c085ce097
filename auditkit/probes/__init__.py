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
from auditkit.probes._lexicon import (
    Lexicon,
    builtin_attributes,
    identity_terms,
    load_lexicon,
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
from auditkit.probes._templates import TEMPLATES, Template

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
