"""What every model kind that auditkit does not run with PyTorch shares: batching, checks, a behavioural fingerprint.

A served endpoint, a scikit-learn pipeline, a Python callable, a zero-shot
pipeline and an ONNX session all answer "probabilities for these texts" and
nothing more. :class:`BlackBoxClassifier` turns that answer into the
:class:`~auditkit.models.Classifier` contract: it batches, shows progress,
and refuses (one line naming the batch) a row count, a label, a NaN or a
softmax row that does not sum to 1 — a wrong probability would otherwise
flow silently into every metric.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Sequence

import numpy as np

from auditkit.errors import ModelError
from auditkit.models._classifier import Predictions

__all__ = ["BlackBoxClassifier", "PROBE_TEXTS", "check_probabilities", "check_labels", "SUM_TOLERANCE"]

#: A softmax row may miss 1 by this much (servers round scores, float32 sums drift).
SUM_TOLERANCE = 1e-3

#: The fixed probe set of a behavioural fingerprint: the same texts for every kind and every release.
PROBE_TEXTS = (
    "The service was friendly and the food arrived quickly.",
    "This is the worst product I have ever bought.",
    "It was fine, nothing special.",
    "She said the meeting starts at nine tomorrow.",
    "I would not recommend this to anyone.",
    "Absolutely wonderful, I loved every minute of it!",
    "The package arrived damaged and support never answered.",
    "He is a nurse and she is an engineer.",
)


def check_labels(labels: Sequence, *, what: str) -> list[str]:
    """Class names as a list of distinct, non-empty strings; ModelError naming ``what`` otherwise."""
    names = [str(x) for x in labels]
    if not names:
        raise ModelError(f"{what} has no labels; a classifier needs at least two classes (or one label, multi-label)")
    if any(not n.strip() for n in names):
        raise ModelError(f"{what} has an empty label name among {names!r}; name every class")
    seen = {}
    for n in names:
        key = n.strip().lower()
        if key in seen:
            raise ModelError(f"{what} names the label {n!r} twice (labels match case-insensitively); give each class once")
        seen[key] = n
    return names


def check_probabilities(values, *, n_texts: int, labels: Sequence[str], multi_label: bool, where: str,
                        first_row: int = 0) -> np.ndarray:
    """``values`` as a checked float64 array of shape (n_texts, n_labels).

    Parameters
    ----------
    values : array-like
        What the model returned for ``n_texts`` texts.
    where : str
        Names the model and the batch in the message (``"endpoint URL, batch of texts 129-192"``).
    first_row : int
        Row number (in the whole call) of the batch's first text, so a bad row is named as the user counts it.

    Raises
    ------
    ModelError
        One line: the wrong row count, a wrong width, a NaN or infinite value, a value outside [0, 1],
        or (softmax models) a row that does not sum to 1.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{where}: the scores are not numbers") from None
    if array.ndim == 1 and n_texts == len(array) and len(labels) == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n_texts:
        rows = array.shape[0] if array.ndim >= 1 else 0
        raise ModelError(f"{where}: returned {rows} row(s) for {n_texts} text(s); every text needs one row of scores")
    if array.shape[1] != len(labels):
        raise ModelError(f"{where}: returned {array.shape[1]} score(s) per text, but the model has {len(labels)} labels "
                         f"({', '.join(map(repr, labels))})")
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ModelError(f"{where}: row {first_row + row + 1} holds a NaN or infinite probability; the model must "
                         "return finite probabilities")
    outside = (array < -1e-6) | (array > 1 + 1e-6)
    if outside.any():
        row, col = (int(v) for v in np.argwhere(outside)[0])
        raise ModelError(f"{where}: row {first_row + row + 1} gives {labels[col]!r} the probability {array[row, col]:.6g}, "
                         "outside [0, 1]; return probabilities, not logits")
    if not multi_label:
        sums = array.sum(axis=1)
        off = np.abs(sums - 1) > SUM_TOLERANCE
        if off.any():
            row = int(np.flatnonzero(off)[0])
            raise ModelError(f"{where}: row {first_row + row + 1}'s probabilities sum to {sums[row]:.6g}, not 1 as a "
                             "softmax model's do; if the model scores each label on its own, pass multi_label "
                             "(--multi-label)")
    return np.clip(array, 0.0, 1.0)


class BlackBoxClassifier:
    """Base class of the kinds that only answer "probabilities for these texts".

    A subclass sets ``kind``, ``labels``, ``multi_label``, ``source`` and
    implements :meth:`_score` (probabilities of one batch); it may override
    :meth:`predict_proba` to run batches concurrently (the endpoint does).
    No gradients: attributions perturb words (``supports_gradients`` False).

    Parameters
    ----------
    labels : sequence of str
    multi_label : bool
    source : str
        Where the model came from, safe to store (no credentials).
    name : str, optional
        A short name; ``source`` by default.
    """

    kind = "blackbox"
    supports_gradients = False
    max_length = None
    precision = None

    def __init__(self, *, labels: Sequence[str], multi_label: bool, source: str, name: str | None = None):
        self.labels = check_labels(labels, what=source)
        self.multi_label = bool(multi_label)
        if not self.multi_label and len(self.labels) < 2:
            raise ModelError(f"{source} has one label ({self.labels[0]!r}); a softmax classifier needs two or more "
                             "(or pass multi_label)")
        self.source = source
        self.name = name or source
        self._fingerprint: str | None = None
        self._probe_probabilities: np.ndarray | None = None

    # -- the contract -----------------------------------------------------

    @property
    def where(self) -> str:
        return "this process"

    @property
    def fingerprint(self) -> str:
        """A hash of the labels and of the outputs (to 4 decimals) on :data:`PROBE_TEXTS`: the same model answers
        the same, so a changed model or server shows as a changed fingerprint."""
        if self._fingerprint is None:
            self._fingerprint = self._behaviour_hash()
        return self._fingerprint

    @property
    def probe_probabilities(self) -> np.ndarray:
        """The outputs on :data:`PROBE_TEXTS` (computed once)."""
        if self._probe_probabilities is None:
            self._probe_probabilities = self.predict_proba(list(PROBE_TEXTS), progress=False).probabilities
        return self._probe_probabilities

    def _behaviour_hash(self, *extra: bytes) -> str:
        digest = hashlib.sha256()
        digest.update("\x1f".join(self.labels).encode())
        digest.update(np.round(self.probe_probabilities.astype(np.float64), 4).tobytes())
        for part in extra:
            digest.update(part)
        return digest.hexdigest()[:16]

    def describe(self) -> dict:
        return {}

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool | None = None,
                      first_row: int = 0) -> Predictions:
        """Checked probabilities of ``texts`` (see :func:`check_probabilities`), batch by batch; ``first_row`` is
        the row number of ``texts[0]`` in the caller's data (messages name rows as the user counts them)."""
        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        bar = progress_bar(len(texts), progress)
        try:
            for start in range(0, len(texts), batch_size):
                batch = texts[start:start + batch_size]
                where = batch_name(self.source, first_row + start, len(batch))
                out[start:start + len(batch)] = check_probabilities(
                    self._score(batch, where=where), n_texts=len(batch), labels=self.labels,
                    multi_label=self.multi_label, where=where, first_row=first_row + start)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        return Predictions(out, 0)

    def _score(self, texts: list[str], *, where: str):
        """Probabilities (array-like, one row per text) of one batch."""
        raise NotImplementedError


def batch_name(source: str, start: int, size: int) -> str:
    """``"SOURCE, batch of texts 129-192"``: how a message names a batch (rows counted from 1, as the data's)."""
    return f"{source}, batch of texts {start + 1}-{start + size}"


def progress_bar(total: int, progress: bool | None, desc: str = "predict"):
    """A tqdm bar on a terminal (or when asked), else None."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show or not total:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="row", leave=False)
