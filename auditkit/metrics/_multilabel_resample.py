"""Multi-label scores of many bootstrap resamples at once, from counts of distinct row patterns.

Every multi-label headline metric is a function of sums over rows: subset
accuracy of exact matches, Hamming loss of wrong labels, samples-F1 of each
row's F1, micro- and macro-F1 of per-label true/false positives and false
negatives. Rows with the same true and predicted labels contribute the same,
so the rows are grouped into distinct patterns, each pattern's contribution
(its *features*) is computed once, and a resample drawn as pattern counts
(:func:`auditkit.metrics._bootstrap.resample_counts`) is scored by ``counts @ features``.
The cost is O(n_boot x patterns), whatever the number of rows.
"""

from __future__ import annotations

import numpy as np

from auditkit.metrics._bootstrap import resample_count_chunks
from auditkit.metrics._classification import safe_ratio

#: The most resample x pattern counts held at once (160 MB of int64); more resamples are drawn in blocks.
MAX_COUNT_ENTRIES = 20_000_000

_N_ROW_FEATURES = 3  # exact match, wrong labels, row F1; then TP, FP, FN per label


def multilabel_patterns(y_true, *y_preds) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The distinct rows of ``y_true`` beside each ``y_pred``, and the pattern of every row.

    Parameters
    ----------
    y_true : array-like of int, shape (n, n_labels)
        0/1 true labels.
    *y_preds : array-like of int, shape (n, n_labels)
        0/1 decisions of one or more models on the same rows.

    Returns
    -------
    codes : ndarray of int, shape (n,)
        The pattern of each row, in ``range(n_patterns)``.
    true_patterns : ndarray of shape (n_patterns, n_labels)
    pred_patterns : list of ndarray of shape (n_patterns, n_labels)
        One per ``y_pred``.
    """
    matrices = [np.asarray(m, dtype=np.int8) for m in (y_true, *y_preds)]
    shapes = {m.shape for m in matrices}
    if len(shapes) != 1 or matrices[0].ndim != 2:
        raise ValueError(f"y_true and y_preds must be 0/1 matrices of one shape (n, n_labels), got shapes {sorted(shapes)}")
    patterns, codes = np.unique(np.hstack(matrices), axis=0, return_inverse=True)
    parts = np.split(patterns, len(matrices), axis=1)
    return codes.reshape(-1), parts[0], parts[1:]


def _pattern_features(true_patterns: np.ndarray, pred_patterns: np.ndarray) -> np.ndarray:
    """Each pattern's exact match, wrong labels, row F1, then its TP, FP and FN of every label: (n_patterns, 3 + 3 n_labels)."""
    t, p = true_patterns.astype(bool), pred_patterns.astype(bool)
    tp, fp, fn = t & p, ~t & p, t & ~p
    row_tp, row_den = tp.sum(axis=1), 2 * tp.sum(axis=1) + fp.sum(axis=1) + fn.sum(axis=1)
    # a row with no true and no predicted label is right (zero_division=1.0, as multilabel_scores)
    row_f1 = np.divide(2 * row_tp, row_den, out=np.ones(len(t)), where=row_den > 0)
    return np.column_stack([(t == p).all(axis=1), (t != p).sum(axis=1), row_f1, tp, fp, fn]).astype(np.float64)


def _scores_from_totals(totals: np.ndarray, n: np.ndarray, n_labels: int) -> dict[str, np.ndarray]:
    """Scores from the summed features of shape (..., 3 + 3 n_labels) of ``n`` rows."""
    tp, fp, fn = (totals[..., _N_ROW_FEATURES + j * n_labels:_N_ROW_FEATURES + (j + 1) * n_labels] for j in range(3))
    return {
        "subset_accuracy": safe_ratio(totals[..., 0], n),
        "micro_f1": safe_ratio(2 * tp.sum(axis=-1), (2 * tp + fp + fn).sum(axis=-1)),
        "macro_f1": safe_ratio(2 * tp, 2 * tp + fp + fn).mean(axis=-1),  # over every label, as average="macro"
        "samples_f1": safe_ratio(totals[..., 2], n),
        "hamming_loss": safe_ratio(totals[..., 1], n * n_labels),
        "recall": safe_ratio(tp, tp + fn),
    }


def multilabel_scores_from_patterns(counts, true_patterns, pred_patterns) -> dict[str, np.ndarray]:
    """Multi-label scores of row multisets given as pattern counts, many at once.

    The same definitions as :func:`auditkit.metrics._multilabel.multilabel_scores`
    (scikit-learn): F1 with ``zero_division=0``, except samples-F1, where a row
    with no true and no predicted label scores 1; macro-F1 averages over every
    label. A set of no rows scores 0.

    Parameters
    ----------
    counts : array-like of int, shape (..., n_patterns)
        How often each pattern occurs (e.g. resamples from
        :func:`auditkit.metrics._bootstrap.resample_counts` over the codes of
        :func:`multilabel_patterns`).
    true_patterns, pred_patterns : array-like of 0/1, shape (n_patterns, n_labels)

    Returns
    -------
    dict of str to ndarray
        ``subset_accuracy``, ``micro_f1``, ``macro_f1``, ``samples_f1``,
        ``hamming_loss`` of shape (...,); ``recall`` of each label, shape
        (..., n_labels).
    """
    true_patterns, pred_patterns = np.asarray(true_patterns), np.asarray(pred_patterns)
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts @ _pattern_features(true_patterns, pred_patterns)
    return _scores_from_totals(totals, counts.sum(axis=-1), true_patterns.shape[1])


def resample_multilabel_scores(y_true, *y_preds, n_boot: int = 1000, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Scores of each prediction matrix on the rows and on the same ``n_boot`` bootstrap resamples of them.

    Rows are resampled jointly (for two models: a paired bootstrap) as counts
    of their distinct patterns, in blocks of at most :data:`MAX_COUNT_ENTRIES`
    counts.

    Parameters
    ----------
    y_true : array-like of int, shape (n, n_labels)
    *y_preds : array-like of int, shape (n, n_labels)
    n_boot : int, default 1000
    seed : int, default 0
        Seeds ``numpy.random.default_rng``: same inputs, same resamples.

    Returns
    -------
    observed : list of dict
        Per ``y_pred``, :func:`multilabel_scores_from_patterns` on the rows.
    resampled : list of dict
        Per ``y_pred``, the same scores with a leading axis of ``n_boot`` resamples.
    """
    codes, truth, preds = multilabel_patterns(y_true, *y_preds)
    features = [_pattern_features(truth, p) for p in preds]
    n_labels = truth.shape[1]

    def scores(counts: np.ndarray) -> list[dict]:
        counts = counts.astype(np.float64)
        n = counts.sum(axis=-1)
        return [_scores_from_totals(counts @ f, n, n_labels) for f in features]

    observed = scores(np.bincount(codes, minlength=len(truth)))
    chunk = max(1, MAX_COUNT_ENTRIES // max(1, len(truth)))
    blocks = [scores(c) for c in resample_count_chunks(codes, n_cells=len(truth), n_boot=n_boot, seed=seed, chunk_size=chunk)]
    resampled = [{name: np.concatenate([b[i][name] for b in blocks]) for name in observed[i]} for i in range(len(preds))]
    return observed, resampled
