"""Multi-label metrics equal scikit-learn's on the same decisions."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support, roc_auc_score

from auditkit.metrics import evaluate_multilabel
from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n, k = 250, 3
    y = (rng.random((n, k)) < [0.4, 0.2, 0.1]).astype(int)
    proba = np.clip(0.35 * y + rng.random((n, k)) * 0.7, 0, 1)
    groups = {"identity": rng.choice(["a", "b", "c"], n, p=[0.5, 0.4, 0.1])}
    return y, proba, groups


def test_every_metric_equals_scikit_learn(data):
    y, proba, groups = data
    thresholds = np.array([0.5, 0.4, 0.6])
    m = evaluate_multilabel(y, proba, label_names=["x", "y", "z"], thresholds=thresholds, groups=groups, n_boot=200)
    pred = (proba >= thresholds).astype(int)
    assert m["task"] == "multi_label" and m["thresholds"] == {"x": 0.5, "y": 0.4, "z": 0.6}
    assert m["subset_accuracy"]["value"] == pytest.approx(accuracy_score(y, pred))
    assert m["hamming_loss"]["value"] == pytest.approx(hamming_loss(y, pred))
    for avg in ("micro", "macro", "samples"):
        assert m[f"{avg}_f1"]["value"] == pytest.approx(f1_score(y, pred, average=avg, zero_division=1.0 if avg == "samples" else 0))
    for name in MULTILABEL_HEADLINE_METRICS:
        e = m[name]
        assert e["ci_low"] <= e["value"] <= e["ci_high"]
    p, r, f, s = precision_recall_fscore_support(y, pred, average=None, zero_division=0)
    for j, name in enumerate("xyz"):
        row = m["per_label"][name]
        assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((p[j], r[j], f[j], s[j]))
        assert row["roc_auc"] == pytest.approx(roc_auc_score(y[:, j], proba[:, j]))
        assert row["threshold"] == thresholds[j]
    a = groups["identity"] == "a"
    assert m["by_group"]["identity"]["a"]["macro_f1"] == pytest.approx(f1_score(y[a], pred[a], average="macro", zero_division=0))
    assert m["by_group"]["identity"]["c"]["small"] is True


def test_per_label_ece_is_the_calibration_of_the_binary_decision(data):
    y, proba, _ = data
    m = evaluate_multilabel(y, proba, label_names=["x", "y", "z"], thresholds=[0.5] * 3, n_boot=0)
    # direct top-label ECE over {absent, present} with 15 equal-width bins
    p = proba[:, 0]
    conf = np.maximum(p, 1 - p)
    correct = ((p >= 0.5).astype(int) == y[:, 0])
    bins = np.clip(np.ceil(conf * 15).astype(int) - 1, 0, 14)
    ece = sum((bins == b).mean() * abs(correct[bins == b].mean() - conf[bins == b].mean()) for b in range(15) if (bins == b).any())
    assert m["per_label"]["x"]["ece"] == pytest.approx(ece)
    assert m["subset_accuracy"]["ci_low"] is None  # n_boot=0 skips the intervals


def test_a_text_with_no_label_and_none_predicted_counts_as_right_in_samples_f1():
    from auditkit.metrics._multilabel import multilabel_scores

    y = np.array([[1, 0], [0, 0], [0, 0]])
    assert multilabel_scores(y, y)["samples_f1"] == 1.0  # scikit-learn's default (zero_division=0) says 1/3
    assert multilabel_scores(y, np.array([[1, 0], [0, 1], [0, 0]]))["samples_f1"] == pytest.approx(2 / 3)
