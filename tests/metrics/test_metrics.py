import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score

from auditkit.metrics import bootstrap_ci, evaluate_predictions, expected_calibration_error
from auditkit.metrics._evaluate import headline_intervals
from auditkit.metrics._classification import headline_scores, scores_from_confusion
from auditkit.metrics._bootstrap import resample_counts


def random_predictions(n=400, k=2, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[y] * 1.2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba


@pytest.mark.parametrize("k", [2, 3, 5])
def test_every_number_equals_scikit_learn(k):
    y, proba = random_predictions(k=k)
    pred = proba.argmax(1)
    names = [f"c{i}" for i in range(k)]
    m = evaluate_predictions(y, proba, label_names=names, n_boot=50)
    assert m["accuracy"]["value"] == pytest.approx(accuracy_score(y, pred))
    assert m["macro_f1"]["value"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert m["macro_precision"]["value"] == pytest.approx(precision_score(y, pred, average="macro"))
    assert m["macro_recall"]["value"] == pytest.approx(recall_score(y, pred, average="macro"))
    per_f1 = f1_score(y, pred, average=None)
    for i, name in enumerate(names):
        assert m["per_class"][name]["f1"] == pytest.approx(per_f1[i])
        assert m["per_class"][name]["support"] == int((y == i).sum())
    assert m["confusion_matrix"]["matrix"] == confusion_matrix(y, pred).tolist()
    expected_auc = roc_auc_score(y, proba[:, 1]) if k == 2 else roc_auc_score(y, proba, multi_class="ovr")
    assert m["roc_auc"] == pytest.approx(expected_auc)


def test_intervals_are_seeded_and_contain_the_point():
    y, proba = random_predictions()
    a = evaluate_predictions(y, proba, label_names=["n", "p"], n_boot=200, seed=3)
    b = evaluate_predictions(y, proba, label_names=["n", "p"], n_boot=200, seed=3)
    c = evaluate_predictions(y, proba, label_names=["n", "p"], n_boot=200, seed=4)
    for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        entry = a[name]
        assert entry == b[name]
        assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
        assert entry["ci_high"] - entry["ci_low"] < 0.15
    assert a["accuracy"]["ci_low"] != c["accuracy"]["ci_low"]


def rows_from_counts(counts, k):
    """The (true, predicted) rows a vector of confusion-cell counts stands for."""
    cells = np.repeat(np.arange(k * k), counts)
    return cells // k, cells % k


@pytest.mark.parametrize("k", [2, 3, 4])
def test_scores_from_confusion_equal_scikit_learn_on_every_resample(k):
    y, proba = random_predictions(n=300, k=k, seed=k)
    pred = proba.argmax(1)
    pred[:5] = k - 1  # a class that may be predicted but rare
    counts = resample_counts(y * k + pred, n_cells=k * k, n_boot=20, seed=1)
    assert (counts.sum(axis=1) == len(y)).all()
    labels = sorted(set(y.tolist()) | set(pred.tolist()))
    scores = scores_from_confusion(counts.reshape(-1, k, k), labels=labels)
    for i, row in enumerate(counts):
        t, p = rows_from_counts(row, k)
        expected = headline_scores(t, p, labels=labels)  # scikit-learn on the resampled rows
        for name, value in expected.items():
            assert scores[name][i] == pytest.approx(value, abs=1e-12)
        assert scores["recall"][i] == pytest.approx(recall_score(t, p, labels=labels, average=None, zero_division=0))
        assert scores["f1"][i] == pytest.approx(f1_score(t, p, labels=labels, average=None, zero_division=0))


def test_scores_from_confusion_zero_division_is_zero_like_scikit_learn():
    t, p = np.array([0, 0, 0]), np.array([0, 0, 0])  # class 1 never occurs nor is predicted
    scores = scores_from_confusion(confusion_matrix(t, p, labels=[0, 1]), labels=[0, 1])
    assert scores["macro_f1"] == pytest.approx(f1_score(t, p, labels=[0, 1], average="macro", zero_division=0))
    assert scores["macro_precision"] == pytest.approx(precision_score(t, p, labels=[0, 1], average="macro", zero_division=0))


def test_counts_bootstrap_agrees_with_the_row_bootstrap():
    """Resampling counts is the row bootstrap drawn another way: the intervals agree to Monte-Carlo error."""
    y, proba = random_predictions(n=500, k=3, seed=7)
    pred = proba.argmax(1)
    fast = headline_intervals(y, pred, n_classes=3, labels=[0, 1, 2], n_boot=2000, seed=0)
    slow = bootstrap_ci(y, pred, statistic=lambda t, p: headline_scores(t, p, labels=[0, 1, 2]), n_boot=2000, seed=0)
    for name in slow:
        assert fast[name] == pytest.approx(slow[name], abs=0.01)


def test_resample_counts_is_seeded():
    codes = np.array([0, 1, 1, 3, 2, 2, 2])
    a, b = resample_counts(codes, n_cells=4, seed=5), resample_counts(codes, n_cells=4, seed=5)
    assert (a == b).all() and not (a == resample_counts(codes, n_cells=4, seed=6)).all()
    with pytest.raises(ValueError):
        resample_counts(codes, n_cells=3)


def test_bootstrap_width_shrinks_with_more_data():
    small = bootstrap_ci(*[np.array(v) for v in ([0, 1] * 25, [0, 1] * 20 + [1, 0] * 5)],
                         statistic=lambda t, p: {"acc": float((t == p).mean())}, n_boot=300)
    large = bootstrap_ci(*[np.array(v) for v in ([0, 1] * 500, [0, 1] * 400 + [1, 0] * 100)],
                         statistic=lambda t, p: {"acc": float((t == p).mean())}, n_boot=300)
    assert (large["acc"][1] - large["acc"][0]) < (small["acc"][1] - small["acc"][0])


def test_ece_known_answers():
    # perfectly calibrated: 80% confident and 80% right
    y = np.array([1] * 8 + [0] * 2)
    proba = np.tile([0.2, 0.8], (10, 1))
    ece, bins = expected_calibration_error(y, proba, n_bins=10)
    assert ece == pytest.approx(0.0)
    assert sum(b["count"] for b in bins) == 10
    # always 90% confident, always wrong
    ece, _ = expected_calibration_error(np.zeros(5, int), np.tile([0.1, 0.9], (5, 1)))
    assert ece == pytest.approx(0.9)


def test_by_group_repeats_every_metric_and_flags_small_groups():
    y, proba = random_predictions(n=200)
    groups = np.array(["a"] * 180 + ["b"] * 20)
    m = evaluate_predictions(y, proba, label_names=["n", "p"], groups={"g": groups}, n_boot=0)
    a, b = m["by_group"]["g"]["a"], m["by_group"]["g"]["b"]
    assert (a["n"], a["small"], b["n"], b["small"]) == (180, False, 20, True)
    pred = proba.argmax(1)
    assert b["accuracy"] == pytest.approx(accuracy_score(y[180:], pred[180:]))
    assert b["macro_f1"] == pytest.approx(f1_score(y[180:], pred[180:], average="macro"))
    assert m["accuracy"]["ci_low"] is None


def test_roc_auc_is_null_when_undefined():
    m = evaluate_predictions([1, 1, 1], np.tile([0.3, 0.7], (3, 1)), label_names=["n", "p"], n_boot=10)
    assert m["roc_auc"] is None


def test_macro_averages_over_classes_in_the_data():
    # a 3-class model on data that only has classes 0 and 1
    y = np.array([0, 1, 0, 1])
    pred = np.array([0, 1, 1, 1])
    # by hand: class 0 has precision 1, recall 1/2 (F1 2/3); class 1 precision 2/3, recall 1 (F1 4/5)
    by_hand = {"macro_precision": (1 + 2 / 3) / 2, "macro_recall": (1 / 2 + 1) / 2, "macro_f1": (2 / 3 + 4 / 5) / 2}
    proba = np.eye(3)[pred] * 0.8 + 0.2 / 3  # the 3-class model's probabilities; class 2 is never true nor predicted
    section = evaluate_predictions(y, proba, label_names=["a", "b", "c"], n_boot=0)
    for name, value in by_hand.items():
        assert section[name]["value"] == pytest.approx(value)
    # averaging over all three model classes would give another (lower) number
    assert section["macro_f1"]["value"] != pytest.approx(f1_score(y, pred, labels=[0, 1, 2], average="macro", zero_division=0))
