"""LIME over words: a local linear model of the target probability on word presence."""

from __future__ import annotations

from auditkit.attribution._perturbation import WordPerturbation, check_samples

__all__ = ["WordLime"]


class WordLime(WordPerturbation):
    """Captum ``Lime`` with each word a feature (present, or deleted from the text), for any model kind.

    ``n_samples`` texts with random words deleted are scored; a ridge
    regression of the target probability on word presence, weighted by
    closeness to the full text (Captum's exponential cosine kernel), gives
    each word's score. Ridge rather than Captum's default lasso: on small
    effects a lasso zeroes every word, and identity share would be undefined.

    Parameters
    ----------
    classifier : Classifier
    n_samples : int, default 200
    batch_size : int, default 64
    seed : int, default 0
    """

    name = "lime"

    def __init__(self, classifier, *, n_samples: int = 200, batch_size: int = 64, seed: int = 0):
        super().__init__(classifier, batch_size=batch_size, seed=seed)
        self.n_samples = check_samples(n_samples)

    def _word_scores(self, texts, spans, targets, bar):
        from captum._utils.models.linear_model import SkLearnRidge
        from captum.attr import Lime

        return self._one_by_one(texts, spans, targets, bar,
                                lambda forward: Lime(forward, interpretable_model=SkLearnRidge(alpha=1e-3)), self.n_samples)
