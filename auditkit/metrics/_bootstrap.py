"""Seeded percentile bootstrap confidence intervals."""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np


def bootstrap_ci(
    y_true,
    y_pred,
    *,
    statistic: Callable[[np.ndarray, np.ndarray], Mapping[str, float]],
    n_boot: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals for every value ``statistic`` returns.

    Examples are resampled with replacement ``n_boot`` times with a
    ``numpy.random.default_rng(seed)`` generator, so the same inputs and seed
    always give the same intervals.

    Parameters
    ----------
    y_true, y_pred : array-like
    statistic : callable
        ``statistic(y_true_sample, y_pred_sample) -> {name: value}``.
    n_boot : int, default 1000
    confidence_level : float, default 0.95
    seed : int, default 0

    Returns
    -------
    dict of str to (low, high)
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be between 0 and 1, got {confidence_level}")
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    n = len(y_true)
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(n_boot):
        idx = rng.integers(0, n, size=n)
        for name, value in statistic(y_true[idx], y_pred[idx]).items():
            samples.setdefault(name, []).append(value)
    alpha = (1 - confidence_level) / 2
    return {
        name: (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
        for name, values in samples.items()
    }
