"""Kernel SHAP over words: Shapley values of word presence, estimated from sampled deletions."""

from __future__ import annotations

from auditkit.attribution._perturbation import SampledWordPerturbation

__all__ = ["WordKernelShap"]


class WordKernelShap(SampledWordPerturbation):
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

    def _captum_method(self, forward):
        from captum.attr import KernelShap

        return KernelShap(forward)
