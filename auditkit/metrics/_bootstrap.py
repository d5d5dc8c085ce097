"""Seeded percentile bootstrap confidence intervals.

Two routes to the same kind of interval:

* :func:`bootstrap_ci` resamples rows and calls any ``statistic`` on each
  resample (a Python loop: fine for a few thousand rows).
* :func:`resample_counts` draws the per-resample counts of each
  (true, predicted[, predicted]) cell directly. A resample of ``n`` rows with
  replacement holds cell ``c`` a Multinomial(n, count_c / n) number of times,
  so confusion-count resamples cost O(n_boot x cells) whatever ``n`` is;
  :func:`auditkit.metrics._classification.scores_from_confusion` turns them into scores
  (:func:`resample_count_chunks` draws the same resamples in blocks).
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np


def check_bootstrap(n_boot: int, confidence_level: float) -> None:
    """Raise ``ValueError`` unless ``n_boot`` >= 1 and 0 < ``confidence_level`` < 1."""
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be between 0 and 1, got {confidence_level}")


def percentile_interval(samples, *, confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap ``samples`` along axis 0: (low, high)."""
    alpha = (1 - confidence_level) / 2
    samples = np.asarray(samples, dtype=float)
    return np.quantile(samples, alpha, axis=0), np.quantile(samples, 1 - alpha, axis=0)


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
    check_bootstrap(n_boot, confidence_level)
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
    out = {}
    for name, values in samples.items():
        low, high = percentile_interval(values, confidence_level=confidence_level)
        out[name] = (float(low), float(high))
    return out


def resample_counts(codes, *, n_cells: int, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap resamples of cell counts, drawn without touching the rows.

    Parameters
    ----------
    codes : array-like of int, shape (n,)
        The cell of each row, in ``range(n_cells)`` (e.g. ``y_true * k + y_pred``
        for a confusion matrix).
    n_cells : int
    n_boot : int, default 1000
    seed : int, default 0
        Seeds ``numpy.random.default_rng``: same inputs, same resamples.

    Returns
    -------
    ndarray of shape (n_boot, n_cells)
        How often each cell occurs in each resample of ``n`` rows drawn with
        replacement (each row sums to ``n``).
    """
    return np.concatenate(list(resample_count_chunks(codes, n_cells=n_cells, n_boot=n_boot, seed=seed, chunk_size=n_boot)))


def resample_count_chunks(codes, *, n_cells: int, n_boot: int = 1000, seed: int = 0, chunk_size: int = 1000):
    """:func:`resample_counts` in blocks of at most ``chunk_size`` resamples.

    The blocks, stacked, are exactly ``resample_counts(codes, n_cells=n_cells,
    n_boot=n_boot, seed=seed)``; drawing them one by one bounds the memory when
    there are many cells.

    Yields
    ------
    ndarray of shape (m, n_cells), m <= chunk_size
    """
    check_bootstrap(n_boot, 0.5)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.bincount(codes, minlength=n_cells).astype(np.int64)
    if len(counts) != n_cells:
        raise ValueError(f"codes must lie in range({n_cells}), got a code {int(codes.max())}")
    n = int(counts.sum())
    rng = np.random.default_rng(seed)
    for start in range(0, n_boot, chunk_size):
        size = min(chunk_size, n_boot - start)
        yield np.zeros((size, n_cells), dtype=np.int64) if n == 0 else rng.multinomial(n, counts / n, size=size)
