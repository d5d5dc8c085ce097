"""Kernel SHAP over words: Shapley values of word presence, estimated from sampled deletions."""

from __future__ import annotations

from auditkit.attribution._perturbation import WordPerturbation, check_samples

__all__ = ["WordKernelShap"]


class WordKernelShap(WordPerturbation):
    """Captum ``KernelShap`` with each word a feature (present, or deleted from the text), for any model kind.

    Scores are Shapley-value estimates: they share ``p(text) - p(no words)``
    among the words, interactions included, at the cost of ``n_samples``
    model calls per text (sampled coalitions, seeded).

    Parameters
    ----------
    classifier : Classifier
    n_samples : int, default 200
        Coalitions sampled per text.
    batch_size : int, default 64
    seed : int, default 0
    """

    name = "kernel_shap"

    def __init__(self, classifier, *, n_samples: int = 200, batch_size: int = 64, seed: int = 0):
        super().__init__(classifier, batch_size=batch_size, seed=seed)
        self.n_samples = check_samples(n_samples)

    def _word_scores(self, texts, spans, targets, bar):
        from captum.attr import KernelShap

        return self._one_by_one(texts, spans, targets, bar, KernelShap, self.n_samples)
