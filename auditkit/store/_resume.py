"""Reuse the predictions of a stored run (``auditkit audit --resume``)."""

from __future__ import annotations

import os

import numpy as np

from auditkit.data import TextDataset
from auditkit.errors import RunStoreError
from auditkit.models import Classifier, Predictions
from auditkit.store._run import is_run_dir, read_run


def reusable_predictions(out: str | os.PathLike, *, classifier: Classifier, dataset: TextDataset) -> tuple[Predictions | None, str]:
    """The predictions stored at ``out`` when they were made by the same model on the same data.

    They are reused only when the run's model fingerprint (weights and
    config), labels, maximum length and precision, and its dataset
    fingerprint (texts, labels, groups, in order), all match, and the
    stored table is the one the run wrote (its hash recorded in run.json),
    in the data's order, with finite probabilities in [0, 1] (rows summing
    to 1 for a softmax model).

    Returns
    -------
    (Predictions or None, str)
        The stored probabilities (None when they cannot be reused) and a
        one-line reason saying which.
    """
    from pathlib import Path

    if not is_run_dir(Path(out)):
        return None, f"no run at {str(out)!r} yet; predicting"
    run = read_run(out)
    model, data = run.record.get("model") or {}, run.record.get("dataset") or {}
    if not classifier.fingerprint:
        return None, "the model has no weights fingerprint (a Hub model without a commit hash); predicting again"
    checks = {
        "model kind": (model.get("kind"), classifier.kind),
        "model fingerprint": (model.get("fingerprint"), classifier.fingerprint),
        "labels": (model.get("labels"), list(classifier.labels)),
        "max length": (model.get("max_length"), classifier.max_length),
        "precision": (model.get("precision"), classifier.precision),
        "dataset fingerprint": (data.get("fingerprint"), dataset.fingerprint),
    }
    changed = [name for name, (stored, now) in checks.items() if stored != now]
    if changed:
        return None, f"the stored run differs in {', '.join(changed)}; predicting again"
    if not run.tables_recorded:
        return None, "the stored run records no table hashes (written before auditkit recorded them); predicting again"
    try:
        frame = run.predictions  # its hash, rows and columns are checked against run.json as it is read
    except RunStoreError as exc:  # a changed, foreign or malformed table is never reused
        return None, f"{str(exc).removesuffix('; re-run the audit')}; predicting again"
    columns = [f"prob_{name}" for name in classifier.labels]
    if len(frame) != len(dataset) or any(c not in frame.columns for c in columns):
        return None, "the stored predictions table does not match the data; predicting again"
    probabilities = frame[columns].to_numpy(dtype=np.float64)
    problem = _implausible(frame, probabilities, dataset, multi_label=bool(getattr(classifier, "multi_label", False)))
    if problem:
        return None, f"the stored predictions {problem}; predicting again"
    return (Predictions(probabilities.astype(np.float32), int(data.get("n_truncated") or 0)),
            f"reusing {len(frame)} stored predictions from {str(out)!r} (hash, rows, order and probabilities checked)")


def _implausible(frame, probabilities: np.ndarray, dataset, *, multi_label: bool) -> str | None:
    """Why stored predictions cannot be this model's on this data (None when they can): rows in another order,
    probabilities that are not finite or outside [0, 1], or (softmax) rows that do not sum to 1."""
    if [str(t) for t in frame["text"]] != [str(t) for t in dataset.texts]:
        return "hold the texts in another order than the data"
    return implausible_probabilities(probabilities, multi_label=multi_label)


def implausible_probabilities(probabilities: np.ndarray, *, multi_label: bool) -> str | None:
    """Why ``probabilities`` cannot be a model's output (None when they can): values that are not finite or
    outside [0, 1], or (softmax) rows that do not sum to 1."""
    if not np.isfinite(probabilities).all():
        return f"hold {int((~np.isfinite(probabilities)).sum())} probabilities that are not numbers"
    if (probabilities < 0).any() or (probabilities > 1).any():
        return "hold probabilities outside [0, 1]"
    if not multi_label and not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        return "hold rows whose class probabilities do not sum to 1"
    return None
