"""Predictions kept across a failed audit, so ``--resume`` continues where a dying model stopped.

An endpoint that goes away at text 80,000 of 100,000 should not cost the
first 80,000 again. :class:`PartialPredictions` predicts in chunks and,
after each, saves what is done beside ``--out`` (``.NAME.partial-predictions``:
no run, invisible to every reader). When the model fails (a
:class:`~auditkit.errors.ModelError`: a refused connection, a malformed
answer...) the file stays and the error says how many rows it holds; the
next ``auditkit audit --resume`` with the same model (same fingerprint,
labels, settings) and the same data reuses them and predicts the rest.
Any other ending — success, Ctrl+C, a bad option — removes it.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from auditkit.data import TextDataset
from auditkit.errors import ModelError
from auditkit.models import Classifier, Predictions
from auditkit.store._resume import implausible_probabilities

__all__ = ["PartialPredictions"]

_SUFFIX = ".partial-predictions.npz"
#: Chunks of this many prediction batches are saved as they finish.
_BATCHES_PER_CHUNK = 16


class PartialPredictions:
    """The chunked, resumable prediction of one model on one dataset, kept beside ``out``.

    Parameters
    ----------
    out : path
        The run directory the audit writes.
    classifier : Classifier
    dataset : TextDataset
    """

    def __init__(self, out: str | os.PathLike, *, classifier: Classifier, dataset: TextDataset):
        out = Path(out).absolute()
        self.path = out.parent / f".{out.name}{_SUFFIX}"
        self.classifier, self.dataset = classifier, dataset
        self.key = json.dumps({"model": {"kind": classifier.kind, "source": classifier.source,
                                         "fingerprint": classifier.fingerprint, "labels": list(classifier.labels),
                                         "max_length": classifier.max_length, "precision": classifier.precision},
                               "dataset": dataset.fingerprint, "n": len(dataset)}, sort_keys=True)
        self.done = np.zeros(len(dataset), dtype=bool)
        self.probabilities = np.zeros((len(dataset), len(classifier.labels)), dtype=np.float64)
        self.n_truncated = 0
        self.seconds = 0.0

    # -- resume -------------------------------------------------------------

    def load(self) -> str:
        """Take up the rows a failed audit kept; a one-line note of what was found."""
        if not self.path.is_file() or self.path.is_symlink():
            return "no kept predictions of a failed audit either"
        try:
            with np.load(self.path, allow_pickle=False) as kept:
                key = str(kept["key"])
                done, probabilities, truncated = kept["done"], kept["probabilities"], int(kept["n_truncated"])
        except Exception:
            return f"the kept predictions in {str(self.path)!r} are unreadable; predicting every row"
        if key != self.key or done.shape != self.done.shape or probabilities.shape != self.probabilities.shape:
            return "the kept predictions of a failed audit were made by another model or on other data; predicting every row"
        problem = implausible_probabilities(probabilities[done.astype(bool)], multi_label=self.classifier.multi_label)
        if problem:
            return f"the kept predictions of a failed audit {problem}; predicting every row"
        self.done, self.probabilities, self.n_truncated = done.astype(bool), probabilities.astype(np.float64), truncated
        return f"continuing from {int(self.done.sum())} of {len(self.done)} predictions kept by a failed audit"

    # -- predict ------------------------------------------------------------

    def predict(self, texts: Sequence[str], *, batch_size: int, progress: bool | None = None) -> Predictions:
        """Predictions of every row not yet done, saved chunk by chunk; all rows in input order."""
        texts = list(texts)
        todo = np.flatnonzero(~self.done)
        chunk = max(1, batch_size) * _BATCHES_PER_CHUNK
        start_time = time.perf_counter()
        try:
            for start in range(0, len(todo), chunk):
                rows = todo[start:start + chunk]
                predictions = self.classifier.predict_proba([texts[i] for i in rows], batch_size=batch_size,
                                                           progress=progress, first_row=int(rows[0]))
                self.probabilities[rows] = predictions.probabilities
                self.done[rows] = True
                self.n_truncated += int(predictions.n_truncated)
                if start + chunk < len(todo):  # a later chunk may fail: keep this one
                    self._save()
        except ModelError as exc:
            kept = int(self.done.sum())
            if not kept:
                raise
            self._save()
            raise ModelError(f"{exc} — {kept} of {len(self.done)} predictions are kept: fix the model or server and "
                             "rerun with resume to continue", parameter=("resume", *exc.parameters)) from None
        finally:
            self.seconds = round(time.perf_counter() - start_time, 3)
        return Predictions(self.probabilities.copy(), self.n_truncated)

    def keep(self) -> None:
        """Save what is done (the audit failed after predicting: a later ``--resume`` skips prediction)."""
        if self.done.any():
            self._save()

    def discard(self) -> None:
        """Remove the kept predictions (the run was written, or the audit ended for another reason)."""
        try:
            if self.path.is_file() and not self.path.is_symlink():
                self.path.unlink()
        except OSError:
            pass

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, key=np.array(self.key), done=self.done, probabilities=self.probabilities,
                 n_truncated=np.array(self.n_truncated))
        staging = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        staging.write_bytes(buffer.getvalue())
        os.replace(staging, self.path)
