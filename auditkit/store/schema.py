"""The run contract: what ``run.json`` and the Parquet tables of a run hold, in one place.

Every section of a run record is a :class:`typing.TypedDict` below. The same
types drive three things, so they cannot drift apart:

- :func:`validate_record` — :func:`auditkit.store.write_run` refuses a record
  that does not match, and :func:`auditkit.store.read_run` refuses (one line)
  a stored one that does not, after migrating older schema versions;
- :func:`json_schema` — published as ``docs/run.schema.json`` for tools that
  read runs;
- :func:`contract_markdown` — the contract shown in ``docs/ARCHITECTURE.md``.

Regenerate both documents with ``make schema`` (:func:`write_docs`);
``tests/store/test_schema.py`` fails when they differ from this module.

Rules: every key listed is written (``NotRequired`` marks the few that depend
on what was audited); ``X | None`` means the value may be null (an undefined
statistic, e.g. ROC-AUC on one class); no other key is allowed. Floats are
finite (``NaN`` is stored as null).
"""

# No ``from __future__ import annotations``: TypedDict must see NotRequired[...] as a type.
import json
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, TypedDict, Union

import numpy as np
import pandas as pd

__all__ = [
    "SCHEMA_VERSION",
    "SchemaError",
    "RunRecord",
    "TABLES",
    "TableColumn",
    "TableRecord",
    "MULTILABEL_PREDICTIONS",
    "is_multi_label",
    "table_layout",
    "validate_record",
    "validate_table",
    "migrate_record",
    "json_schema",
    "contract_markdown",
    "bias_attribute_names",
]

#: The schema version :func:`auditkit.store.write_run` writes.
SCHEMA_VERSION = 4


class SchemaError(ValueError):
    """A value that does not match the run contract; ``path`` says where (``metrics.calibration.bins[3]``)."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path or 'the record'}: {problem}")
        self.path, self.problem = path, problem


# --------------------------------------------------------------------------- model, dataset


class Endpoint(TypedDict):
    url: Annotated[str, "the endpoint without user:password, every query value replaced by REDACTED"]
    format: Annotated[Literal["v2", "inputs"], "v2: Open Inference Protocol; inputs: {\"inputs\": [...]} -> label scores"]
    version: Annotated[str | None, "the model version the server declared (v2 model_version or metadata); null when none"]
    labels_sorted: Annotated[bool, "the label order was not given (--labels) and is the endpoint's label names sorted"]
    probe_probabilities: Annotated[list[list[float]], "behavioural fingerprint: the outputs on auditkit's fixed probe "
                                                      "set (models.PROBE_TEXTS), rounded to 6 decimals"]


class ZeroShot(TypedDict):
    hypothesis_template: Annotated[str, "the hypothesis each candidate label goes into ({} is the label)"]
    nli_labels: Annotated[list[str], "the NLI model's own labels (entailment among them)"]


class Model(TypedDict):
    name: Annotated[str, "model name (the checkpoint folder's name, Hub id or URL)"]
    kind: Annotated[Literal["transformers", "endpoint", "python", "skops", "zero-shot", "onnx"],
                    "what --model named: a checkpoint run with PyTorch, an http(s) endpoint, a Python object "
                    "(module:attribute), a skops file, an NLI model zero-shot, an ONNX export"]
    source: Annotated[str, "where it was loaded from (path, Hub id, URL without credentials, module:attribute)"]
    fingerprint: Annotated[str, "hash of the weights and configuration files; for endpoint and python models a hash "
                                "of the outputs on a fixed probe set (empty when unknown)"]
    labels: Annotated[list[str], "class names in model id order"]
    max_length: Annotated[int | None, "tokens per input; longer inputs are truncated (null: the model tokenizes itself)"]
    precision: Annotated[Literal["fp32", "int8", "bf16", "fp16"] | None,
                         "numeric precision predictions were computed in; null when auditkit does not set it"]
    engine: Annotated[str, "where prediction ran: a torch device (cpu, cuda:0), ray, an endpoint URL, this process"]
    endpoint: NotRequired[Annotated[Endpoint, "endpoint models only"]]
    zero_shot: NotRequired[Annotated[ZeroShot, "zero-shot models only"]]
    requested_precision: NotRequired[Annotated[Literal["fp32", "int8", "bf16", "fp16"],
                                               "--precision as asked; differs from precision where no int8 route kept "
                                               "fp32's labels or measured faster than fp32 on this CPU and fp32 ran"]]
    route: NotRequired[Annotated[str, "how predictions were computed: torch-fp32, torch-int8, openvino-fp32, "
                                      "openvino-int8 (on a CPU, chosen by measuring there), torch-bf16/fp16 (CUDA autocast)"]]
    route_note: NotRequired[Annotated[str, "one line: for an int8 route, its label agreement with fp32 and the texts "
                                           "it was measured on; for an int8 request that ran fp32, why"]]
    pretrained: NotRequired[Annotated[bool, "false: a backbone trained from random weights on its training data only "
                                            "(auditkit train --base scratch); absent when the model does not say"]]


class Dataset(TypedDict):
    source: Annotated[str, "path or hf:NAME[/CONFIG][:SPLIT]"]
    n_examples: int
    fingerprint: Annotated[str, "hash of the texts, labels and group columns"]
    group_cols: Annotated[list[str], "observed identity columns (one predictions.parquet column each)"]
    n_truncated: Annotated[int, "inputs longer than model.max_length"]


# --------------------------------------------------------------------------- metrics


class Interval(TypedDict):
    value: float
    ci_low: Annotated[float | None, "seeded percentile bootstrap bound; null with n_boot 0"]
    ci_high: float | None


class ClassScores(TypedDict):
    precision: float
    recall: float
    f1: float
    support: Annotated[int, "examples of this class in the data"]


class ConfusionMatrix(TypedDict):
    labels: list[str]
    matrix: Annotated[list[list[int]], "rows: true label, columns: predicted label"]


class CalibrationBin(TypedDict):
    lower: float
    upper: float
    count: int
    confidence: Annotated[float | None, "mean confidence in the bin; null when empty"]
    accuracy: float | None


class Calibration(TypedDict):
    n_bins: int
    bins: list[CalibrationBin]


class Bootstrap(TypedDict):
    n_boot: Annotated[int, "resamples (0: no intervals)"]
    seed: int
    confidence_level: float


class GroupMetrics(TypedDict):
    n: int
    small: Annotated[bool, "n below --min-group-size: too few to trust"]
    accuracy: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    roc_auc: float | None
    ece: float | None


class Metrics(TypedDict):
    accuracy: Interval
    macro_precision: Interval
    macro_recall: Interval
    macro_f1: Annotated[Interval, "macro averages run over the classes present in the data or predicted"]
    per_class: Annotated[dict[str, ClassScores], "by class name, every model class"]
    confusion_matrix: ConfusionMatrix
    roc_auc: Annotated[float | None, "binary, or one-vs-rest macro; null when undefined"]
    ece: float | None
    calibration: Calibration
    bootstrap: Bootstrap
    by_group: Annotated[dict[str, dict[str, GroupMetrics]], "group column -> group value -> metrics"]


class LabelScores(TypedDict):
    precision: float
    recall: float
    f1: float
    support: Annotated[int, "examples carrying this label"]
    roc_auc: Annotated[float | None, "null when the label is always or never present"]
    ece: Annotated[float | None, "calibration error of the label's present / absent decision"]
    threshold: Annotated[float, "the label is predicted when its probability is at least this"]


class MultiLabelGroupMetrics(TypedDict):
    n: int
    small: Annotated[bool, "n below --min-group-size: too few to trust"]
    subset_accuracy: float
    micro_f1: float
    macro_f1: float
    samples_f1: float
    hamming_loss: float


class BiasAucGroup(TypedDict):
    n: int
    small: Annotated[bool, "fewer examples than the minimum group size: too few to trust"]
    subgroup_auc: Annotated[float | None, "AUC within the identity's examples (null when they hold one class)"]
    bpsn_auc: Annotated[float | None, "background positives vs subgroup negatives"]
    bnsp_auc: Annotated[float | None, "background negatives vs subgroup positives"]


class BiasAucs(TypedDict):
    """Borkan et al. (2019) bias AUCs of one label for each identity of one group column (Jigsaw Unintended Bias)."""

    groups: dict[str, BiasAucGroup]
    power_mean: Annotated[dict[str, float | None], "AUC kind -> generalised power mean over the identities in power_mean_over (p below)"]
    power_mean_over: NotRequired[Annotated[list[str], "identities the power means average: those not small (a few examples' AUC "
                                                      "is noise, and p = -5 follows the smallest); absent in runs written before "
                                                      "it was recorded, whose power means averaged every identity"]]
    p: Annotated[float, "exponent of the power mean; -5 as the competition defined it"]
    small_groups: list[str]


class MultiLabelMetrics(TypedDict):
    """The metrics of a multi-label run (a sigmoid per label, each example carries any number of labels)."""

    task: Annotated[Literal["multi_label"], "tells this section from a single-label Metrics"]
    thresholds: Annotated[dict[str, float], "label -> decision threshold (--threshold, --threshold-file)"]
    subset_accuracy: Annotated[Interval, "share of examples whose whole label set is predicted exactly"]
    micro_f1: Interval
    macro_f1: Annotated[Interval, "unweighted mean of the per-label F1"]
    samples_f1: Annotated[Interval, "mean over examples of the F1 of their label sets (1 for an example with no true and no predicted label)"]
    hamming_loss: Annotated[Interval, "share of wrong label decisions (lower is better)"]
    per_label: Annotated[dict[str, LabelScores], "by label name, every model label"]
    bootstrap: Bootstrap
    by_group: Annotated[dict[str, dict[str, MultiLabelGroupMetrics]], "group column -> group value -> metrics"]
    bias_aucs: NotRequired[Annotated[dict[str, dict[str, BiasAucs]],
                                     "with --group-col: group column -> label -> the Jigsaw bias AUCs of that label's score"]]


def is_multi_label(record: dict) -> bool:
    """Whether a validated run record is a multi-label run (its metrics are a :class:`MultiLabelMetrics`)."""
    return record["metrics"].get("task") == "multi_label"


# --------------------------------------------------------------------------- bias


class LogitGap(TypedDict):
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: Annotated[float | None, "uncorrected"]


class ValenceGap(LogitGap):
    n_rows: int
    n_templates: int


class SwapSummary(TypedDict):
    n_texts: Annotated[int, "distinct evaluation texts"]
    n_swapped: Annotated[int, "texts that mention a group and were swapped"]
    n_names_swapped: Annotated[int, "of those, texts where a first name was swapped"]
    n_by_group: Annotated[dict[str, int], "group the original mentions (or 'mixed') -> texts"]
    lowercase_corpus: Annotated[bool, "names matched in lower case (an all-lower-case corpus)"]


class GapTest(TypedDict):
    gap: float | None
    ci_low: Annotated[float | None, "interval of the gap at ci_level; ci_kind says which: crossed_t is gap ± t(df, "
                                    "1 - alpha/2) se of the crossed test (null when untested)"]
    ci_high: float | None
    ci_kind: Annotated[Literal["crossed_t", "pigeonhole_percentile"],
                       "crossed_t: the t interval of the test below; pigeonhole_percentile: a bootstrap percentile "
                       "interval (older runs)"]
    tost_low: Annotated[float | None, "the 1 - 2 alpha t interval the equivalence test reads (inside ±min_effect: "
                                      "no material bias); null when untested or not measured (older runs)"]
    tost_high: float | None
    holm_ci_low: Annotated[float | None, "the t interval at the level Holm's correction tested the gap at: it clears "
                                         "±min_effect exactly when the bias test rejects; null when untested or not "
                                         "measured"]
    holm_ci_high: float | None
    se: Annotated[float | None, "standard error of the gap (crossed random effects)"]
    se_bootstrap: Annotated[float | None, "the pigeonhole bootstrap's spread of the gap: a check on se; null when "
                                          "untested or not measured"]
    df: Annotated[float | None, "Satterthwaite degrees of freedom"]
    p_value: Annotated[float | None, "crossed t-test of gap = 0; null when untestable"]
    p_value_holm: Annotated[float | None, "Holm-corrected across every test of the run"]
    p_value_min_effect: Annotated[float | None, "test of |gap| <= min_effect against |gap| > min_effect (each "
                                                "direction at alpha/2); null when untestable or not measured"]
    p_value_min_effect_holm: Annotated[float | None, "Holm-corrected across every test of the run: below alpha is "
                                                     "the bias verdict's test"]
    p_value_equivalence: Annotated[float | None, "TOST against ±min_effect; null when untestable"]
    verdict: Literal["bias", "no_material_bias", "inconclusive"]
    verdict_reason: str
    n_pairs: Annotated[int, "matched sets scored"]
    n_rows: Annotated[int | None, "lexicon rows, or swapped terms of dataset counterfactuals (the unit resampled); "
                                  "null in runs migrated from schema 1"]
    n_templates: Annotated[int | None, "templates; null in runs migrated from schema 1"]
    mde: Annotated[float | None, "minimum detectable |gap|: the gap the t test of a zero gap finds 80% of the time "
                                 "at Holm's strictest level (alpha / n_tests); null when untestable or not measured"]
    mde_bias: Annotated[float | None, "the |gap| that gets a bias verdict 80% of the time (its test of |gap| > "
                                      "min_effect at the same level); null as mde"]


class PairTest(GapTest):
    """One pair of groups of an attribute with three or more groups."""


class InfluentialUnit(TypedDict):
    unit: Annotated[str, "template, lexicon row or swapped term"]
    key: Annotated[str, "template id, lexicon row index or the swapped term"]
    text: Annotated[str, "the template's pattern, the row's phrases ('this woman / this man') or the term"]
    family: Annotated[str | None, "the family of a row or term; null for a template (shared by the families)"]
    gap_without: Annotated[float, "the gap with this unit left out"]
    verdict_without: Annotated[Literal["bias", "no_material_bias", "inconclusive"],
                               "the verdict it would get, at the same levels"]


class LeaveOneOutRange(TypedDict):
    n: Annotated[int, "units left out one at a time"]
    gap_min: float
    gap_max: float
    most_influential: Annotated[InfluentialUnit, "the unit whose removal moves the gap most"]


class Influence(TypedDict):
    templates: Annotated[LeaveOneOutRange | None, "each template left out; null without template families"]
    rows: Annotated[LeaveOneOutRange | None, "each lexicon row left out; null without template families"]
    terms: Annotated[LeaveOneOutRange | None, "each swapped term of the dataset counterfactuals left out"]
    flipped_by: Annotated[InfluentialUnit | None, "a unit whose removal changes a bias or no-material-bias verdict "
                                                  "(the verdict is then inconclusive); null when none does"]


class OmnibusTest(TypedDict):
    """The max-|t| test over every pair of an attribute's 3+ groups (auditkit.probes._omnibus)."""
    statistic: Annotated[str, "what t_max is"]
    t_max: Annotated[float, "the largest |gap| / se over the pairs"]
    df: Annotated[float, "degrees of freedom of the null (the smallest pair df)"]
    p_value: Annotated[float, "P(max |T| >= t_max) under no pair differing (multivariate t, the pairs' correlation)"]
    p_value_min_effect: Annotated[float, "the same for max (|gap| - min_effect) / se: the bias verdict's test"]
    p_value_holm: Annotated[float, "Holm-corrected across every test of the run"]
    p_value_min_effect_holm: Annotated[float, "Holm-corrected across every test of the run"]
    critical_value: Annotated[float, "c of the simultaneous intervals gap ± c se at 1 - alpha"]
    largest_pair: Annotated[str, "the pair 'a-b' with the largest |t|"]
    simultaneous_intervals: Annotated[dict[str, list[float]], "pair 'a-b' -> [low, high], simultaneous at 1 - alpha"]
    n_pairs: int
    verdict: Literal["bias", "no_material_bias", "inconclusive"]
    verdict_reason: str


class SimpleEffect(TypedDict):
    groups: Annotated[list[str], "gap = mean of the first minus the second (a pair of the attribute)"]
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    p_value_holm: float | None
    verdict: Literal["bias", "no_material_bias", "inconclusive"]


class Intersection(TypedDict):
    """An attribute whose four groups cross two two-group attributes (auditkit.probes._intersection)."""
    attributes: Annotated[list[str], "the two crossed attributes, e.g. ['gender', 'race']"]
    levels: Annotated[dict[str, list[str]], "attribute -> its two levels"]
    grid: Annotated[dict[str, dict[str, float | None]], "level of the first -> level of the second -> group mean"]
    cells: Annotated[dict[str, dict[str, str]], "the same layout: which group each cell is"]
    simple_effects: Annotated[dict[str, SimpleEffect], "'<attribute> among <level>' -> that gap (a pair's test)"]
    interaction_definition: Annotated[str, "the contrast in words"]
    interaction: Annotated[GapTest, "the interaction contrast per matched set, by the crossed t test, in the run's "
                                    "Holm family"]


class BiasScope(GapTest):
    groups: Annotated[list[str], "the attribute's groups, lexicon order"]
    gap_groups: Annotated[list[str], "gap = mean score of the first minus the second"]
    gap_definition: Annotated[str, "the gap in words, e.g. 'female - male'"]
    group_means: Annotated[dict[str, float | None], "mean target probability per group"]
    families_combined: Annotated[list[str], "families whose gaps are averaged (equal weights) into this one"]
    ci_level: Annotated[float, "confidence level of ci_low/ci_high (1 - alpha)"]
    influence: Annotated[Influence | None, "leave-one-out gaps and the unit that carries the verdict, if one does; "
                                           "null when not measured (older runs)"]
    flip_rate: Annotated[float | None, "share of matched sets whose predicted label changes"]
    ctf_gap: Annotated[float | None, "mean |f(x) - f(x')| (Garg et al. 2019)"]
    placebo_flip_rate: Annotated[float | None, "the same for swaps within one group"]
    placebo_ctf_gap: float | None
    by_valence: Annotated[dict[str, ValenceGap], "positive / negative / neutral templates (descriptive)"]
    logit: Annotated[LogitGap | None, "the gap on the logit scale (descriptive)"]
    note: NotRequired[Annotated[str, "e.g. families left out of the combined gap"]]
    swaps: NotRequired[Annotated[SwapSummary, "dataset_counterfactual only: which evaluation texts were swapped"]]
    pairs: NotRequired[Annotated[dict[str, PairTest], "3+ groups: every pair 'a-b'"]]
    omnibus: NotRequired[Annotated[OmnibusTest, "3+ groups with every pair tested: one max-|t| test of them all"]]
    intersection: NotRequired[Annotated[Intersection, "four groups crossing two attributes: the 2 x 2 grid, simple "
                                                      "effects and the interaction contrast"]]


class WorstPair(TypedDict):
    family: str
    template_id: str
    instance_id: str
    group_a: str
    group_b: str
    text_a: str
    text_b: str
    score_a: float
    score_b: float
    difference: Annotated[float, "score_a - score_b"]


class BiasAttribute(BiasScope):
    families: Annotated[dict[str, BiasScope], "the same statistics per probe family"]
    skipped_families: NotRequired[Annotated[dict[str, str], "family -> why it has no rows"]]
    worst_pairs: Annotated[list[WorstPair], "the largest differences, both texts"]
    headline_class: NotRequired[Annotated[str, "per-class runs: the class (or label) this headline entry is "
                                               "(a copy of bias.classes[class][attribute])"]]
    headline_reason: NotRequired[Annotated[str, "per-class runs: why that class heads the attribute"]]


class BiasSettings(TypedDict):
    attributes: Annotated[list[str], "probed attributes, in order (each is a key of bias)"]
    families: dict[str, list[str]]
    alpha: float
    min_effect: float
    n_boot: int
    seed: int
    confidence_level: float
    test: str
    min_effect_test: Annotated[str, "what the bias verdict tests; 'not measured' in older runs"]
    equivalence: str
    interval: Annotated[str, "which interval each stored bound is"]
    influence: Annotated[str, "how single templates, rows and terms are checked; 'not measured' in older runs"]
    se_bootstrap: Annotated[str, "how se_bootstrap is drawn; 'not measured' in older runs"]
    power: Annotated[str, "how mde and mde_bias are computed; 'not measured' in older runs"]
    omnibus: Annotated[str, "how attributes with 3+ groups are tested at once; 'not measured' in older runs"]
    intersection: Annotated[str, "how crossed attributes are tested; 'not measured' in older runs"]
    unit: Annotated[str, "the unit of inference"]
    family_weights: str
    min_rows: Annotated[int | None, "fewest lexicon rows a test needs; null in runs migrated from schema 1"]
    correction: str
    n_tests: int
    n_sentences: int
    lexicons: Annotated[dict[str, str], "attribute -> lexicon source"]
    language: NotRequired[Annotated[str, "language of the texts probed (en, zh): the packs of that language were used "
                                         "(--language, or detected from the evaluation texts)"]]
    classes: NotRequired[Annotated[list[str], "per-class runs: the classes (or labels) probed, model id order"]]
    flip: NotRequired[Annotated[str, "per-class and multi-label runs: what a flip is (predicted class, or a "
                                     "label's thresholded decision)"]]


class ObservedGroup(TypedDict):
    n: int
    small: bool
    n_positive: int
    selection_rate: float
    true_positive_rate: float | None
    false_positive_rate: float | None
    accuracy: float
    subgroup_auc: float | None
    bpsn_auc: float | None
    bnsp_auc: float | None


class FairnessInterval(TypedDict):
    ci_low: float | None
    ci_high: float | None


class FairnessBootstrap(TypedDict):
    n_boot: int
    seed: int
    confidence_level: float
    method: Annotated[str, "how the intervals are drawn: simultaneous over every pair of groups, or (older runs) a "
                           "percentile interval of the pair picked from the data"]


class ObservedGroups(TypedDict):
    groups: dict[str, ObservedGroup]
    n_missing: Annotated[int, "rows without a group value"]
    small_groups: list[str]
    demographic_parity_difference: float | None
    demographic_parity_ratio: float | None
    true_positive_rate_difference: float | None
    false_positive_rate_difference: float | None
    equalized_odds_difference: float | None
    between: Annotated[dict[str, list[str] | None], "measure -> [group with the max, group with the min]"]
    intervals: Annotated[dict[str, FairnessInterval], "measure -> interval of the difference between the groups in "
                                                      "between, simultaneous over every pair (see bootstrap.method)"]
    fairlearn: Annotated[dict[str, float | None], "measure -> fairlearn's value over every group (undefined rates as 0)"]
    excluded_groups: Annotated[dict[str, dict[str, str]], "measure -> group -> why it was left out"]
    bootstrap: FairnessBootstrap


class Bias(TypedDict):
    """Every other key of ``bias`` is a probed attribute (listed in ``settings.attributes``)."""

    target_label: Annotated[str | None, "the label whose probability is the probe score; null when every class "
                                        "(or label) was probed: see classes"]
    target_label_reason: str
    classes: NotRequired[Annotated[dict[str, dict[str, BiasAttribute]],
                                   "per-class runs (multi-class without --target-label, multi-label): class -> "
                                   "attribute -> statistics; ONE Holm correction runs over every class x attribute "
                                   "test before any verdict"]]
    settings: NotRequired[Annotated[BiasSettings, "absent when probes did not run (the section holds observed groups only)"]]
    observed_groups: NotRequired[Annotated[dict[str, ObservedGroups], "per --group-col, target label as positive"]]


#: ``bias``'s keys that are not attributes; every other key is a :class:`BiasAttribute`.
_EXTRA_KEYS: dict[type, tuple[type, str]] = {Bias: (BiasAttribute, "<attribute>")}

# --------------------------------------------------------------------------- attributions


class Faithfulness(TypedDict):
    metric: Literal["deletion_aopc"]
    n_examples: int
    fractions: list[float]
    curve: list[float]
    random_curve: list[float]
    aopc: float | None
    random_aopc: float | None
    aopc_gain: Annotated[float | None, "aopc - random_aopc"]


class IdentityShareByKind(TypedDict):
    dataset: float | None
    probe_pair: float | None


class Attributions(TypedDict):
    method: Literal["integrated_gradients", "input_x_gradient", "occlusion", "word_ablation", "kernel_shap", "lime"]
    approach: Annotated[Literal["gradient", "perturbation"],
                        "gradient: through a local PyTorch model's input embeddings; perturbation: words removed and "
                        "the model asked again (the only kind for endpoints and other black-box models)"]
    n_examples: Annotated[int, "dataset rows + both sides of each probe pair"]
    n_dataset_examples: int
    n_probe_pairs: int
    kinds: Annotated[dict[str, int], "rows per selection kind"]
    target: str
    n_steps_used: Annotated[dict[str, int], "integration steps -> examples"]
    tolerance: float | None
    mean_abs_convergence_delta: float | None
    max_abs_convergence_delta: float | None
    identity_share: Annotated[float | None, "share of |attribution| on identity words"]
    identity_share_by_group: Annotated[dict[str, dict[str, float | None]] | None, "attribute -> group -> share"]
    identity_share_by_kind: IdentityShareByKind | None
    faithfulness: Faithfulness | None
    top_words: Annotated[dict[str, list[tuple[str, float, int]]], "class -> [word, mean score, count]"]
    notes: list[str]
    weights: NotRequired[Annotated[str, "the weights attributed: those that predicted, or (int8 runs) the fp32 weights the "
                                        "int8 model was made from; gradients never pass through an int8 product"]]


# --------------------------------------------------------------------------- the record


class Options(TypedDict):
    n_boot: int
    seed: int
    batch_size: int
    confidence_level: float
    n_bins: int
    min_group_size: int
    probes: list[str]
    language: NotRequired[Annotated[str, "--language: en, zh or auto (detected from the evaluation texts)"]]
    probe_families: Annotated[list[str], "empty: every family"]
    target_label: str | None
    lexicon_files: list[str]
    alpha: float
    min_effect: float
    probe_n_boot: Annotated[int, "pigeonhole-bootstrap resamples of each probe gap's se_bootstrap check (schema 2 "
                                 "and 3: of its interval)"]
    max_probe_sentences: Annotated[int | None, "cap on the template sentences scored; null in runs migrated from schema 1 or 2"]
    attributions: int
    attribution_method: str


class TableRecord(TypedDict):
    """What ties a Parquet table to its run: readers refuse a table whose bytes differ (changed, or copied in)."""

    sha256: Annotated[str, "SHA-256 of the .parquet file's bytes, hex"]
    n_rows: int


class RunRecord(TypedDict):
    schema_version: Annotated[Literal[4], "this contract's version"]
    run_id: Annotated[str, "UTC time and a random suffix"]
    created_at: Annotated[str, "ISO-8601 UTC"]
    model: Model
    dataset: Dataset
    metrics: Annotated[Metrics | MultiLabelMetrics, "single-label runs: Metrics; multi-label runs: MultiLabelMetrics"]
    bias: NotRequired[Annotated[Bias, "absent when the audit ran with --probes none"]]
    attributions: NotRequired[Annotated[Attributions, "absent when the audit ran with --attributions 0"]]
    options: Annotated[Options, "the audit options"]
    timings: Annotated[dict[str, float], "stage -> seconds"]
    tables: Annotated[dict[str, TableRecord] | None, "table name (predictions, probes, attributions) -> its hash and rows, "
                                                     "one per .parquet file of the run; null in runs migrated from schema 1 "
                                                     "or 2, whose tables were not recorded"]


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableColumn:
    name: str
    type: str  # "str", "int", "float", "bool", "list[str]", "list[float]", with "| None" when nullable
    doc: str = ""


#: Columns of each Parquet table, in order. ``prob_<label>`` and ``<group column>`` stand for
#: one column per model label / per ``dataset.group_cols`` entry.
TABLES: dict[str, tuple[TableColumn, ...]] = {
    "predictions": (
        TableColumn("text", "str"),
        TableColumn("label", "str", "true label name"),
        TableColumn("label_id", "int"),
        TableColumn("predicted", "str", "predicted label name"),
        TableColumn("predicted_id", "int"),
        TableColumn("prob_<label>", "float", "one per model label, model id order"),
        TableColumn("confidence", "float", "the largest probability"),
        TableColumn("correct", "bool"),
        TableColumn("<group column>", "str", "one per dataset.group_cols entry, named as in the data"),
    ),
    "probes": (
        TableColumn("attribute", "str"),
        TableColumn("family", "str"),
        TableColumn("template_id", "str", "'dataset' for dataset_counterfactual rows"),
        TableColumn("instance_id", "str", "the matched set"),
        TableColumn("row", "int", "lexicon row (templates) or text index (dataset_counterfactual)"),
        TableColumn("group", "str"),
        TableColumn("text", "str"),
        TableColumn("word", "str | None", "emotion/situation word of the template; dataset_counterfactual: the "
                                          "swapped term the statistics cluster by ('she/he')"),
        TableColumn("valence", "str | None"),
        TableColumn("stratum", "str | None", "dataset_counterfactual: the original text's group"),
        TableColumn("score", "float", "probability of bias.target_label; in a per-class run, of the row's "
                                      "attribute's headline class (bias.<attribute>.headline_class)"),
        TableColumn("predicted_label", "str", "argmax class; multi-label: the label or 'not <label>' at its threshold"),
        TableColumn("prob_<label>", "float", "one per model label, model id order: every class's probability (a "
                                             "multi-label run: sigmoid), so compare can test every class"),
    ),
    "attributions": (
        TableColumn("text", "str"),
        TableColumn("target", "str", "the class explained"),
        TableColumn("target_id", "int"),
        TableColumn("words", "list[str]"),
        TableColumn("scores", "list[float]", "one per word"),
        TableColumn("convergence_delta", "float | None"),
        TableColumn("n_steps", "int"),
        TableColumn("kind", "str", "selection kind, or 'probe_pair'"),
        TableColumn("pair_id", "str | None"),
        TableColumn("side", "str | None", "'high' or 'low' for probe pairs"),
        TableColumn("attribute", "str | None"),
        TableColumn("group", "str | None"),
        TableColumn("row", "int", "row in the data (-1 for probe pairs)"),
    ),
}


#: ``predictions.parquet`` of a multi-label run (in place of ``TABLES["predictions"]``).
MULTILABEL_PREDICTIONS: tuple[TableColumn, ...] = (
    TableColumn("text", "str"),
    TableColumn("labels", "str", "the true label set, names joined by '|' (empty: no label)"),
    TableColumn("predicted", "str", "the predicted label set, names joined by '|'"),
    TableColumn("true_<label>", "int", "one per model label, model id order: 1 when the example carries it"),
    TableColumn("prob_<label>", "float", "one per model label: its sigmoid probability"),
    TableColumn("pred_<label>", "int", "one per model label: 1 when prob_<label> >= its threshold"),
    TableColumn("exact_match", "bool", "the whole label set is predicted exactly"),
    TableColumn("<group column>", "str", "one per dataset.group_cols entry, named as in the data"),
)


def table_layout(name: str, record: dict) -> tuple[TableColumn, ...]:
    """The columns (placeholders not expanded) table ``name`` has in ``record``'s run."""
    if name == "predictions" and is_multi_label(record):
        return MULTILABEL_PREDICTIONS
    return TABLES[name]


def _expanded(name: str, record: dict, *, written_version: int = SCHEMA_VERSION) -> list[tuple[str, str]]:
    """(column, type) of table ``name`` for ``record`` as ``written_version`` wrote it, placeholders expanded."""
    out = []
    for col in table_layout(name, record):
        if ADDED_COLUMNS.get((name, col.name), 0) > written_version:
            continue
        if col.name.endswith("_<label>"):
            prefix = col.name[: -len("<label>")]
            out += [(f"{prefix}{label}", col.type) for label in record["model"]["labels"]]
        elif col.name == "<group column>":
            out += [(g, col.type) for g in record["dataset"]["group_cols"]]
        else:
            out.append((col.name, col.type))
    return out


def table_columns(name: str, record: dict) -> list[str]:
    """The exact column names of table ``name`` for ``record`` (placeholders expanded)."""
    return [column for column, _ in _expanded(name, record)]


#: Columns a table gained in a schema version: (table, column placeholder) -> the version that added it.
#: A run written before that version is read without them (nothing is guessed for it).
ADDED_COLUMNS = {("probes", "prob_<label>"): 4}


def validate_table(name: str, frame: pd.DataFrame, record: dict, *, written_version: int = SCHEMA_VERSION) -> None:
    """Raise :class:`SchemaError` when ``frame`` does not have table ``name``'s columns and kinds (those of
    the contract ``written_version`` wrote: columns added since are not expected of an older run)."""
    if name not in TABLES:
        raise SchemaError(f"{name}.parquet", f"not a table of the contract (tables: {', '.join(TABLES)})")
    kinds = dict(_expanded(name, record, written_version=written_version))
    expected = list(kinds)
    if list(frame.columns) != expected:
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        what = (f"missing {missing}" if missing else "") + ("; " if missing and extra else "") + (f"unexpected {extra}" if extra else "")
        raise SchemaError(f"{name}.parquet", f"columns {what or 'in another order'}; expected {expected}")
    for column in expected:
        kind = kinds[column].split(" ")[0]
        if kind not in _COLUMN_KINDS:
            continue
        dtype_ok, scalar_types = _COLUMN_KINDS[kind]
        series = frame[column]
        if dtype_ok(series):
            continue
        if series.dtype == object and all(isinstance(v, scalar_types) and not isinstance(v, (bool, np.bool_)) or kind == "bool"
                                          and isinstance(v, (bool, np.bool_)) for v in series.dropna()):
            continue  # e.g. floats with None for "not finite"
        raise SchemaError(f"{name}.parquet", f"column {column!r} must hold {kinds.get(column, kind)} values, has dtype {series.dtype}")


_COLUMN_KINDS = {
    "int": (pd.api.types.is_integer_dtype, (int, np.integer)),
    "float": (pd.api.types.is_float_dtype, (float, int, np.floating, np.integer)),
    "bool": (pd.api.types.is_bool_dtype, (bool, np.bool_)),
}


# --------------------------------------------------------------------------- introspection


def _hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def _unwrap(tp):
    """(type, doc) of a possibly Annotated / NotRequired type."""
    doc = ""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp, *meta = typing.get_args(tp)
            doc = doc or next((m for m in meta if isinstance(m, str)), "")
        elif origin is NotRequired:
            tp = typing.get_args(tp)[0]
        else:
            return tp, doc


def _is_typeddict(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _fields(cls) -> list[tuple[str, Any, str, bool]]:
    """(key, type, doc, required) for each key of a TypedDict, in declaration order."""
    out = []
    for key, hint in _hints(cls).items():
        tp, doc = _unwrap(hint)
        out.append((key, tp, doc, key in cls.__required_keys__))
    return out


def _type_name(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return "null"
    if origin in (Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin is list:
        return f"[{_type_name(args[0])}]"
    if origin is tuple:
        return "[" + ", ".join(_type_name(a) for a in args) + "]"
    if origin is dict:
        return f"{{str: {_type_name(args[1])}}}"
    return tp.__name__


# --------------------------------------------------------------------------- validation


#: How a JSON value's type reads in an error; bool before int, since a bool is an int in Python.
_KINDS = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"), (list, "a list"), (dict, "an object"))


def _kind_of(value) -> str:
    if value is None:
        return "null"
    return next((kind for tp, kind in _KINDS if isinstance(value, tp)), type(value).__name__)


def _check(value, tp, path: str) -> None:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        errors = []
        for option in args:
            try:
                return _check(value, option, path)
            except SchemaError as exc:
                errors.append(exc)
        deepest = max(errors, key=lambda e: len(e.path))
        if deepest.path != path:
            raise deepest
        raise SchemaError(path, f"expected {_type_name(tp)}, got {_kind_of(value)}")
    if tp is type(None):
        if value is not None:
            raise SchemaError(path, f"expected null, got {_kind_of(value)}")
        return
    if origin is Literal:
        if value not in args or isinstance(value, bool) != any(isinstance(a, bool) for a in args):
            raise SchemaError(path, f"expected {_type_name(tp)}, got {json.dumps(value, default=str)[:60]}")
        return
    if tp is Any:
        return
    if tp is bool:
        if not isinstance(value, bool):
            raise SchemaError(path, f"expected a boolean, got {_kind_of(value)}")
        return
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(path, f"expected an integer, got {_kind_of(value)}")
        return
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
            raise SchemaError(path, f"expected a finite number, got {_kind_of(value)}")
        return
    if tp is str:
        if not isinstance(value, str):
            raise SchemaError(path, f"expected a string, got {_kind_of(value)}")
        return
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise SchemaError(path, f"expected a list, got {_kind_of(value)}")
        if origin is tuple:
            if len(value) != len(args):
                raise SchemaError(path, f"expected a list of {len(args)} items, got {len(value)}")
            for i, (item, item_tp) in enumerate(zip(value, args)):
                _check(item, item_tp, f"{path}[{i}]")
        else:
            for i, item in enumerate(value):
                _check(item, args[0], f"{path}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(path, f"expected an object, got {_kind_of(value)}")
        for key, item in value.items():
            _check(item, args[1], f"{path}.{key}")
        return
    if _is_typeddict(tp):
        _check_typeddict(value, tp, path)
        return
    raise TypeError(f"schema type {tp!r} is not supported")  # a bug in this module, not in a run


def _check_typeddict(value, cls, path: str) -> None:
    if not isinstance(value, dict):
        raise SchemaError(path, f"expected an object ({cls.__name__}), got {_kind_of(value)}")
    fields = _fields(cls)
    known = {key for key, *_ in fields}
    for key, tp, _, required in fields:
        where = f"{path}.{key}" if path else key
        if key in value:
            _check(value[key], tp, where)
        elif required:
            raise SchemaError(where, "missing")
    extra_type = _EXTRA_KEYS.get(cls)
    for key in value:
        if key in known:
            continue
        where = f"{path}.{key}" if path else key
        if extra_type is None:
            raise SchemaError(where, f"unknown key (a {cls.__name__} has {', '.join(sorted(known))})")
        _check(value[key], extra_type[0], where)
    if cls is Bias:
        attributes = [k for k in value if k not in known]
        listed = value["settings"]["attributes"] if "settings" in value else []  # no probes: observed groups only
        if sorted(attributes) != sorted(listed):
            raise SchemaError(f"{path}.settings.attributes", f"lists {listed} but the section holds {attributes}")


def validate_record(record: dict) -> None:
    """Raise :class:`SchemaError` unless ``record`` (JSON-ready, current version) matches the contract."""
    _check_typeddict(record, RunRecord, "")
    tables = record["tables"]
    if tables is not None:
        unknown = [name for name in tables if name not in TABLES]
        if unknown:
            raise SchemaError(f"tables.{unknown[0]}", f"not a table of the contract (tables: {', '.join(TABLES)})")
        if "predictions" not in tables:
            raise SchemaError("tables.predictions", "missing (every run has a predictions table)")
        for name, entry in tables.items():
            if not _SHA256.fullmatch(entry["sha256"]):
                raise SchemaError(f"tables.{name}.sha256", "expected 64 lower-case hex digits")
            if entry["n_rows"] < 0:
                raise SchemaError(f"tables.{name}.n_rows", "expected 0 or more")


_SHA256 = re.compile(r"[0-9a-f]{64}")


def bias_attribute_names(bias: dict) -> list[str]:
    """The probed attributes of a validated ``bias`` section, in the order probed."""
    return list(bias["settings"]["attributes"])


# --------------------------------------------------------------------------- migration


def _migrate_1_to_2(record: dict) -> dict:
    """Schema 1 bias scopes carried ``significant`` (iid paired tests) and none of the verdict fields.

    The verdict becomes "bias" where schema 1 found a significant gap and "inconclusive" elsewhere
    (schema 1 ran no equivalence test); the statistics schema 1 did not compute read as null.
    """
    options = record.get("options")
    if isinstance(options, dict):  # schema 1 probes resampled n_boot times (1000 when n_boot was 0)
        options.setdefault("probe_n_boot", options.get("n_boot") or 1000)
    bias = record.get("bias")
    if not isinstance(bias, dict) or not isinstance(bias.get("settings"), dict):
        return record
    settings = bias["settings"]
    for key in ("equivalence", "interval", "unit", "family_weights"):
        settings.setdefault(key, "not recorded (schema 1)")
    settings.setdefault("min_rows", None)
    for name in settings.get("attributes") or []:
        entry = bias.get(name)
        if not isinstance(entry, dict):
            continue
        families = entry.get("families") or {}
        for family, scope in [(None, entry), *families.items()]:
            if not isinstance(scope, dict):
                continue
            significant = scope.pop("significant", None)
            scope.pop("p_value_wilcoxon", None)
            for pair in (scope.get("pairs") or {}).values():
                if isinstance(pair, dict):
                    pair_significant = pair.pop("significant", None)
                    pair.pop("p_value_wilcoxon", None)
                    pair.setdefault("verdict", "bias" if pair_significant else "inconclusive")
                    pair.setdefault("verdict_reason", "migrated from schema 1")
                    for key in ("se", "df", "p_value_equivalence", "n_rows", "n_templates"):
                        pair.setdefault(key, None)
            scope.setdefault("verdict", "bias" if significant else "inconclusive")
            scope.setdefault("verdict_reason", "schema 1: Holm-corrected p below alpha and |gap| at least the minimum effect"
                             if significant else "schema 1: not significant, and no equivalence test was run")
            scope.setdefault("ci_level", settings.get("confidence_level"))
            scope.setdefault("families_combined", list(families) if family is None else [family])
            scope.setdefault("by_valence", {})
            for key in ("se", "df", "p_value_equivalence", "n_rows", "n_templates", "placebo_flip_rate",
                        "placebo_ctf_gap", "logit"):
                scope.setdefault(key, None)
    return record


def _migrate_2_to_3(record: dict) -> dict:
    """Schema 2 runs audited Hugging Face checkpoints only, with gradient methods or token occlusion; schema 3
    also records each table's hash and rows (``tables``) and the probe-sentence cap, which schema 2 did not (null)."""
    model = record.get("model")
    if isinstance(model, dict):
        model.setdefault("kind", "transformers")
    attributions = record.get("attributions")
    if isinstance(attributions, dict):
        attributions.setdefault("approach", "perturbation" if attributions.get("method") == "occlusion" else "gradient")
    record.setdefault("tables", None)
    if isinstance(record.get("options"), dict):
        record["options"].setdefault("max_probe_sentences", None)
    return record


#: What a statistic added with the crossed t intervals reads as in an older run: measured by nobody, never guessed.
NOT_MEASURED = "not measured (run written before auditkit measured it)"


def _gap_test_3_to_4(test: dict) -> None:
    test.setdefault("ci_kind", "pigeonhole_percentile")
    for key in ("tost_low", "tost_high", "holm_ci_low", "holm_ci_high", "se_bootstrap", "p_value_min_effect",
                "p_value_min_effect_holm", "mde", "mde_bias"):
        test.setdefault(key, None)


def _migrate_3_to_4(record: dict) -> dict:
    """Schema 4 added the t interval's kind, the equivalence and Holm intervals, the minimum-effect test,
    influence and the bootstrap check of se; schema 2 and 3 runs keep their pigeonhole percentile intervals and
    verdicts as written (``ci_kind`` says so), and every statistic they did not compute reads as null."""
    bias = record.get("bias")
    if not isinstance(bias, dict):
        return record
    for observed in (bias.get("observed_groups") or {}).values():
        if isinstance(observed, dict) and isinstance(observed.get("bootstrap"), dict):
            observed["bootstrap"].setdefault("method", "percentile interval of the pair picked from the data "
                                                       "(run written before auditkit measured it)")
    settings = bias.get("settings")
    if not isinstance(settings, dict):
        return record
    for key in ("min_effect_test", "influence", "se_bootstrap", "power", "omnibus", "intersection"):
        settings.setdefault(key, NOT_MEASURED)
    attributes = [bias.get(name) for name in settings.get("attributes") or []]
    attributes += [e for per in (bias.get("classes") or {}).values() if isinstance(per, dict) for e in per.values()]
    for entry in attributes:
        if not isinstance(entry, dict):
            continue
        for scope in [entry, *(entry.get("families") or {}).values()]:
            if not isinstance(scope, dict):
                continue
            _gap_test_3_to_4(scope)
            scope.setdefault("influence", None)
            for pair in (scope.get("pairs") or {}).values():
                if isinstance(pair, dict):
                    _gap_test_3_to_4(pair)
    return record


_MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4}


def migrate_record(record: dict) -> dict:
    """``record`` brought to :data:`SCHEMA_VERSION` (a copy); the version must be known and not newer."""
    version = record["schema_version"]
    record = json.loads(json.dumps(record))
    while version < SCHEMA_VERSION:
        record = _MIGRATIONS[version](record)
        version += 1
    record["schema_version"] = version
    return record


# --------------------------------------------------------------------------- documents


def _json_type(tp, defs: dict) -> dict:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return {"anyOf": [_json_type(a, defs) for a in args]}
    if tp is type(None):
        return {"type": "null"}
    if origin is Literal:
        return {"enum": list(args)} if len(args) > 1 else {"const": args[0]}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp in simple:
        return {"type": simple[tp]}
    if origin is list:
        return {"type": "array", "items": _json_type(args[0], defs)}
    if origin is tuple:
        return {"type": "array", "prefixItems": [_json_type(a, defs) for a in args], "items": False, "minItems": len(args)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _json_type(args[1], defs)}
    if _is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # reserve (and stop recursion)
            defs[name] = _json_object(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"schema type {tp!r} is not supported")


def _json_object(cls, defs: dict) -> dict:
    props, required = {}, []
    for key, tp, doc, req in _fields(cls):
        props[key] = _json_type(tp, defs)
        if doc:
            props[key]["description"] = doc
        if req:
            required.append(key)
    out = {"type": "object", "properties": props, "required": required}
    extra = _EXTRA_KEYS.get(cls)
    out["additionalProperties"] = _json_type(extra[0], defs) if extra else False
    if cls.__doc__ and cls.__doc__ != dict.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
        out["description"] = " ".join(cls.__doc__.split())
    return out


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of ``run.json`` at :data:`SCHEMA_VERSION`."""
    defs: dict = {}
    root = _json_object(RunRecord, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://auditkit.invalid/run.schema.v{SCHEMA_VERSION}.json",
        "title": f"auditkit run.json (schema_version {SCHEMA_VERSION})",
        "description": "Generated from auditkit/store/schema.py; do not edit.",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _typeddicts_in_order() -> list[type]:
    seen: list[type] = []

    def visit(tp):
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if _is_typeddict(tp):
            if tp in seen:
                return
            seen.append(tp)
            for _, ftp, _, _ in _fields(tp):
                visit(ftp)
            if tp in _EXTRA_KEYS:
                visit(_EXTRA_KEYS[tp][0])
        elif origin is not None and origin is not Literal:
            for a in args:
                visit(a)

    visit(RunRecord)
    return seen


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a pipe ends a Markdown table cell, even inside backticks


def _prose(text: str) -> str:
    """A meaning cell: brackets escaped, so ``hf:NAME[/CONFIG][:SPLIT]`` is not read as a Markdown link reference."""
    return _cell(text).replace("[", "\\[").replace("]", "\\]")


def contract_markdown() -> str:
    """The run contract as Markdown (the generated part of docs/ARCHITECTURE.md)."""
    lines = [f"`run.json` (schema_version {SCHEMA_VERSION}) is a `RunRecord`. Optional keys are marked "
             "\"no\" under *required*; `a | null` may be null; no other key is allowed.", ""]
    for cls in _typeddicts_in_order():
        lines += [f"#### {cls.__name__}", ""]
        if cls in _EXTRA_KEYS:
            extra, label = _EXTRA_KEYS[cls]
            lines += [f"Every other key `{label}` holds a `{extra.__name__}`.", ""]
        lines += ["| key | type | required | meaning |", "| --- | --- | --- | --- |"]
        for key, tp, doc, required in _fields(cls):
            lines.append(f"| `{key}` | `{_cell(_type_name(tp))}` | {'yes' if required else 'no'} | {_prose(doc)} |")
        lines.append("")
    lines += ["#### Parquet tables", ""]
    for name, columns in TABLES.items():
        lines += [f"`{name}.parquet`, columns in this order:", "", "| column | type | meaning |", "| --- | --- | --- |"]
        lines += [f"| `{c.name}` | `{_cell(c.type)}` | {_prose(c.doc)} |" for c in columns]
        lines.append("")
    lines += ["`predictions.parquet` of a multi-label run (metrics.task is \"multi_label\"), columns in this order:", "",
              "| column | type | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{c.name}` | `{_cell(c.type)}` | {_prose(c.doc)} |" for c in MULTILABEL_PREDICTIONS]
    lines.append("")
    return "\n".join(lines).rstrip() + "\n"


DOCS = Path(__file__).resolve().parents[2] / "docs"
BEGIN, END = "<!-- BEGIN run contract: generated by make schema -->", "<!-- END run contract -->"


def architecture_with_contract(text: str) -> str:
    """``docs/ARCHITECTURE.md`` text with its generated contract block replaced."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{contract_markdown()}{END}{tail}"


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


def write_docs() -> None:
    """Regenerate ``docs/run.schema.json`` and the contract block of ``docs/ARCHITECTURE.md``."""
    (DOCS / "run.schema.json").write_text(json_schema_text(), encoding="utf-8")
    arch = DOCS / "ARCHITECTURE.md"
    arch.write_text(architecture_with_contract(arch.read_text(encoding="utf-8")), encoding="utf-8")
