"""Run every audit stage over one classifier and one dataset.

The runner is a short template pipeline (as HF evaluate's evaluator): each
stage is a small function that adds a section to the run record and,
optionally, a table; each is timed into ``record["timings"]``. Nothing here
reads or writes files: the CLI stores the result with :mod:`auditkit.store`.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from auditkit._bounds import check_option
from auditkit._format import number
from auditkit._language import resolve_language
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError
from auditkit.metrics import evaluate_multilabel, evaluate_predictions
from auditkit.models import Classifier, Predictions
from auditkit.models._thresholds import DEFAULT_THRESHOLD, check_thresholds
from auditkit.models._labels import check_label_columns, check_multilabel_names, map_label_sets, map_labels
from auditkit.models._protocol import model_section


@dataclass
class AuditOptions:
    """What an audit computes (the CLI's defaults are read from here)."""

    n_boot: int = 1000
    seed: int = 0
    batch_size: int = 64
    confidence_level: float = 0.95
    n_bins: int = 15
    min_group_size: int = 30
    #: Bias probe attributes (see ``auditkit probes list``; "all": every one); empty skips probes.
    probes: tuple[str, ...] = ("gender", "race")
    #: Language of the texts ("en", "zh"; "auto": detected from the evaluation texts): picks the probe packs.
    #: With the default probes, a language other than English probes every attribute of its packs.
    language: str = "auto"
    #: Probe families to run (see auditkit.probes.run_probes); empty runs every family.
    probe_families: tuple[str, ...] = ()
    target_label: str | None = None
    lexicon_files: tuple[str, ...] = ()
    alpha: float = 0.05
    min_effect: float = 0.02
    #: Pigeonhole-bootstrap resamples of each probe interval.
    probe_n_boot: int = 2000
    #: Refuse (before predicting) a probe set with more template sentences than this; the error says the cost.
    max_probe_sentences: int = 200_000
    #: How many examples to attribute (0 skips attributions).
    attributions: int = 24
    #: "auto": integrated gradients for a local PyTorch model, word ablation for any other kind.
    attribution_method: str = "auto"

    def validate(self) -> None:
        """Raise :class:`~auditkit.errors.ConfigError` (one line, naming the parameter) for bad values.

        Every number is checked against its range in :mod:`auditkit._bounds` (the same ranges the gate
        policy and the comparison use), so a bad value fails before anything is loaded or predicted.
        """
        for name in ("n_boot", "seed", "batch_size", "confidence_level", "n_bins", "min_group_size", "alpha",
                     "min_effect", "probe_n_boot", "attributions", "max_probe_sentences"):
            check_option(name, getattr(self, name))
        if self.target_label is not None and not isinstance(self.target_label, (str, int)):
            raise ConfigError(f"target_label must be a label name or id, got {self.target_label!r}", parameter="target_label")
        resolve_language(self.language, ())  # a misspelt --language fails before anything is loaded


@dataclass
class AuditResult:
    """The run record and its tables, ready for :func:`auditkit.store.write_run`."""

    record: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def predictions_frame(dataset: TextDataset, probabilities: np.ndarray, y_true: np.ndarray | None, labels: list[str]) -> pd.DataFrame:
    """One row per example: text, true and predicted label, a probability per class, group columns."""
    predicted = probabilities.argmax(axis=1)
    frame = pd.DataFrame({"text": dataset.texts})
    if y_true is not None:
        frame["label"] = [labels[i] for i in y_true]
        frame["label_id"] = y_true.astype(np.int64)
    frame["predicted"] = [labels[i] for i in predicted]
    frame["predicted_id"] = predicted.astype(np.int64)
    for k, name in enumerate(labels):
        frame[f"prob_{name}"] = probabilities[:, k].astype(np.float64)
    frame["confidence"] = probabilities.max(axis=1).astype(np.float64)
    if y_true is not None:
        frame["correct"] = predicted == y_true
    for column, values in dataset.groups.items():
        if column in frame.columns:
            raise DataError(f"group column {column!r} clashes with a predictions column; rename it in the data")
        frame[column] = values
    return frame


def multilabel_predictions_frame(dataset: TextDataset, probabilities: np.ndarray, y_true: np.ndarray,
                                 labels: list[str], thresholds: np.ndarray) -> pd.DataFrame:
    """One row per example of a multi-label run: text, true and predicted label sets, per label truth /
    probability / decision, exact match, group columns (``schema.MULTILABEL_PREDICTIONS``)."""
    y_pred = (probabilities >= thresholds).astype(np.int64)

    def joined(matrix):
        return ["|".join(labels[k] for k in np.flatnonzero(row)) for row in matrix]

    columns = {"text": dataset.texts, "labels": joined(y_true), "predicted": joined(y_pred)}
    columns |= {f"true_{name}": y_true[:, k].astype(np.int64) for k, name in enumerate(labels)}
    columns |= {f"prob_{name}": probabilities[:, k].astype(np.float64) for k, name in enumerate(labels)}
    columns |= {f"pred_{name}": y_pred[:, k] for k, name in enumerate(labels)}
    columns["exact_match"] = (y_pred == y_true).all(axis=1)
    frame = pd.DataFrame(columns)
    for column, values in dataset.groups.items():
        if column in frame.columns:
            raise DataError(f"group column {column!r} clashes with a predictions column; rename it in the data")
        frame[column] = values
    return frame


def check_audit_options(classifier: Classifier, dataset: TextDataset, options: AuditOptions, *, thresholds=None) -> None:
    """Refuse (one line) what would fail an audit only after predicting: labels the model does not know, a bad
    probe attribute, lexicon or target label, an attribution method that is unknown or that the model cannot take.
    :func:`run_audit` checks the same; a caller that predicts first (the CLI, chunk by chunk) calls it before."""
    _truth(classifier, dataset, thresholds)
    _check_options(classifier, dataset, options)


def _truth(classifier, dataset: TextDataset, thresholds):
    """The true labels as the model's class ids (an indicator matrix when multi-label) and the checked thresholds."""
    if dataset.labels is None:
        raise DataError("an audit needs labels; load the dataset with label_col naming the label column", parameter="label_col")
    labels = classifier.labels
    label_sets = bool(dataset.labels) and isinstance(dataset.labels[0], tuple)
    if classifier.multi_label:
        check_multilabel_names(labels, where=f"model {classifier.name!r}")
        thresholds = check_thresholds(labels, [DEFAULT_THRESHOLD] * len(labels) if thresholds is None else thresholds)
        if not label_sets:
            raise ConfigError(f"{classifier.name!r} is a multi-label classifier but the dataset holds one label per "
                              "example; load it with multi_label=True (label_col: one 0/1 column per label, or one "
                              "column of label lists)", parameter="multi_label")
        if dataset.label_columns:
            check_label_columns(dataset.label_columns, labels)
        y_true = map_label_sets(dataset.labels, labels)
    else:
        if thresholds is not None:
            raise ConfigError(f"decision thresholds apply to multi-label models; {classifier.name!r} is single-label "
                              "(softmax over classes): drop thresholds", parameter="thresholds")
        if label_sets:
            raise ConfigError(f"the data holds label sets (several labels per example) but {classifier.name!r} is a "
                              "single-label classifier; give label_col one column with one class per example", parameter="label_col")
        y_true = map_labels(dataset.labels, labels)
    return y_true, thresholds


def prepare_route(classifier: Classifier, dataset: TextDataset) -> None:
    """Let a model that chooses how it computes (a PyTorch checkpoint on a CPU: its route) choose now, measuring on
    the audit's own texts and weighing a route's build time against the texts the audit predicts."""
    prepare = getattr(classifier, "prepare_route", None)
    if prepare is not None:
        prepare(dataset.texts, workload=len(dataset))


def _check_options(classifier, dataset: TextDataset, options: AuditOptions) -> None:
    options.validate()
    labels = classifier.labels
    if options.probes:  # probes: a bad attribute, lexicon or target label
        from auditkit.probes._suite import check_probe_options

        language = resolve_language(options.language, dataset.texts)
        check_probe_options(labels, attributes=_probe_attributes(options, language), target_label=options.target_label,
                            lexicon_files=tuple(options.lexicon_files), alpha=options.alpha, min_effect=options.min_effect,
                            families=tuple(options.probe_families) or None, max_sentences=options.max_probe_sentences,
                            language=language, classifier=classifier)
    if options.target_label is not None:  # probes and observed-group fairness score this label; a typo fails now
        from auditkit.probes._suite import resolve_target_label

        resolve_target_label(labels, options.target_label)
    if options.attributions:  # likewise an unknown attribution method, or one the model cannot take
        from auditkit.attribution._methods import resolve_method

        resolve_method(options.attribution_method, classifier)


def run_audit(
    classifier: Classifier,
    dataset: TextDataset,
    *,
    options: AuditOptions | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool | None = None,
    predictions: Predictions | None = None,
    thresholds=None,
) -> AuditResult:
    """Audit ``classifier`` on ``dataset``.

    Parameters
    ----------
    classifier : Classifier
        Any model kind (:func:`auditkit.models.load_model`): a checkpoint, an
        endpoint, a scikit-learn pipeline...
    dataset : TextDataset
        Must carry labels.
    options : AuditOptions, optional
    log : callable, optional
        Receives one-line progress messages (default: stderr).
    progress : bool, optional
        Progress bars; by default only on a terminal.
    predictions : Predictions, optional
        Probabilities already computed by this classifier on this dataset
        (``--resume``); the prediction stage is then skipped.
    thresholds : sequence of float, optional
        A multi-label model's decision threshold per label (default 0.5
        each); a single-label model takes none.

    Returns
    -------
    AuditResult
    """
    options = options or AuditOptions()
    options.validate()
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    labels = classifier.labels
    multi_label = classifier.multi_label
    y_true, thresholds = _truth(classifier, dataset, thresholds)
    timings: dict[str, float] = {}
    _check_options(classifier, dataset, options)

    @contextmanager
    def timed(stage: str):
        start = time.perf_counter()
        yield
        timings[stage] = round(time.perf_counter() - start, 3)

    if predictions is None:
        with timed("predict"):
            prepare_route(classifier, dataset)
            log(f"predict: {len(dataset)} texts with {classifier.name} on {classifier.where}"
                + (f" (route {classifier.route})" if getattr(classifier, "route", None) else ""))
            if getattr(classifier, "route_note", None):
                log(f"note: {classifier.route_note}")
            predictions = classifier.predict_proba(dataset.texts, batch_size=options.batch_size, progress=progress)
    elif predictions.probabilities.shape != (len(dataset), len(labels)):
        raise ConfigError(f"reused predictions have shape {predictions.probabilities.shape}, "
                          f"expected ({len(dataset)}, {len(labels)}); predict again without --resume")
    if predictions.n_truncated:
        log(f"note: {predictions.n_truncated} of {len(dataset)} texts were longer than {classifier.max_length} tokens and were truncated")
    with timed("metrics"):
        common = dict(label_names=labels, groups=dataset.groups, n_boot=options.n_boot, confidence_level=options.confidence_level,
                      seed=options.seed, n_bins=options.n_bins, min_group_size=options.min_group_size)
        metrics = (evaluate_multilabel(y_true, predictions.probabilities, thresholds=thresholds, **common) if multi_label
                   else evaluate_predictions(y_true, predictions.probabilities, **common))
        observed = None
        if dataset.groups and multi_label:
            metrics["bias_aucs"] = _label_bias_aucs(dataset, y_true, predictions.probabilities, labels, options)
            log("note: a multi-label model's observed groups: metrics.by_group (each group's multi-label scores) and "
                "metrics.bias_aucs (subgroup, BPSN and BNSP AUC per label and identity)")
        elif dataset.groups:
            observed = _observed_groups(dataset, y_true, predictions.probabilities, labels, options, log)
    record = {
        "model": model_section(classifier),
        "dataset": {
            "source": dataset.source,
            "n_examples": len(dataset),
            "fingerprint": dataset.fingerprint,
            "group_cols": list(dataset.groups),
            "n_truncated": predictions.n_truncated,
        },
        "metrics": metrics,
    }
    tables = {"predictions": multilabel_predictions_frame(dataset, predictions.probabilities, y_true, labels, thresholds)
              if multi_label else predictions_frame(dataset, predictions.probabilities, y_true, labels)}
    if options.probes:
        with timed("probes"):
            record["bias"], tables["probes"] = _bias_stage(classifier, dataset, options, log, progress, thresholds)
    if observed is not None:  # also with probes off: the bias section then holds the observed groups only
        bias = record.setdefault("bias", {"target_label": observed["target_label"], "target_label_reason": observed["target_label_reason"]})
        bias["observed_groups"] = observed["by_column"]
    if options.attributions:
        with timed("attributions"):
            record["attributions"], tables["attributions"] = _attribution_stage(
                classifier, dataset, _top_label_truth(y_true, predictions.probabilities) if multi_label else y_true,
                predictions.probabilities, tables.get("probes"), options, log, progress
            )
            if multi_label:
                record["attributions"]["target"] = "sigmoid probability of the label with the highest probability"
            # an int8 classifier attributes with its fp32 model (TextClassifier.probabilities), as does Ray's driver
            record["attributions"]["weights"] = (INT8_ATTRIBUTION_WEIGHTS if classifier.precision == "int8"
                                                 else "the weights that predicted")
            if classifier.precision == "int8":
                log(f"  note: attributions computed on the {INT8_ATTRIBUTION_WEIGHTS}")
    record["options"] = {k: getattr(options, k) for k in options.__dataclass_fields__}
    record["timings"] = timings
    return AuditResult(record=record, tables=tables)


#: What an int8 run's attributions are computed on (gradients never pass through an int8 product).
INT8_ATTRIBUTION_WEIGHTS = "fp32 weights the int8 model was made from"



def _top_label_truth(y_true: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """A class id per example for the attribution stage's error strata of a multi-label run: the top label
    (the one explained) when the example carries it, else another label, so the example counts as an error."""
    top = probabilities.argmax(axis=1)
    carried = y_true[np.arange(len(top)), top] == 1
    return np.where(carried, top, (top + 1) % probabilities.shape[1])


def _label_bias_aucs(dataset, y_true, probabilities, labels, options) -> dict:
    """The Jigsaw bias AUCs of every label's score for every group column: {column: {label: ...}}."""
    from auditkit.metrics import bias_aucs

    return {column: {label: bias_aucs(y_true[:, k], probabilities[:, k], groups=values, min_group_size=options.min_group_size)
                     for k, label in enumerate(labels)}
            for column, values in dataset.groups.items()}


def _observed_groups(dataset, y_true, probabilities, labels, options, log) -> dict | None:
    """Observed-group fairness of the target label for every group column (None when no label is favourable)."""
    from auditkit.metrics import observed_group_fairness
    from auditkit.probes._suite import resolve_target_label

    if options.target_label is None and len(labels) != 2:
        log(f"note: observed-group fairness skipped: a model with {len(labels)} labels needs --target-label (the favourable label)")
        return None
    target, reason = resolve_target_label(labels, options.target_label)
    y_pred = probabilities.argmax(axis=1)
    by_column = {
        column: observed_group_fairness(
            (y_true == target).astype(int),
            (y_pred == target).astype(int),
            sensitive_features=values,
            y_score=probabilities[:, target],
            pos_label=1,
            min_group_size=options.min_group_size,
            n_boot=options.n_boot,
            confidence_level=options.confidence_level,
            seed=options.seed,
        )
        for column, values in dataset.groups.items()
    }
    for column, entry in by_column.items():
        dpd, ci = entry["demographic_parity_difference"], entry["intervals"]["demographic_parity_difference"]
        shown = "undefined (fewer than two groups to compare)" if dpd is None else (
            number(dpd, digits=4) + (f" [{number(ci['ci_low'], digits=4)}, {number(ci['ci_high'], digits=4)}]"
                                     if ci["ci_low"] is not None else ""))
        left_out = entry["excluded_groups"]["demographic_parity_difference"]
        log(f"fairness by {column}: demographic parity difference of {labels[target]!r} {shown}"
            + (f"; left out: {', '.join(left_out)}" if left_out else ""))
    return {"target_label": labels[target], "target_label_reason": reason, "by_column": by_column}


def _identity_words(options: AuditOptions, dataset: TextDataset) -> dict:
    """The identity words attribution counts: those of the probed attributes in the data's language (without
    probes, the default attributes — every attribute of a language other than English)."""
    from auditkit.probes import identity_terms
    from auditkit.probes._packs import DEFAULT_ATTRIBUTES

    language = resolve_language(options.language, dataset.texts)
    attributes = _probe_attributes(options, language) if options.probes else (DEFAULT_ATTRIBUTES if language == "en" else None)
    return identity_terms(attributes, lexicons=tuple(options.lexicon_files), language=language)


def _probe_attributes(options: AuditOptions, language: str) -> tuple[str, ...]:
    """The attributes to probe: as asked, except that the default (gender, race: English) on texts of another
    language means every attribute of that language's packs."""
    if language != "en" and tuple(options.probes) == AuditOptions.probes:
        return ("all",)
    return tuple(options.probes)


def _bias_stage(classifier, dataset, options, log, progress, thresholds=None):
    """Counterfactual probes on templates and on the dataset's own texts."""
    from auditkit.probes import run_probes

    language = resolve_language(options.language, dataset.texts)
    attributes = _probe_attributes(options, language)
    log(f"probes ({language}): {', '.join(attributes)} counterfactuals (templates and dataset texts)")
    report = run_probes(
        classifier,
        attributes=attributes,
        language=language,
        texts=dataset.texts,
        target_label=options.target_label,
        lexicon_files=tuple(options.lexicon_files),
        families=tuple(options.probe_families) or None,
        n_boot=options.probe_n_boot,
        seed=options.seed,
        alpha=options.alpha,
        min_effect=options.min_effect,
        batch_size=options.batch_size,
        progress=progress,
        thresholds=thresholds,
        max_sentences=options.max_probe_sentences,
    )
    bias = dict(report.summary)
    for attribute in report.attributes:
        entry = bias.get(attribute) or {}
        if entry.get("gap") is not None:
            level = f"{entry['ci_level']:.0%}"
            on = f" on {entry['headline_class']!r} ({entry['headline_reason']})" if "headline_class" in entry else ""
            gap, low, high = (number(entry[k], digits=4, signed=True) for k in ("gap", "ci_low", "ci_high"))
            log(f"  {attribute}{on}: gap {gap} ({level} CI [{low}, {high}]): "
                f"{entry['verdict'].replace('_', ' ')} — {entry['verdict_reason']}")
    return bias, report.table


def _attribution_stage(classifier, dataset, y_true, probabilities, probe_table, options, log, progress):
    """Captum attributions for a stratified selection of examples and the worst probe pairs."""
    from auditkit.attribution import audit_attributions

    from auditkit.attribution import METHODS
    from auditkit.attribution._methods import resolve_method

    method = resolve_method(options.attribution_method, classifier)
    log(f"attributions: {method} ({METHODS[method].approach}) on up to {options.attributions} examples "
        "(+ worst probe pairs)")
    report = audit_attributions(
        classifier,
        texts=dataset.texts,
        probabilities=probabilities,
        y_true=y_true,
        probe_table=probe_table,
        n=options.attributions,
        method=method,
        seed=options.seed,
        # the probed attributes' words (a pack's other axes would count "old" or "straight" in every review)
        identity_words=_identity_words(options, dataset),
        progress=progress,
    )
    for note in report.summary.get("notes", []) or []:
        log(f"  note: {note}")
    return report.summary, report.table
