import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from auditkit.metrics._fairness import observed_group_fairness

fm = pytest.importorskip("fairlearn.metrics")


@pytest.mark.parametrize("seed", range(10))
def test_matches_fairlearn_on_random_arrays(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    y_true = rng.integers(0, 2, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
    groups = rng.choice(["a", "b", "c", "d"][: int(rng.integers(2, 5))], n)
    r = observed_group_fairness(y_true, y_pred, sensitive_features=groups)
    kw = {"sensitive_features": groups}
    assert r["demographic_parity_difference"] == pytest.approx(fm.demographic_parity_difference(y_true, y_pred, **kw))
    assert r["demographic_parity_ratio"] == pytest.approx(fm.demographic_parity_ratio(y_true, y_pred, **kw))
    assert r["equalized_odds_difference"] == pytest.approx(fm.equalized_odds_difference(y_true, y_pred, **kw))
    frame = fm.MetricFrame(
        metrics={"sel": fm.selection_rate, "tpr": fm.true_positive_rate, "fpr": fm.false_positive_rate},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups,
    ).by_group
    for g, row in frame.iterrows():
        mine = r["groups"][str(g)]
        assert mine["selection_rate"] == pytest.approx(row["sel"])
        assert mine["true_positive_rate"] == pytest.approx(row["tpr"])
        assert mine["false_positive_rate"] == pytest.approx(row["fpr"])
        assert mine["accuracy"] == pytest.approx(np.mean(y_true[groups == g] == y_pred[groups == g]))


def test_string_labels_and_pos_label():
    y_true = np.array(["pos", "neg", "pos", "neg"])
    y_pred = np.array(["pos", "neg", "neg", "neg"])
    r = observed_group_fairness(y_true, y_pred, sensitive_features=["a", "a", "b", "b"], pos_label="pos", min_group_size=1)
    assert r["groups"]["a"]["true_positive_rate"] == 1.0
    assert r["groups"]["b"]["true_positive_rate"] == 0.0
    assert r["demographic_parity_difference"] == 0.5


def test_borkan_aucs():
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 2, n)
    score = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    g = rng.choice(["x", "y"], n)
    r = observed_group_fairness(y, (score > 0.5).astype(int), sensitive_features=g, y_score=score)
    sub, bg = g == "x", g != "x"
    assert r["groups"]["x"]["subgroup_auc"] == pytest.approx(roc_auc_score(y[sub], score[sub]))
    bpsn = (sub & (y == 0)) | (bg & (y == 1))
    bnsp = (sub & (y == 1)) | (bg & (y == 0))
    assert r["groups"]["x"]["bpsn_auc"] == pytest.approx(roc_auc_score(y[bpsn], score[bpsn]))
    assert r["groups"]["x"]["bnsp_auc"] == pytest.approx(roc_auc_score(y[bnsp], score[bnsp]))


def test_missing_class_gives_null_auc_and_rates():
    r = observed_group_fairness([1, 1, 0, 1], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"], y_score=[0.9, 0.2, 0.1, 0.8], min_group_size=1)
    assert r["groups"]["a"]["subgroup_auc"] is None
    assert r["groups"]["a"]["false_positive_rate"] is None
    assert r["groups"]["a"]["bpsn_auc"] is None  # no subgroup negatives
    assert r["groups"]["a"]["bnsp_auc"] == 1.0


def test_small_groups_missing_values_and_several_columns():
    y = np.array([1, 0] * 25)
    groups = pd.DataFrame({"gender": ["f"] * 40 + ["m"] * 8 + [None, ""], "age": ["young", "old"] * 25})
    r = observed_group_fairness(y, y, sensitive_features=groups)
    assert set(r) == {"gender", "age"}
    assert r["gender"]["groups"]["m"]["small"] and not r["gender"]["groups"]["f"]["small"]
    assert r["gender"]["small_groups"] == ["m"]
    assert r["gender"]["n_missing"] == 2
    assert r["age"]["demographic_parity_difference"] == 1.0


def test_shape_errors():
    with pytest.raises(ValueError, match="same length"):
        observed_group_fairness([1, 0], [1], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="one value per example"):
        observed_group_fairness([1, 0], [1, 0], sensitive_features=["a"])


def test_none_is_a_group_but_missing_markers_are_not():
    y = np.array([1, 0, 1, 0, 1, 0])
    r = observed_group_fairness(y, y, sensitive_features=["none", "none", "f", "<missing>", "", None], min_group_size=1)
    assert set(r["groups"]) == {"none", "f"}
    assert r["n_missing"] == 3
