"""The attribution stage of an audit: pick examples, attribute, summarise."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit.attribution._base import WordAttribution
from auditkit.attribution._faithfulness import deletion_curve
from auditkit.attribution._identity import identity_share
from auditkit.attribution._methods import make_attributor
from auditkit.attribution._selection import select_examples, select_probe_pairs
from auditkit.attribution._top_words import top_words
from auditkit.models._labels import map_labels
from auditkit.errors import ConfigError
from auditkit.models import Classifier

__all__ = ["AttributionReport", "audit_attributions", "TABLE_COLUMNS"]

TABLE_COLUMNS = [
    "text", "target", "target_id", "words", "scores", "convergence_delta", "n_steps",
    "kind", "pair_id", "side", "attribute", "group", "row",
]
BAD_N = "the number of examples to attribute must be a whole number >= 0, got {n!r}"
BAD_PROBABILITIES = "probabilities must have shape ({n_texts}, {n_classes}) — one row per text, one column per model class — got {shape}"
BAD_Y_TRUE = "y_true has {n_labels} labels for {n_texts} texts"
CLAMPED = "N clamped from {asked} to {n} (the data has {n} examples)"
NOT_CONVERGED = "{count} example(s) kept |convergence delta| > {tolerance} at the {steps}-step cap"
NO_IDENTITY_WORDS = "identity share not computed: no identity words were given"
_FAITHFULNESS_SAMPLE = 16


@dataclass
class AttributionReport:
    """What the attribution stage of an audit found.

    Attributes
    ----------
    summary : dict
        The ``"attributions"`` section of run.json: ``method``,
        ``n_examples`` (dataset rows + both sides of each probe pair),
        ``n_dataset_examples``, ``n_probe_pairs``, ``kinds``, ``target``,
        ``n_steps_used`` (``{"16": count, ...}``), ``tolerance``,
        ``mean_abs_convergence_delta``, ``max_abs_convergence_delta``
        (None for methods without one), ``identity_share``,
        ``identity_share_by_group`` (``{attribute: {group: share}}``),
        ``identity_share_by_kind`` (``{"dataset": f, "probe_pair": f}``),
        ``faithfulness`` (see :func:`deletion_curve`), ``top_words``
        (``{class: [[word, mean score, count], ...]}``, dataset rows only)
        and ``notes``.
    table : DataFrame
        One row per attributed text (the contents of attributions.parquet).
    attributions : list of WordAttribution
        The same rows as objects, in table order.
    """

    summary: dict
    table: pd.DataFrame
    attributions: list[WordAttribution] = field(default_factory=list)


def audit_attributions(
    classifier: Classifier,
    *,
    texts: Sequence[str],
    probabilities,
    y_true=None,
    probe_table: pd.DataFrame | None = None,
    n: int = 24,
    method: str = "auto",
    seed: int = 0,
    identity_words=None,
    progress: bool | None = None,
    n_pairs: int | None = None,
) -> AttributionReport:
    """Attribute a stratified selection of an audit's examples and summarise.

    Parameters
    ----------
    classifier : Classifier
    texts : sequence of str
        The audited texts.
    probabilities : array of shape (n_texts, n_classes)
        The model's probabilities for ``texts`` (from the prediction stage).
    y_true : sequence of int or str, optional
        True class ids or names; without them no errors are told apart.
    probe_table : DataFrame, optional
        Bias-probe results (``attribute, family, instance_id, group, text,
        score``...); the matched sets with the largest score gaps are
        attributed on both sides.
    n : int, default 24
        Dataset examples to attribute (clamped to the data, with a note).
        0 skips the stage.
    method : str, default "auto"
        ``auto`` (integrated gradients for a local PyTorch model, word
        ablation for any other kind) or one of :data:`auditkit.attribution.METHODS`.
    seed : int, default 0
        For the random parts: correct examples drawn, random deletion orders.
    identity_words : mapping, optional
        ``{attribute: {group: words}}``; the probe lexicons by default.
    progress : bool, optional
        Show a progress bar; by default only when stderr is a terminal.
    n_pairs : int, optional
        Probe pairs to attribute; ``max(1, n // 4)`` by default.

    Returns
    -------
    AttributionReport
    """
    attributor = make_attributor(method, classifier)
    texts, probabilities, y_true = _checked_inputs(classifier, texts, probabilities, y_true, n)
    notes: list[str] = []
    if n > len(texts):
        notes.append(CLAMPED.format(asked=int(n), n=len(texts)))
    n = min(int(n), len(texts))
    if n == 0:
        return AttributionReport(_empty_summary(attributor, notes + ["attributions skipped (N = 0)"]), pd.DataFrame(columns=TABLE_COLUMNS))

    selected = select_examples(probabilities, y_true=y_true, n=n, seed=seed)
    pairs, pair_targets = _probe_pairs(classifier, probe_table, n_pairs=max(1, n // 4) if n_pairs is None else n_pairs)
    all_texts = [texts[s.index] for s in selected] + pairs["text"].tolist()
    targets = [int(probabilities[s.index].argmax()) for s in selected] + pair_targets
    attributions = attributor.attribute(all_texts, target=targets, progress=progress)
    table = _attribution_table(selected, pairs, attributions)

    dataset_part = attributions[: len(selected)]
    faithfulness = _faithfulness(classifier, dataset_part or attributions, seed=seed)
    shares = _identity_shares(attributions, len(selected), identity_words, notes)
    convergence = _convergence(attributions, attributor, notes)
    summary = {
        "method": attributor.name,
        "approach": attributor.approach,
        "n_examples": len(attributions),
        "n_dataset_examples": len(selected),
        "n_probe_pairs": int(len(pairs) // 2),
        "kinds": dict(Counter(table["kind"])),
        "target": "softmax probability of the predicted class",
        **convergence,
        **shares,
        "faithfulness": faithfulness,
        # Probe templates repeat the same names and frames: rank words on the data only.
        "top_words": top_words(dataset_part or attributions),
        "notes": notes,
    }
    return AttributionReport(summary, table, list(attributions))


def _checked_inputs(classifier, texts, probabilities, y_true, n):
    """Texts as str, probabilities as a (texts, classes) array and y_true as class ids; ConfigError otherwise."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(BAD_N.format(n=n))
    texts = [str(t) for t in texts]
    labels = classifier.labels
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(texts), len(labels)):
        raise ConfigError(BAD_PROBABILITIES.format(n_texts=len(texts), n_classes=len(labels), shape=probabilities.shape))
    if y_true is not None:
        y_true = map_labels(list(y_true), labels).tolist()
        if len(y_true) != len(texts):
            raise ConfigError(BAD_Y_TRUE.format(n_labels=len(y_true), n_texts=len(texts)))
    return texts, probabilities, y_true


def _probe_pairs(classifier, probe_table: pd.DataFrame | None, *, n_pairs: int) -> tuple[pd.DataFrame, list[int]]:
    """The probe pairs to attribute (both sides) and each side's target class.

    Both sides of a pair explain the same class: the one predicted for the high side.
    """
    if probe_table is None:
        return pd.DataFrame(columns=["pair_id", "side", "text", "attribute", "group"]), []
    pairs = select_probe_pairs(probe_table, n_pairs=n_pairs)
    if not len(pairs):
        return pairs, []
    high = pairs.loc[pairs["side"] == "high", ["pair_id", "text"]]
    predicted = classifier.predict_proba(high["text"].tolist(), progress=False).predicted
    by_pair = dict(zip(high["pair_id"], predicted))
    return pairs, [int(by_pair[p]) for p in pairs["pair_id"]]


def _attribution_table(selected, pairs: pd.DataFrame, attributions) -> pd.DataFrame:
    """attributions.parquet: the dataset examples, then both sides of each probe pair."""
    rows = [_row(a, kind=s.kind, row=s.index) for s, a in zip(selected, attributions)]
    for (_, p), a in zip(pairs.iterrows(), attributions[len(selected) :]):
        rows.append(_row(a, kind="probe_pair", pair_id=p["pair_id"], side=p["side"], attribute=p["attribute"], group=p["group"]))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _faithfulness(classifier, pool, *, seed: int) -> dict | None:
    """The deletion curve on a seeded sample of at most ``_FAITHFULNESS_SAMPLE`` attributions of ``pool``."""
    rng = np.random.default_rng(seed)
    sample = [pool[i] for i in sorted(rng.permutation(len(pool))[:_FAITHFULNESS_SAMPLE])]
    return deletion_curve(classifier, sample, seed=seed)


def _identity_shares(attributions, n_dataset: int, identity_words, notes: list[str]) -> dict:
    """``identity_share`` overall, by group and by kind (dataset rows first, then probe pairs); None without words."""
    out = {"identity_share": None, "identity_share_by_group": None, "identity_share_by_kind": None}
    if identity_words is None:
        from auditkit.probes import identity_terms

        identity_words = identity_terms()
    if not identity_words:
        notes.append(NO_IDENTITY_WORDS)
        return out
    overall = identity_share(attributions, identity_words=identity_words)
    dataset_part, pair_part = attributions[:n_dataset], attributions[n_dataset:]
    out["identity_share"] = _finite(overall.overall)
    out["identity_share_by_group"] = {k: {g: _finite(v) for g, v in groups.items()} for k, groups in overall.by_group.items()}
    out["identity_share_by_kind"] = {
        "dataset": _finite(identity_share(dataset_part, identity_words=identity_words).overall) if dataset_part else None,
        "probe_pair": _finite(identity_share(pair_part, identity_words=identity_words).overall) if pair_part else None,
    }
    return out


def _convergence(attributions, attributor, notes: list[str]) -> dict:
    """Steps used and |convergence delta| (None for methods without one); a note when some stayed above tolerance."""
    deltas = np.array([a.convergence_delta for a in attributions], dtype=np.float64)
    finite = np.abs(deltas[np.isfinite(deltas)])
    tolerance = getattr(attributor, "tolerance", None)
    if tolerance is not None and len(finite):
        stuck = int((finite > tolerance).sum())
        if stuck:
            notes.append(NOT_CONVERGED.format(count=stuck, tolerance=tolerance, steps=getattr(attributor, "max_n_steps", None)))
    steps = Counter(int(a.n_steps) for a in attributions if a.n_steps > 0)
    return {
        "n_steps_used": {str(k): v for k, v in sorted(steps.items())},
        "tolerance": tolerance,
        "mean_abs_convergence_delta": float(finite.mean()) if len(finite) else None,
        "max_abs_convergence_delta": float(finite.max()) if len(finite) else None,
    }


def _row(a: WordAttribution, *, kind: str, row: int = -1, pair_id=None, side=None, attribute=None, group=None) -> list:
    delta = a.convergence_delta
    return [
        a.text, a.target, a.target_id, list(a.words), [float(s) for s in a.scores],
        float(delta) if math.isfinite(delta) else None, int(a.n_steps),
        kind, pair_id, side, attribute, group, int(row),
    ]


def _finite(value):
    return float(value) if value is not None and math.isfinite(value) else None


def _empty_summary(attributor, notes: list[str]) -> dict:
    return {
        "method": attributor.name, "approach": attributor.approach, "n_examples": 0, "n_dataset_examples": 0, "n_probe_pairs": 0, "kinds": {},
        "target": "softmax probability of the predicted class", "n_steps_used": {}, "tolerance": None,
        "mean_abs_convergence_delta": None, "max_abs_convergence_delta": None,
        "identity_share": None, "identity_share_by_group": None, "identity_share_by_kind": None,
        "faithfulness": None, "top_words": {}, "notes": notes,
    }
