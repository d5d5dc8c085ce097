"""The interface every attribution method follows, and its word-level result.

An attributor is built once for a classifier and answers one verb,
``attribute(texts, *, target=None)``, with one :class:`WordAttribution` per
text. What is attributed is the model's softmax probability of the target
class; every method scores the words of the text, signed (positive pushes
the probability of the target up).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Sequence, Union

import numpy as np

from auditkit.attribution._memory import rows_per_pass
from auditkit.attribution._words import sum_by_word, token_word_index, word_spans
from auditkit.errors import ConfigError, ModelError
from auditkit.models import GradientClassifier

__all__ = ["WordAttribution", "Attributor", "Target", "resolve_targets"]

Target = Union[None, int, str, Sequence[Union[int, str]]]

UNKNOWN_TARGET = "unknown target class {target!r}; the model's classes are {labels}"
TARGET_OUT_OF_RANGE = "target class id {target} is out of range; the model has {n} classes (ids 0-{last})"
TARGET_LENGTH = "got {n_targets} targets for {n_texts} texts; pass one target, or one per text"
NO_FAST_TOKENIZER = (
    "attribution needs a fast (Rust) tokenizer for character offsets; "
    "{name} has a slow one — save the model with AutoTokenizer.from_pretrained(..., use_fast=True)"
)
NO_EMBEDDINGS = "cannot attribute {name}: the model has no input embedding layer (get_input_embeddings())"


@dataclass
class WordAttribution:
    """Signed word scores for one text and one target class.

    Attributes
    ----------
    text : str
    target : str
        Name of the class whose probability is explained.
    target_id : int
    words : list of str
        Words as written in the text, special tokens left out; words cut off
        by truncation are missing.
    scores : ndarray of float
        One signed score per word: its share of the target probability
        (positive: the word raises it).
    spans : list of (int, int)
        Character span of each word in ``text``.
    probability : float
        The model's probability of the target class for ``text``.
    method : str
        Name of the method that made the scores.
    convergence_delta : float
        Integrated gradients only: ``sum(scores) - (f(text) - f(baseline))``;
        NaN for methods without a completeness property.
    n_steps : int
        Integration steps used (integrated gradients); 0 for other methods.
    truncated : bool
        Whether the text was longer than the model's maximum length.
    """

    text: str
    target: str
    target_id: int
    words: list[str]
    scores: np.ndarray
    spans: list[tuple[int, int]]
    probability: float
    method: str
    convergence_delta: float = math.nan
    n_steps: int = 0
    truncated: bool = False

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` words that raise the target probability most."""
        order = np.argsort(-self.scores, kind="stable")[:k]
        return [(self.words[i], float(self.scores[i])) for i in order]


@dataclass
class _Encoded:
    """One text, tokenized as the classifier sees it, with its baseline."""

    text: str
    input_ids: list[int]
    baseline_ids: list[int]
    offsets: list[tuple[int, int]]
    special: list[int]
    spans: list[tuple[int, int]]
    word_of_token: np.ndarray = field(repr=False)
    truncated: bool = False


class Attributor:
    """Base class: scores the words of texts for a :class:`~auditkit.models.GradientClassifier`.

    Subclasses implement :meth:`_token_scores`; this class tokenizes, picks
    targets, batches by length and merges word pieces into words.

    Parameters
    ----------
    classifier : GradientClassifier
    """

    #: Name used by :func:`make_attributor` and stored with results.
    name = "attributor"
    #: Whether the method needs a differentiable local model (a :class:`~auditkit.models.GradientClassifier`).
    needs_gradients = True
    #: How it scores words, as the run records it: "gradient" or "perturbation".
    approach = "gradient"

    def __init__(self, classifier: GradientClassifier):
        self.classifier = classifier
        tokenizer = classifier.tokenizer
        if not getattr(tokenizer, "is_fast", False):
            raise ModelError(NO_FAST_TOKENIZER.format(name=classifier.name))
        try:
            self._embeddings = classifier.model.get_input_embeddings()
        except (AttributeError, NotImplementedError):
            self._embeddings = None
        if self._embeddings is None:
            raise ModelError(NO_EMBEDDINGS.format(name=classifier.name))

    # -- the verb ---------------------------------------------------------

    def attribute(self, texts: Sequence[str], *, target: Target = None, progress: bool | None = None) -> list[WordAttribution]:
        """Score the words of each text toward a target class.

        Parameters
        ----------
        texts : sequence of str
        target : int, str or sequence, optional
            Class id or name to explain, one for all texts or one per text.
            The predicted class of each text by default.
        progress : bool, optional
            Show a progress bar; by default only when stderr is a terminal.

        Returns
        -------
        list of WordAttribution
            In input order.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return []
        encoded = self._encode(texts)
        probabilities = self._probabilities([e.input_ids for e in encoded])
        targets = self._resolve_targets(target, len(texts), probabilities.argmax(axis=1))
        bar = progress_bar(len(texts), self.name, progress)
        try:
            token_scores, deltas, steps = self._token_scores(encoded, targets, probabilities[np.arange(len(texts)), targets], bar)
        finally:
            if bar is not None:
                bar.close()
        labels = self.classifier.labels
        out = []
        for i, enc in enumerate(encoded):
            words, scores, spans = _merge(enc, token_scores[i])
            out.append(
                WordAttribution(
                    text=enc.text,
                    target=labels[targets[i]],
                    target_id=int(targets[i]),
                    words=words,
                    scores=scores,
                    spans=spans,
                    probability=float(probabilities[i, targets[i]]),
                    method=self.name,
                    convergence_delta=float(deltas[i]) if deltas is not None else math.nan,
                    n_steps=int(steps[i]) if steps is not None else 0,
                    truncated=enc.truncated,
                )
            )
        return out

    def _token_scores(self, encoded, targets, target_probabilities, bar):
        """Return (token scores per text, deltas or None, steps or None)."""
        raise NotImplementedError

    # -- shared machinery -------------------------------------------------

    def _resolve_targets(self, target: Target, n: int, predicted: np.ndarray) -> np.ndarray:
        return resolve_targets(self.classifier.labels, target, n, predicted)

    def _encode(self, texts: list[str]) -> list[_Encoded]:
        tokenizer = self.classifier.tokenizer
        limit = self.classifier.max_length
        batch = tokenizer(
            texts,
            add_special_tokens=True,
            truncation=True,
            max_length=limit,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            verbose=False,
        )
        at_limit = [i for i, ids in enumerate(batch["input_ids"]) if len(ids) >= limit]
        truncated = set()
        if at_limit:
            full = tokenizer([texts[i] for i in at_limit], add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
            truncated = {i for i, ids in zip(at_limit, full) if len(ids) > limit}
        out = []
        for i, text in enumerate(texts):
            ids = list(batch["input_ids"][i])
            special = list(batch["special_tokens_mask"][i])
            offsets = [tuple(o) for o in batch["offset_mapping"][i]]
            spans = word_spans(text)
            baseline = [tok if sp else self.classifier.pad_id for tok, sp in zip(ids, special)]
            out.append(_Encoded(text, ids, baseline, offsets, special, spans, token_word_index(offsets, special, spans), i in truncated))
        return out

    def _rows_per_pass(self, width: int) -> int:
        return rows_per_pass(self.classifier.model.config, self.classifier.device, width)

    def _groups(self, indices, lengths, rows_per_example: int, rows_for_width=None) -> list[list[int]]:
        """Split ``indices`` (sorted by length) into groups that fit one pass each.

        A group grows while ``len(group) * rows_per_example`` rows of its
        widest text still fit; a text too long for that still gets a group
        of its own (its rows are then split across several passes).
        """
        rows_for_width = rows_for_width or self._rows_per_pass
        order = sorted(indices, key=lambda i: lengths[i])
        groups: list[list[int]] = []
        current: list[int] = []
        for i in order:
            width = lengths[i]  # sorted: the newest is the widest
            if current and (len(current) + 1) * rows_per_example > rows_for_width(width):
                groups.append(current)
                current = []
            current.append(i)
        if current:
            groups.append(current)
        return groups

    def _captum_inputs(self, encoded, targets, group, *, baselines: bool = True):
        """One group as Captum takes it: the padded token ids, and the keyword arguments every method passes
        (the padded baselines unless ``baselines`` is False, each row's target, the attention mask)."""
        ids, mask = self.classifier.pad([encoded[i].input_ids for i in group])
        kwargs = {"target": [int(targets[i]) for i in group], "additional_forward_args": (mask,)}
        if baselines:
            kwargs["baselines"], _ = self.classifier.pad([encoded[i].baseline_ids for i in group])
        return ids, kwargs

    def _probabilities(self, rows: list[list[int]]) -> np.ndarray:
        """Softmax probabilities for token id rows, batched by length, no gradients."""
        import torch

        lengths = [len(r) for r in rows]
        out = np.empty((len(rows), len(self.classifier.labels)), dtype=np.float64)
        # Inference keeps no activations for backward: allow four times the rows.
        groups = self._groups(range(len(rows)), lengths, 1, lambda w: 4 * self._rows_per_pass(w))
        with torch.no_grad():
            for group in groups:
                ids, mask = self.classifier.pad([rows[i] for i in group])
                out[group] = self.classifier.probabilities(ids, mask).double().cpu().numpy()
        return out


def resolve_targets(labels: Sequence[str], target: Target, n: int, predicted: np.ndarray) -> np.ndarray:
    """One class id per text: ``target`` (one for all, or one per text, None meaning the predicted class)."""
    if target is None:
        return predicted.astype(np.int64)
    if isinstance(target, (str, int, np.integer)):
        return np.full(n, resolve_target(labels, target), dtype=np.int64)
    target = list(target)
    if len(target) != n:
        raise ConfigError(TARGET_LENGTH.format(n_targets=len(target), n_texts=n))
    return np.array([resolve_target(labels, t) if t is not None else predicted[i] for i, t in enumerate(target)],
                    dtype=np.int64)


def resolve_target(labels: Sequence[str], target) -> int:
    """Class id for a class name or id; :class:`ConfigError` when the model lacks it."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not 0 <= int(target) < len(labels):
            raise ConfigError(TARGET_OUT_OF_RANGE.format(target=int(target), n=len(labels), last=len(labels) - 1))
        return int(target)
    if isinstance(target, str):
        # the same rules as the probes' --target-label: exact or case-insensitive name, or an id
        from auditkit.probes._suite import resolve_target_label

        try:
            return resolve_target_label(labels, target)[0]
        except ConfigError:
            pass
    raise ConfigError(UNKNOWN_TARGET.format(target=target, labels=", ".join(labels)))


def _merge(enc: _Encoded, token_scores: np.ndarray):
    return sum_by_word(enc.text, enc.spans, enc.word_of_token, token_scores)


def progress_bar(total: int, name: str, progress: bool | None):
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=name.replace("_", " "), unit="text", leave=False)
