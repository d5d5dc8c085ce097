"""Word perturbation: explain any classifier by deleting words and asking it again.

An endpoint, a scikit-learn pipeline or a zero-shot pipeline has no
gradients and no token ids auditkit can reach; what it has is
``predict_proba(texts)``. The methods here work on that alone: each word of
a text is an interpretable feature, present (1) or deleted (0); Captum's
perturbation methods (FeatureAblation, KernelShap, Lime) choose which words
to delete, the texts without them are scored in as few ``predict_proba``
calls as possible (duplicates once), and each word gets a signed score
toward the target probability. They run on every model kind, and the run
labels them ``approach: perturbation``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from auditkit.attribution._base import Target, WordAttribution, progress_bar, resolve_targets
from auditkit.attribution._faithfulness import delete_words
from auditkit.attribution._words import word_spans
from auditkit.errors import ConfigError
from auditkit.models import Classifier

__all__ = ["WordPerturbation", "SampledWordPerturbation"]

BAD_SAMPLES = "n_samples must be a whole number of at least 2, got {value!r}"


class WordPerturbation:
    """Base class: words as features, deleted from the text; subclasses pick Captum's method.

    Parameters
    ----------
    classifier : Classifier
        Any model kind: only ``predict_proba`` and ``labels`` are used.
    batch_size : int, default 64
        Texts per ``predict_proba`` batch.
    seed : int, default 0
        For sampling methods (KernelShap, Lime); torch's global random state is left as it was.
    """

    name = "word_perturbation"
    needs_gradients = False
    approach = "perturbation"

    def __init__(self, classifier: Classifier, *, batch_size: int = 64, seed: int = 0):
        self.classifier = classifier
        self.batch_size = batch_size
        self.seed = seed

    def attribute(self, texts: Sequence[str], *, target: Target = None, progress: bool | None = None) -> list[WordAttribution]:
        """Score the words of each text toward a target class (the predicted one by default); see
        :meth:`auditkit.attribution.Attributor.attribute`."""
        texts = [str(t) for t in texts]
        if not texts:
            return []
        probabilities = self.classifier.predict_proba(texts, batch_size=self.batch_size, progress=False).probabilities
        probabilities = np.asarray(probabilities, dtype=np.float64)
        targets = resolve_targets(self.classifier.labels, target, len(texts), probabilities.argmax(axis=1))
        spans = [word_spans(t) for t in texts]
        bar = progress_bar(len(texts), self.name, progress)
        try:
            scores = self._word_scores(texts, spans, targets, bar)
        finally:
            if bar is not None:
                bar.close()
        labels = self.classifier.labels
        return [
            WordAttribution(text=text, target=labels[targets[i]], target_id=int(targets[i]),
                            words=[text[s:e] for s, e in spans[i]], scores=np.asarray(scores[i], dtype=np.float64),
                            spans=list(spans[i]), probability=float(probabilities[i, targets[i]]), method=self.name,
                            convergence_delta=math.nan, n_steps=0, truncated=False)
            for i, text in enumerate(texts)
        ]

    def _word_scores(self, texts, spans, targets, bar) -> list[np.ndarray]:
        raise NotImplementedError

    # -- shared machinery -------------------------------------------------

    def _forward(self, texts: list[str], spans: list[list[tuple[int, int]]], rows_of):
        """A Captum forward function: presence rows (1 keeps a word) -> probabilities of the texts they leave.

        ``rows_of(n_rows)`` gives, for a batch of ``n_rows`` presence rows, the text index of each row.
        """
        import torch

        def forward(presence):
            keep = (presence.detach().cpu().numpy() > 0.5)
            which = rows_of(len(keep))
            perturbed = []
            for row, i in zip(keep, which):
                n = len(spans[i])
                removed = np.flatnonzero(~row[:n])
                perturbed.append(texts[i] if not len(removed) else delete_words(texts[i], spans[i], removed))
            unique = list(dict.fromkeys(perturbed))
            where = {t: k for k, t in enumerate(unique)}
            probs = np.asarray(self.classifier.predict_proba(unique, batch_size=self.batch_size, progress=False).probabilities,
                               dtype=np.float64)
            return torch.from_numpy(probs[[where[t] for t in perturbed]])

        return forward

    def _one_by_one(self, texts, spans, targets, bar, method_for, n_samples: int) -> list[np.ndarray]:
        """Run a sampling method (KernelShap, Lime) text by text, all of a text's samples in one call."""
        import torch

        out = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            for i, text in enumerate(texts):
                n = len(spans[i])
                if n == 0:
                    out.append(np.zeros(0))
                else:
                    method = method_for(self._forward([text], [spans[i]], lambda k: [0] * k))
                    ones = torch.ones((1, n), dtype=torch.float64)
                    attributions = method.attribute(ones, baselines=torch.zeros_like(ones), target=int(targets[i]),
                                                    feature_mask=torch.arange(n).unsqueeze(0), n_samples=n_samples,
                                                    perturbations_per_eval=n_samples)
                    out.append(attributions[0].double().numpy())
                if bar is not None:
                    bar.update(1)
        return out


class SampledWordPerturbation(WordPerturbation):
    """Base class of the sampling methods (KernelShap, Lime): ``n_samples`` perturbed texts per text, seeded."""

    def __init__(self, classifier: Classifier, *, n_samples: int = 200, batch_size: int = 64, seed: int = 0):
        super().__init__(classifier, batch_size=batch_size, seed=seed)
        self.n_samples = check_samples(n_samples)

    def _word_scores(self, texts, spans, targets, bar):
        return self._one_by_one(texts, spans, targets, bar, self._captum_method, self.n_samples)

    def _captum_method(self, forward):
        """The Captum attribution object for ``forward``."""
        raise NotImplementedError


def check_samples(value) -> int:
    """``value`` as a sample count (ConfigError unless a whole number of at least 2)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ConfigError(BAD_SAMPLES.format(value=value), parameter="n_samples")
    return int(value)
