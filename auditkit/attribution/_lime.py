"""LIME over words: a local linear model of the target probability on word presence."""

from __future__ import annotations

from auditkit.attribution._perturbation import SampledWordPerturbation

__all__ = ["WordLime"]


class WordLime(SampledWordPerturbation):
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
        Perturbed texts per text.
    batch_size : int, default 64
    seed : int, default 0
    """

    name = "lime"

    def _captum_method(self, forward):
        from captum._utils.models.linear_model import SkLearnRidge
        from captum.attr import Lime

        return Lime(forward, interpretable_model=SkLearnRidge(alpha=1e-3))
