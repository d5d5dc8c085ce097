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

from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError, LabelMismatchError
from auditkit.metrics import evaluate_multilabel, evaluate_predictions
from auditkit.models import DEFAULT_THRESHOLD, TextClassifier, map_label_sets, map_labels, resolve_thresholds


@dataclass
class AuditOptions:
    """What an audit computes (defaults match the CLI's)."""

    n_boot: int = 1000
    seed: int = 0
    batch_size: int = 64
    confidence_level: float = 0.95
    n_bins: int = 15
    min_group_size: int = 30
    #: Bias probe attributes ("gender", "race", or those of --lexicon files); empty skips probes.
    probes: tuple[str, ...] = ("gender", "race")
    target_label: str | None = None
    lexicon_files: tuple[str, ...] = ()
    alpha: float = 0.05
    min_effect: float = 0.02
    #: How many examples to attribute (0 skips attributions).
    attributions: int = 24
    attribution_method: str = "integrated_gradients"
    #: Multi-label models: the decision threshold of every label, and a JSON file of per-label ones.
    threshold: float = DEFAULT_THRESHOLD
    threshold_file: str | None = None

    def validate(self) -> None:
        """Raise :class:`~auditkit.errors.ConfigError` (one line, naming the CLI flag) for bad values."""
        if self.n_boot < 0:
            raise ConfigError(f"--n-boot must be 0 or more, got {self.n_boot}")
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {self.batch_size}")
        if not 0 < self.confidence_level < 1:
            raise ConfigError(f"confidence level must be between 0 and 1, got {self.confidence_level}")
        if self.n_bins < 1:
            raise ConfigError(f"calibration bins must be at least 1, got {self.n_bins}")
        if self.min_group_size < 1:
            raise ConfigError(f"--min-group-size must be at least 1, got {self.min_group_size}")
        if not 0 < self.alpha < 1:
            raise ConfigError(f"--alpha must be between 0 and 1, got {self.alpha}")
        if self.min_effect < 0:
            raise ConfigError(f"--min-effect must be 0 or more, got {self.min_effect}")
        if self.attributions < 0:
            raise ConfigError(f"--attributions must be 0 or more, got {self.attributions}")
        resolve_thresholds([], threshold=self.threshold)


@dataclass
class AuditResult:
    """The run record and its tables, ready for :func:`auditkit.store.write_run`."""

    record: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _label_sets(matrix: np.ndarray, labels: list[str]) -> list[str]:
    return ["|".join(labels[k] for k in np.flatnonzero(row)) for row in matrix]


def multilabel_predictions_frame(dataset: TextDataset, probabilities: np.ndarray, y_true: np.ndarray, thresholds: np.ndarray,
                                 labels: list[str]) -> pd.DataFrame:
    """One row per example of a multi-label run: text, true and predicted label sets (names joined by ``|``),
    ``true_<label>`` / ``pred_<label>`` 0/1 and ``prob_<label>`` per label, ``correct`` (exact match), group columns."""
    predicted = (probabilities >= thresholds).astype(np.int64)
    frame = pd.DataFrame({"text": dataset.texts, "label": _label_sets(y_true, labels), "predicted": _label_sets(predicted, labels)})
    for k, name in enumerate(labels):
        frame[f"true_{name}"] = y_true[:, k].astype(np.int64)
        frame[f"pred_{name}"] = predicted[:, k]
        frame[f"prob_{name}"] = probabilities[:, k].astype(np.float64)
    frame["correct"] = (predicted == y_true).all(axis=1)
    return _with_groups(frame, dataset)


def _with_groups(frame: pd.DataFrame, dataset: TextDataset) -> pd.DataFrame:
    for column, values in dataset.groups.items():
        if column in frame.columns:
            raise DataError(f"group column {column!r} clashes with a predictions column; rename it in the data")
        frame[column] = values
    return frame


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
    return _with_groups(frame, dataset)


def run_audit(
    classifier: TextClassifier,
    dataset: TextDataset,
    *,
    options: AuditOptions | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool | None = None,
) -> AuditResult:
    """Audit ``classifier`` on ``dataset``.

    Parameters
    ----------
    classifier : TextClassifier
    dataset : TextDataset
        Must carry labels.
    options : AuditOptions, optional
    log : callable, optional
        Receives one-line progress messages (default: stderr).
    progress : bool, optional
        Progress bars; by default only on a terminal.

    Returns
    -------
    AuditResult
    """
    options = options or AuditOptions()
    options.validate()
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    if dataset.labels is None:
        raise DataError("an audit needs labels; pass --label-col naming the label column")
    labels = classifier.labels
    multi_label = classifier.multi_label
    if multi_label and not dataset.multi_label:
        raise LabelMismatchError(
            f"{classifier.name!r} is a multi-label model but the data has one label per example; give label sets: "
            "several 0/1 columns (--label-col repeated) or one column of label-name lists such as toxic|insult"
        )
    if dataset.multi_label and not multi_label:
        raise LabelMismatchError(
            f"the data has label sets (multi-label) but {classifier.name!r} is a single-label model (softmax over classes); "
            "give one --label-col of class labels, or audit a multi-label model"
        )
    thresholds = resolve_thresholds(labels, threshold=options.threshold, threshold_file=options.threshold_file) if multi_label else None
    timings: dict[str, float] = {}
    if options.probes:  # probes: fail fast on a bad attribute, lexicon or target label, before predicting
        from auditkit.probes import check_probe_options

        # every class is probed when no target is given and the model is not binary
        check_probe_options(labels, attributes=tuple(options.probes),
                            target_label=options.target_label if options.target_label is not None or len(labels) == 2 else 0,
                            lexicon_files=tuple(options.lexicon_files), alpha=options.alpha, min_effect=options.min_effect)
    if options.attributions:  # likewise an unknown attribution method
        from auditkit.attribution import METHODS

        if options.attribution_method not in METHODS:
            raise ConfigError(
                f"unknown --attribution-method {options.attribution_method!r}; choose one of {', '.join(METHODS)}"
            )

    @contextmanager
    def timed(stage: str):
        start = time.perf_counter()
        yield
        timings[stage] = round(time.perf_counter() - start, 3)

    y_true = map_label_sets(dataset.labels, labels) if multi_label else map_labels(dataset.labels, labels)
    with timed("predict"):
        log(f"predict: {len(dataset)} texts with {classifier.name} on {classifier.device}")
        predictions = classifier.predict_proba(dataset.texts, batch_size=options.batch_size, progress=progress)
    if predictions.n_truncated:
        log(f"note: {predictions.n_truncated} of {len(dataset)} texts were longer than {classifier.max_length} tokens and were truncated")
    with timed("metrics"):
        scoring = dict(label_names=labels, groups=dataset.groups, n_boot=options.n_boot, confidence_level=options.confidence_level,
                       seed=options.seed, n_bins=options.n_bins, min_group_size=options.min_group_size)
        metrics = (evaluate_multilabel(y_true, predictions.probabilities, thresholds=thresholds, **scoring) if multi_label
                   else evaluate_predictions(y_true, predictions.probabilities, **scoring))
    record = {
        "model": {
            "name": classifier.name,
            "source": classifier.source,
            "fingerprint": classifier.fingerprint,
            "labels": labels,
            "multi_label": multi_label,
            "max_length": classifier.max_length,
        },
        "dataset": {
            "source": dataset.source,
            "n_examples": len(dataset),
            "fingerprint": dataset.fingerprint,
            "group_cols": list(dataset.groups),
            "n_truncated": predictions.n_truncated,
        },
        "metrics": metrics,
    }
    tables = {"predictions": multilabel_predictions_frame(dataset, predictions.probabilities, y_true, thresholds, labels)
              if multi_label else predictions_frame(dataset, predictions.probabilities, y_true, labels)}
    if options.probes:
        with timed("probes"):
            record["bias"], tables["probes"] = _bias_stage(classifier, dataset, y_true, predictions.probabilities, thresholds,
                                                           options, log, progress)
    if options.attributions:
        with timed("attributions"):
            # a multi-label run explains each selected text's most probable label (no single true class to stratify by)
            record["attributions"], tables["attributions"] = _attribution_stage(
                classifier, dataset, None if multi_label else y_true, predictions.probabilities, tables.get("probes"),
                options, log, progress
            )
    record["options"] = {k: getattr(options, k) for k in options.__dataclass_fields__}
    record["timings"] = timings
    return AuditResult(record=record, tables=tables)


def _bias_stage(classifier, dataset, y_true, probabilities, thresholds, options, log, progress):
    """Counterfactual probes on templates and on the dataset's own texts, plus observed-group fairness.

    A binary model, or one given ``target_label``, is probed on one class; any
    other model on every class (:func:`~auditkit.probes.run_probes_per_class`).
    """
    from auditkit.probes import run_probes, run_probes_per_class

    labels = classifier.labels
    per_class = thresholds is not None or (options.target_label is None and len(labels) > 2)
    log(f"probes: {', '.join(options.probes)} counterfactuals (templates and dataset texts)"
        + (f", every {'label' if thresholds is not None else 'class'} of {len(labels)}" if per_class else ""))
    common = dict(attributes=tuple(options.probes), texts=dataset.texts, lexicon_files=tuple(options.lexicon_files),
                  n_boot=options.n_boot or 1000, seed=options.seed, alpha=options.alpha, min_effect=options.min_effect,
                  batch_size=options.batch_size, progress=progress)
    if per_class:
        classes = None if options.target_label is None else [options.target_label]
        report = run_probes_per_class(classifier, classes=classes, thresholds=thresholds, **common)
    else:
        report = run_probes(classifier, target_label=options.target_label, **common)
    bias = dict(report.summary)
    for attribute in options.probes:
        entry = bias.get(attribute) or {}
        if "gap" in entry:
            mark = "significant" if entry.get("significant") else "not significant"
            where = f" on {entry['class']!r}" if "class" in entry else ""
            log(f"  {attribute}{where}: gap {entry['gap']:+.4f} [{entry.get('ci_low', float('nan')):+.4f}, {entry.get('ci_high', float('nan')):+.4f}], {mark}")
    if dataset.groups:
        bias.update(_observed_group_stage(labels, dataset.groups, y_true, probabilities, thresholds,
                                          bias.get("target_label"), per_class, options.min_group_size))
    return bias, report.table


def _observed_group_stage(labels, groups, y_true, probabilities, thresholds, target_label, per_class, min_group_size) -> dict:
    """Observed-group fairness of one class (binary/targeted runs), or of every class with the Jigsaw bias AUCs."""
    from auditkit.metrics import bias_aucs, observed_group_fairness

    if thresholds is not None:
        truth, decided = y_true, (probabilities >= thresholds).astype(int)
    else:
        truth = (y_true[:, None] == np.arange(len(labels))).astype(int)
        decided = (probabilities.argmax(axis=1)[:, None] == np.arange(len(labels))).astype(int)

    def fairness(k):
        return {column: observed_group_fairness(truth[:, k], decided[:, k], sensitive_features=values,
                                                y_score=probabilities[:, k], pos_label=1, min_group_size=min_group_size)
                for column, values in groups.items()}

    if not per_class:
        return {"observed_groups": fairness(labels.index(target_label))}
    return {
        "observed_groups_by_class": {name: fairness(k) for k, name in enumerate(labels)},
        "bias_auc": {name: {column: bias_aucs(truth[:, k], probabilities[:, k], groups=values, min_group_size=min_group_size)
                            for column, values in groups.items()}
                     for k, name in enumerate(labels)},
    }


def _attribution_stage(classifier, dataset, y_true, probabilities, probe_table, options, log, progress):
    """Captum attributions for a stratified selection of examples and the worst probe pairs."""
    from auditkit.attribution import audit_attributions
    from auditkit.probes import identity_terms

    log(f"attributions: {options.attribution_method} on up to {options.attributions} examples (+ worst probe pairs)")
    report = audit_attributions(
        classifier,
        texts=dataset.texts,
        probabilities=probabilities,
        y_true=y_true,
        probe_table=probe_table,
        n=options.attributions,
        method=options.attribution_method,
        seed=options.seed,
        identity_words=identity_terms(lexicons=tuple(options.lexicon_files)),
        progress=progress,
    )
    for note in report.summary.get("notes", []) or []:
        log(f"  note: {note}")
    return report.summary, report.table
