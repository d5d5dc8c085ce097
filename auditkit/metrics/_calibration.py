"""Expected calibration error and its reliability bins."""

from __future__ import annotations

import numpy as np


def expected_calibration_error(y_true, y_proba, *, n_bins: int = 15) -> tuple[float, list[dict]]:
    """Top-label expected calibration error (Guo et al., 2017) with equal-width bins.

    ECE = sum over bins of (n_bin / n) * |accuracy(bin) - mean confidence(bin)|,
    where confidence is the probability of the predicted class. Bins are
    ``(lower, upper]``, the first one also holding confidence 0.

    Returns
    -------
    ece : float
    bins : list of dict
        ``lower``, ``upper``, ``count``, ``confidence`` and ``accuracy``
        (``None`` for empty bins) — the reliability diagram.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba, dtype=float)
    if len(y_true) == 0:
        return float("nan"), []
    confidence = y_proba.max(axis=1)
    correct = (y_proba.argmax(axis=1) == y_true).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    ece = 0.0
    bins = []
    for b in range(n_bins):
        in_bin = index == b
        count = int(in_bin.sum())
        if count:
            conf = float(confidence[in_bin].mean())
            acc = float(correct[in_bin].mean())
            ece += count / len(y_true) * abs(acc - conf)
        else:
            conf = acc = None
        bins.append({"lower": float(edges[b]), "upper": float(edges[b + 1]), "count": count, "confidence": conf, "accuracy": acc})
    return float(ece), bins
