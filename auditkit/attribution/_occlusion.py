"""Word-level occlusion: how much the target probability drops without each word."""

from __future__ import annotations

import numpy as np

from auditkit.attribution._base import Attributor

__all__ = ["WordOcclusion"]


class WordOcclusion(Attributor):
    """Occlude one word at a time (Captum ``FeatureAblation`` with word masks).

    Every word piece of a word is replaced by the pad token together — the
    same replacement integrated gradients' baseline uses — and the word's
    score is ``p(text) - p(text without the word)``. It needs no gradients
    and sees interactions a gradient misses, at the cost of one forward pass
    per word.

    Parameters
    ----------
    classifier : GradientClassifier
    """

    name = "occlusion"
    approach = "perturbation"  # token ids of a local model: forward passes only, but still that model's tokenizer

    def _token_scores(self, encoded, targets, target_probabilities, bar):
        import torch
        from captum.attr import FeatureAblation

        ablation = FeatureAblation(self.classifier.probabilities)
        lengths = [len(e.input_ids) for e in encoded]
        n_words = [len(e.spans) for e in encoded]
        scores = [None] * len(encoded)
        # Forward passes only: rows are cheaper than with a backward pass.
        rows_for_width = lambda width: 4 * self._rows_per_pass(width)  # noqa: E731
        for group in self._groups(range(len(encoded)), lengths, 1, rows_for_width):
            ids, inputs = self._captum_inputs(encoded, targets, group)
            # Feature 0: special tokens and padding, which the baseline keeps.
            features = torch.zeros_like(ids)
            for row, i in enumerate(group):
                word = encoded[i].word_of_token + 1
                features[row] = torch.as_tensor(self._place(word, ids.shape[1]), device=ids.device)
            per_eval = max(1, rows_for_width(ids.shape[1]) // len(group))
            with torch.no_grad():
                attributions = ablation.attribute(
                    ids,
                    **inputs,
                    feature_mask=features,
                    perturbations_per_eval=min(per_eval, max(n_words[i] for i in group) + 1),
                )
            per_token = attributions.double().cpu().numpy()
            for row, i in enumerate(group):
                values = self.classifier.unpad(per_token[row], lengths[i])
                word = encoded[i].word_of_token
                # Every piece of a word carries the word's score; split it so
                # that merging (a sum over pieces) gives the score back.
                pieces = np.bincount(word[word >= 0], minlength=len(encoded[i].spans))
                share = np.where(word >= 0, pieces[np.maximum(word, 0)], 1)
                scores[i] = np.where(word >= 0, values / share, 0.0)
            if bar is not None:
                bar.update(len(group))
        return scores, None, None

    def _place(self, values: np.ndarray, width: int) -> np.ndarray:
        out = np.zeros(width, dtype=np.int64)
        if self.classifier.pads_left:
            out[width - len(values) :] = values
        else:
            out[: len(values)] = values
        return out
