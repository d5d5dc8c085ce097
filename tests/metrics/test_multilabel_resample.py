"""Multi-label scores from pattern counts equal scikit-learn's on the rows those counts stand for."""

import numpy as np
import pytest
from sklearn.metrics import recall_score

from auditkit.metrics import bootstrap_ci, evaluate_multilabel
from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS, multilabel_intervals, multilabel_scores
from auditkit.metrics._multilabel_resample import (
    multilabel_patterns,
    multilabel_scores_from_patterns,
    resample_multilabel_scores,
)
from auditkit.metrics._bootstrap import resample_counts
from auditkit.metrics import _multilabel_resample


def _decisions(seed: int, n: int = 300, k: int = 5):
    """0/1 truth and decisions with empty rows, a label never present and a label never predicted."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, k)) < rng.uniform(0.05, 0.5, k)).astype(int)
    pred = np.where(rng.random((n, k)) < 0.75, y, 1 - y)
    y[:, 0] = 0  # never present (but predicted)
    pred[:, 1] = 0  # never predicted (but present)
    empty = rng.random(n) < 0.2
    y[empty], pred[empty] = 0, 0  # no true and no predicted label: samples-F1 scores these rows 1
    return y, pred


def _rows(counts, true_patterns, pred_patterns):
    """The rows a vector of pattern counts stands for."""
    return np.repeat(true_patterns, counts, axis=0), np.repeat(pred_patterns, counts, axis=0)


@pytest.mark.parametrize("seed", range(5))
def test_pattern_scores_equal_scikit_learn(seed):
    y, pred = _decisions(seed)
    codes, truth, [decided] = multilabel_patterns(y, pred)
    assert len(truth) < len(y)  # rows share patterns
    np.testing.assert_array_equal(truth[codes], y)
    np.testing.assert_array_equal(decided[codes], pred)
    got = multilabel_scores_from_patterns(np.bincount(codes), truth, decided)
    expected = multilabel_scores(y, pred)
    assert set(got) == set(MULTILABEL_HEADLINE_METRICS) | {"recall"}
    for name in MULTILABEL_HEADLINE_METRICS:
        assert float(got[name]) == pytest.approx(expected[name], abs=1e-12), name
    np.testing.assert_allclose(got["recall"], recall_score(y, pred, average=None, zero_division=0), atol=1e-12)


def test_each_resample_scores_like_scikit_learn_on_its_rows():
    y, pred = _decisions(7, n=200)
    codes, truth, [decided] = multilabel_patterns(y, pred)
    counts = resample_counts(codes, n_cells=len(truth), n_boot=20, seed=3)
    batch = multilabel_scores_from_patterns(counts, truth, decided)
    _, [resampled] = resample_multilabel_scores(y, pred, n_boot=20, seed=3)
    for b, row in enumerate(counts):
        expected = multilabel_scores(*_rows(row, truth, decided))
        for name in MULTILABEL_HEADLINE_METRICS:
            assert batch[name][b] == pytest.approx(expected[name], abs=1e-12), name
            assert resampled[name][b] == batch[name][b]  # resample_multilabel_scores draws these same resamples


def test_paired_resamples_score_both_models_on_the_same_rows():
    y, pred_a = _decisions(8, n=150)
    pred_b = np.where(np.random.default_rng(9).random(y.shape) < 0.9, y, 1 - y)
    codes, truth, [da, db] = multilabel_patterns(y, pred_a, pred_b)
    counts = resample_counts(codes, n_cells=len(truth), n_boot=10, seed=0)
    observed, (res_a, res_b) = resample_multilabel_scores(y, pred_a, pred_b, n_boot=10, seed=0)
    assert float(observed[1]["macro_f1"]) == pytest.approx(multilabel_scores(y, pred_b)["macro_f1"], abs=1e-12)
    for b, row in enumerate(counts):
        t, a = _rows(row, truth, da)
        _, bb = _rows(row, truth, db)
        assert res_a["micro_f1"][b] == pytest.approx(multilabel_scores(t, a)["micro_f1"], abs=1e-12)
        assert res_b["samples_f1"][b] == pytest.approx(multilabel_scores(t, bb)["samples_f1"], abs=1e-12)


def test_resamples_drawn_in_blocks_are_the_same_resamples(monkeypatch):
    y, pred = _decisions(10, n=120)
    _, [whole] = resample_multilabel_scores(y, pred, n_boot=50, seed=1)
    monkeypatch.setattr(_multilabel_resample, "MAX_COUNT_ENTRIES", 7 * 40)  # blocks of 7 resamples or fewer
    _, [blocks] = resample_multilabel_scores(y, pred, n_boot=50, seed=1)
    for name in whole:
        np.testing.assert_array_equal(whole[name], blocks[name])


def test_intervals_agree_with_the_row_bootstrap():
    """Counts of patterns and resampled rows are two draws of one bootstrap distribution."""
    y, pred = _decisions(11)
    rows = bootstrap_ci(y, pred, statistic=multilabel_scores, n_boot=2000, seed=0)
    patterns = multilabel_intervals(y, pred, n_boot=2000, seed=0)
    assert set(patterns) == set(MULTILABEL_HEADLINE_METRICS)
    for name in MULTILABEL_HEADLINE_METRICS:
        assert patterns[name] == pytest.approx(rows[name], abs=0.01), name


def test_same_seed_same_intervals_and_evaluate_multilabel_uses_them():
    y, pred = _decisions(12)
    first = multilabel_intervals(y, pred, n_boot=300, seed=5)
    assert multilabel_intervals(y, pred, n_boot=300, seed=5) == first
    assert multilabel_intervals(y, pred, n_boot=300, seed=6) != first
    m = evaluate_multilabel(y, pred.astype(float), label_names=list("abcde"), thresholds=[0.5] * 5, n_boot=300, seed=5,
                            confidence_level=0.9)
    expected = multilabel_intervals(y, pred, n_boot=300, seed=5, confidence_level=0.9)
    assert {name: (m[name]["ci_low"], m[name]["ci_high"]) for name in MULTILABEL_HEADLINE_METRICS} == expected


def test_no_rows_no_intervals_and_bad_options_are_refused():
    empty = np.zeros((0, 3), dtype=int)
    assert multilabel_intervals(empty, empty, n_boot=10) == {}
    y, pred = _decisions(13, n=20)
    with pytest.raises(ValueError, match="confidence_level"):
        multilabel_intervals(y, pred, confidence_level=1.5)
    with pytest.raises(ValueError, match="one shape"):
        multilabel_patterns(y, pred[:, :2])
