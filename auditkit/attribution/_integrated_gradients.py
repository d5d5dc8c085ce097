"""Layer integrated gradients on the input embeddings, with adaptive steps."""

from __future__ import annotations

import numpy as np

from auditkit.attribution._base import Attributor
from auditkit.errors import ConfigError

__all__ = ["IntegratedGradients"]

BAD_STEPS = "n_steps must be at least 2 and at most max_n_steps, got n_steps={n_steps}, max_n_steps={max_n_steps}"
BAD_TOLERANCE = "tolerance must be a positive number, got {tolerance!r}"
BAD_BATCH = "internal_batch_size must be a positive number of rows, got {value!r}"
_INTEGRATION_METHODS = ("gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right", "riemann_middle")
BAD_METHOD = "unknown integration method {method!r}; choose one of " + ", ".join(_INTEGRATION_METHODS)


class IntegratedGradients(Attributor):
    """Layer integrated gradients (Captum) on the word-embedding layer.

    Explains the softmax probability of the target class. The baseline keeps
    the special tokens ([CLS]/[SEP], <s>/</s>...) and replaces every other
    token with the pad token, so word scores add up to
    ``p(text) - p(baseline)`` up to the reported convergence delta.

    Steps are adaptive: every text is integrated with ``n_steps`` first;
    texts whose ``|delta|`` exceeds ``tolerance`` are redone with twice the
    steps, and so on up to ``max_n_steps``. Texts of similar length are
    integrated together, all their steps in as few passes as memory allows.

    Parameters
    ----------
    classifier : GradientClassifier
    n_steps : int, default 16
        Steps of the first pass.
    max_n_steps : int, default 256
        Most steps any text gets; a text still above ``tolerance`` there
        keeps its last result (its delta says so).
    tolerance : float, default 0.05
        Largest acceptable ``|convergence delta|``, in probability units.
    internal_batch_size : int, optional
        Rows (text x step) per forward/backward pass; sized from free memory
        and the sequence length when omitted.
    method : str, default "gausslegendre"
        Captum's integration rule.

    Examples
    --------
    >>> ig = IntegratedGradients(classifier)                 # doctest: +SKIP
    >>> [a] = ig.attribute(["a gorgeous, witty film"])       # doctest: +SKIP
    >>> a.top(2), a.convergence_delta                        # doctest: +SKIP
    """

    name = "integrated_gradients"

    def __init__(
        self,
        classifier,
        *,
        n_steps: int = 16,
        max_n_steps: int = 256,
        tolerance: float = 0.05,
        internal_batch_size: int | None = None,
        method: str = "gausslegendre",
    ):
        super().__init__(classifier)
        if not (isinstance(n_steps, int) and isinstance(max_n_steps, int) and 2 <= n_steps <= max_n_steps):
            raise ConfigError(BAD_STEPS.format(n_steps=n_steps, max_n_steps=max_n_steps))
        if not (isinstance(tolerance, (int, float)) and tolerance > 0):
            raise ConfigError(BAD_TOLERANCE.format(tolerance=tolerance))
        if internal_batch_size is not None and not (isinstance(internal_batch_size, int) and internal_batch_size >= 1):
            raise ConfigError(BAD_BATCH.format(value=internal_batch_size))
        if method not in _INTEGRATION_METHODS:
            raise ConfigError(BAD_METHOD.format(method=method))
        self.n_steps = n_steps
        self.max_n_steps = max_n_steps
        self.tolerance = float(tolerance)
        self.internal_batch_size = internal_batch_size
        self.method = method

    def _token_scores(self, encoded, targets, target_probabilities, bar):
        from captum.attr import LayerIntegratedGradients

        n = len(encoded)
        lengths = [len(e.input_ids) for e in encoded]
        baseline_probabilities = self._probabilities([e.baseline_ids for e in encoded])[np.arange(n), targets]
        # What completeness says the scores must add up to.
        gap = target_probabilities - baseline_probabilities
        lig = LayerIntegratedGradients(self.classifier.probabilities, self._embeddings)
        scores: list[np.ndarray | None] = [None] * n
        deltas = np.full(n, np.nan)
        used = np.zeros(n, dtype=np.int64)
        pending = list(range(n))
        steps = self.n_steps
        while pending:
            for group in self._groups(pending, lengths, steps, self._rows_for_width):
                ids, inputs = self._captum_inputs(encoded, targets, group)
                rows = self._rows_for_width(ids.shape[1])
                attributions = lig.attribute(
                    ids,
                    **inputs,
                    n_steps=steps,
                    method=self.method,
                    internal_batch_size=max(len(group), min(rows, len(group) * steps)),
                )
                per_token = attributions.detach().sum(dim=-1).double().cpu().numpy()
                for row, i in enumerate(group):
                    scores[i] = self.classifier.unpad(per_token[row], lengths[i])
                    deltas[i] = scores[i].sum() - gap[i]
                    used[i] = steps
                if bar is not None and steps == self.n_steps:
                    bar.update(len(group))
            pending = [i for i in pending if abs(deltas[i]) > self.tolerance and steps < self.max_n_steps]
            steps = min(2 * steps, self.max_n_steps)
            if bar is not None and pending:
                bar.set_postfix_str(f"refining {len(pending)} at {steps} steps")
        return scores, deltas, used

    def _rows_for_width(self, width: int) -> int:
        if self.internal_batch_size is not None:
            return self.internal_batch_size
        return self._rows_per_pass(width)
