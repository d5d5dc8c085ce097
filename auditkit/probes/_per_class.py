"""Counterfactual probes for every class of a multi-class or multi-label model.

A thin layer above :func:`run_probes`: each probe sentence is scored once (a
cache in front of the classifier keeps the whole probability matrix), then
the probe suite summarises the score of each class in turn. The tests of
every class x attribute x scope are Holm-corrected together, and each
attribute's headline is the class with the largest |gap| that is a finding
(else the largest |gap|), named in ``class``.

For a multi-class model a flip is a change of the predicted class (argmax);
for a multi-label model the score of a label is its sigmoid probability and
a flip is a change of that label's thresholded decision.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from auditkit.errors import ConfigError
from auditkit.probes._stats import flip_rate, holm_correction
from auditkit.probes._suite import ProbeReport, resolve_target_label, run_probes

__all__ = ["run_probes_per_class", "PER_CLASS_HEADLINE_KEYS"]

#: Keys the per-class layer adds to an attribute's headline entry.
PER_CLASS_HEADLINE_KEYS = ("class", "headline_reason")


class _ScoredOnce:
    """A classifier front that scores each distinct text once and remembers its probabilities."""

    def __init__(self, classifier):
        self._classifier = classifier
        self._cache: dict[str, np.ndarray] = {}
        self.labels = list(classifier.labels)

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool | None = None):
        from auditkit.models import Predictions

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            probs = self._classifier.predict_proba(missing, batch_size=batch_size, progress=progress).probabilities
            self._cache.update(zip(missing, probs))
        return Predictions(np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, len(self.labels))))

    @property
    def n_scored(self) -> int:
        return len(self._cache)


def _scopes(entry: dict) -> list[dict]:
    """The attribute entry, its families, and the pairs of each, in a fixed order."""
    out = [entry, *entry.get("families", {}).values()]
    return out + [pair for scope in list(out) for pair in (scope.get("pairs") or {}).values()]


def _is_finding(scope: dict) -> bool:
    # The lead's contract (issue 9) writes verdict; main before it writes significant.
    if "verdict" in scope:
        return scope["verdict"] == "bias"
    return bool(scope.get("significant"))


def _correct_across_classes(per_class: dict[str, dict], *, alpha: float) -> int:
    """Holm over every class x attribute x scope test; a finding needs the wider correction too."""
    scopes = [s for attrs in per_class.values() for entry in attrs.values() for s in _scopes(entry)]
    adjusted = holm_correction([s["p_value"] for s in scopes])
    for scope, p_adj in zip(scopes, adjusted):
        scope["p_value_holm"] = float(p_adj)
        if p_adj >= alpha:  # Holm over more tests only raises p-values: findings can only be withdrawn
            if "verdict" in scope and scope["verdict"] == "bias":
                scope["verdict"] = "inconclusive"
                scope["verdict_reason"] = "not significant after Holm correction across every class x attribute test"
            elif "significant" in scope:
                scope["significant"] = False
    return len(scopes)


def _label_flip_rates(table: pd.DataFrame, entry: dict, threshold: float) -> None:
    """Replace argmax flip rates by flips of one label's decision (score >= threshold)."""
    decided = table.assign(decision=table["score"] >= threshold)

    def rate(rows: pd.DataFrame) -> float | None:
        wide = rows.pivot(index="instance_id", columns="group", values="decision").dropna()
        value = flip_rate(wide.to_numpy(dtype=bool))
        return None if np.isnan(value) else value

    entry["flip_rate"] = rate(decided)
    for family, scope in entry.get("families", {}).items():
        scope["flip_rate"] = rate(decided[decided["family"] == family])


def run_probes_per_class(
    classifier,
    *,
    classes: Sequence | None = None,
    thresholds: Sequence[float] | None = None,
    attributes: Sequence[str] = ("gender", "race"),
    texts: Sequence[str] | None = None,
    lexicon_files: Sequence = (),
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    min_effect: float = 0.02,
    batch_size: int = 64,
    progress: bool | None = None,
) -> ProbeReport:
    """Run the probe suite for every class (or label) and summarise per class.

    Parameters
    ----------
    classifier : TextClassifier
    classes : sequence of str or int, optional
        The classes to probe (names or ids); default: every class.
    thresholds : sequence of float, optional
        Per-label decision thresholds of a multi-label model (one per model
        label); with them a flip is a change of that label's decision.
    attributes, texts, lexicon_files, n_boot, seed, alpha, min_effect, batch_size, progress
        As for :func:`run_probes`.

    Returns
    -------
    ProbeReport
        ``summary``: per attribute the headline entry (the run_probes entry of
        the headline class, plus ``class`` and ``headline_reason``),
        ``classes`` ({class: {attribute: entry}}), ``target_label`` (None) and
        ``settings`` (``classes``, ``n_tests`` across classes,
        ``correction``). ``table``: the run_probes rows of every class, with a
        ``target_label`` column saying whose score ``score`` is.
    """
    labels = list(classifier.labels)
    if thresholds is not None and len(thresholds) != len(labels):
        raise ConfigError(f"{len(thresholds)} thresholds for {len(labels)} labels; give one per label")
    ids = list(range(len(labels))) if classes is None else list(dict.fromkeys(resolve_target_label(labels, c)[0] for c in classes))
    scorer = _ScoredOnce(classifier)
    per_class: dict[str, dict] = {}
    tables = []
    settings: dict = {}
    for k in ids:
        report = run_probes(scorer, attributes=attributes, texts=texts, target_label=k, lexicon_files=lexicon_files,
                            n_boot=n_boot, seed=seed, alpha=alpha, min_effect=min_effect, batch_size=batch_size,
                            progress=progress if k == ids[0] else False)
        name = labels[k]
        settings = report.summary["settings"]
        per_class[name] = {a: report.summary[a] for a in settings["attributes"]}
        table = report.table.assign(target_label=name)
        if thresholds is not None:
            table["predicted_label"] = np.where(table["score"] >= thresholds[k], name, "not " + name)
            for attribute, entry in per_class[name].items():
                _label_flip_rates(table[table["attribute"] == attribute], entry, float(thresholds[k]))
        tables.append(table)
    n_tests = _correct_across_classes(per_class, alpha=alpha)
    summary: dict = {"target_label": None, "target_label_reason": "every class probed; each attribute's headline names its class"}
    for attribute in settings["attributes"]:
        entries = {name: per_class[name][attribute] for name in per_class}
        findings = [n for n, e in entries.items() if _is_finding(e)]
        pool = findings or list(entries)
        head = max(pool, key=lambda n: abs(entries[n]["gap"]) if entries[n]["gap"] is not None else -1.0)
        reason = "largest |gap| among the classes with a finding" if findings else "largest |gap|; no class is a finding"
        summary[attribute] = {**entries[head], "class": head, "headline_reason": reason}
    summary["classes"] = per_class
    summary["settings"] = {
        **settings,
        "classes": [labels[k] for k in ids],
        "n_tests": n_tests,
        "n_sentences": scorer.n_scored,
        "correction": "holm across every class x attribute x scope test",
        "flip": "change of the label's thresholded decision" if thresholds is not None else "change of the predicted class",
    }
    return ProbeReport(summary=summary, table=pd.concat(tables, ignore_index=True))
