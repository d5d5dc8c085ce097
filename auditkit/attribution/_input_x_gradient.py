"""Input x gradient on the input embeddings: one backward pass per text."""

from __future__ import annotations

from auditkit.attribution._base import Attributor

__all__ = ["InputXGradient"]


class InputXGradient(Attributor):
    """Gradient of the target probability times the word embeddings (Captum).

    The cheapest method: one forward and one backward pass per text. It is
    a first-order, local view — it does not add up to the probability the
    way integrated gradients do, so no convergence delta is reported. Use
    it to cross-check integrated gradients, not instead of it.

    Parameters
    ----------
    classifier : GradientClassifier
    """

    name = "input_x_gradient"

    def _token_scores(self, encoded, targets, target_probabilities, bar):
        from captum.attr import LayerGradientXActivation

        method = LayerGradientXActivation(self.classifier.probabilities, self._embeddings)
        lengths = [len(e.input_ids) for e in encoded]
        scores = [None] * len(encoded)
        for group in self._groups(range(len(encoded)), lengths, 1):
            ids, inputs = self._captum_inputs(encoded, targets, group, baselines=False)
            attributions = method.attribute(ids, **inputs)
            per_token = attributions.detach().sum(dim=-1).double().cpu().numpy()
            for row, i in enumerate(group):
                scores[i] = self.classifier.unpad(per_token[row], lengths[i])
            if bar is not None:
                bar.update(len(group))
        return scores, None, None
