"""Reuse the predictions of a stored run (``auditkit audit --resume``)."""

from __future__ import annotations

import os

import numpy as np

from auditkit.errors import RunStoreError
from auditkit.models import Predictions
from auditkit.store._run import is_run_dir, read_run


def reusable_predictions(out: str | os.PathLike, *, classifier, dataset) -> tuple[Predictions | None, str]:
    """The predictions stored at ``out`` when they were made by the same model on the same data.

    They are reused only when the run's model fingerprint (weights and
    config), labels, maximum length and precision, and its dataset
    fingerprint (texts, labels, groups, in order), all match.

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
    try:
        frame = run.predictions
    except RunStoreError as exc:
        return None, f"{exc}; predicting again"
    columns = [f"prob_{name}" for name in classifier.labels]
    if len(frame) != len(dataset) or any(c not in frame.columns for c in columns):
        return None, "the stored predictions table does not match the data; predicting again"
    probabilities = frame[columns].to_numpy(dtype=np.float32)
    return Predictions(probabilities, int(data.get("n_truncated") or 0)), f"reusing {len(frame)} stored predictions from {str(out)!r}"
