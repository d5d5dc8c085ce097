"""Word ablation: how much the target probability drops when one word is deleted from the text."""

from __future__ import annotations

import numpy as np

from auditkit.attribution._perturbation import WordPerturbation

__all__ = ["WordAblation"]


class WordAblation(WordPerturbation):
    """Delete one word at a time (Captum ``FeatureAblation`` over word features), for any model kind.

    A word's score is ``p(text) - p(text without the word)``: deterministic,
    one model call per word, and every text of a call is scored together (so
    an endpoint sees few, full batches). The text-level sibling of
    :class:`~auditkit.attribution.WordOcclusion`, which replaces a local
    model's token ids instead.

    Parameters
    ----------
    classifier : Classifier
    batch_size : int, default 64
    """

    name = "word_ablation"

    def _word_scores(self, texts, spans, targets, bar):
        import torch
        from captum.attr import FeatureAblation

        width = max((len(s) for s in spans), default=0)
        if width == 0:
            if bar is not None:
                bar.update(len(texts))
            return [np.zeros(0) for _ in texts]
        n = len(texts)
        # Row r of every batch Captum builds is text r % n (it stacks the perturbations of all texts).
        forward = self._forward(texts, spans, lambda k: [r % n for r in range(k)])
        presence = torch.ones((n, width), dtype=torch.float64)
        attributions = FeatureAblation(forward).attribute(
            presence, baselines=0.0, target=[int(t) for t in targets],
            feature_mask=torch.arange(width).repeat(n, 1), perturbations_per_eval=width)
        if bar is not None:
            bar.update(n)
        values = attributions.double().numpy()
        return [values[i, : len(spans[i])] for i in range(n)]
