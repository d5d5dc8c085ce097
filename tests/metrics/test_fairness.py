import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from auditkit.metrics._fairness import observed_group_fairness

fm = pytest.importorskip("fairlearn.metrics")


@pytest.mark.parametrize("seed", range(10))
def test_fairlearn_values_match_fairlearn_on_random_arrays(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    y_true = rng.integers(0, 2, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
    groups = rng.choice(["a", "b", "c", "d"][: int(rng.integers(2, 5))], n)
    r = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=0)
    kw = {"sensitive_features": groups}
    raw = r["fairlearn"]
    assert raw["demographic_parity_difference"] == pytest.approx(fm.demographic_parity_difference(y_true, y_pred, **kw))
    assert raw["demographic_parity_ratio"] == pytest.approx(fm.demographic_parity_ratio(y_true, y_pred, **kw))
    assert raw["equalized_odds_difference"] == pytest.approx(fm.equalized_odds_difference(y_true, y_pred, **kw))
    frame = fm.MetricFrame(
        metrics={"sel": fm.selection_rate, "tpr": fm.true_positive_rate, "fpr": fm.false_positive_rate},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups,
    )
    assert raw["true_positive_rate_difference"] == pytest.approx(frame.difference()["tpr"])
    assert raw["false_positive_rate_difference"] == pytest.approx(frame.difference()["fpr"])
    for g, row in frame.by_group.iterrows():
        mine = r["groups"][str(g)]
        assert mine["selection_rate"] == pytest.approx(row["sel"])
        assert mine["true_positive_rate"] == pytest.approx(row["tpr"])
        assert mine["false_positive_rate"] == pytest.approx(row["fpr"])
        assert mine["accuracy"] == pytest.approx(np.mean(y_true[groups == g] == y_pred[groups == g]))


def _mixed_groups(seed=0):
    """Two ordinary groups, a tiny group with extreme rates and a group with no positive examples."""
    rng = np.random.default_rng(seed)
    groups = np.array(["a"] * 300 + ["b"] * 300 + ["tiny"] * 10 + ["no_pos"] * 60)
    y_true = np.concatenate([rng.integers(0, 2, 600), np.ones(10, int), np.zeros(60, int)])
    rate = np.select([groups == "a", groups == "b", groups == "tiny"], [0.7, 0.4, 1.0], 0.2)
    y_pred = (rng.random(len(groups)) < rate).astype(int)
    return y_true, y_pred, groups


def test_differences_leave_out_small_groups_and_undefined_rates():
    y_true, y_pred, groups = _mixed_groups()
    r = observed_group_fairness(y_true, y_pred, sensitive_features=groups, min_group_size=30, n_boot=0)
    # fairlearn on the groups each measure may use is the reference
    not_small = groups != "tiny"
    with_pos = np.isin(groups, ["a", "b"])
    assert r["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(y_true[not_small], y_pred[not_small], sensitive_features=groups[not_small]))
    assert r["demographic_parity_ratio"] == pytest.approx(
        fm.demographic_parity_ratio(y_true[not_small], y_pred[not_small], sensitive_features=groups[not_small]))
    tpr = fm.MetricFrame(metrics=fm.true_positive_rate, y_true=y_true[with_pos], y_pred=y_pred[with_pos],
                         sensitive_features=groups[with_pos]).difference()
    fpr = fm.MetricFrame(metrics=fm.false_positive_rate, y_true=y_true[not_small], y_pred=y_pred[not_small],
                         sensitive_features=groups[not_small]).difference()
    assert r["true_positive_rate_difference"] == pytest.approx(tpr)
    assert r["false_positive_rate_difference"] == pytest.approx(fpr)
    assert r["equalized_odds_difference"] == pytest.approx(max(tpr, fpr))
    # the tiny group would dominate fairlearn's value (a selection rate of 1.0), and it does there
    assert r["fairlearn"]["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(y_true, y_pred, sensitive_features=groups))
    assert r["fairlearn"]["demographic_parity_difference"] > r["demographic_parity_difference"]
    # every left-out group is listed with its reason
    excluded = r["excluded_groups"]
    assert set(excluded["demographic_parity_difference"]) == {"tiny"}
    assert "minimum group size 30" in excluded["demographic_parity_difference"]["tiny"]
    assert set(excluded["true_positive_rate_difference"]) == {"tiny", "no_pos"}
    assert "no positive examples" in excluded["true_positive_rate_difference"]["no_pos"]
    assert set(excluded["false_positive_rate_difference"]) == {"tiny"}
    assert set(excluded["equalized_odds_difference"]) == {"tiny", "no_pos"}
    assert r["between"]["demographic_parity_difference"] == ["a", "no_pos"]
    assert r["small_groups"] == ["tiny"]


def test_a_difference_needs_two_usable_groups():
    y_true = np.array([1, 0] * 20 + [0] * 40)
    y_pred = np.array([1, 1] * 20 + [0] * 40)
    groups = np.array(["a"] * 40 + ["b"] * 40)  # b has no positive examples
    r = observed_group_fairness(y_true, y_pred, sensitive_features=groups, min_group_size=30, n_boot=50)
    assert r["true_positive_rate_difference"] is None and r["equalized_odds_difference"] is None
    assert r["intervals"]["true_positive_rate_difference"] == {"ci_low": None, "ci_high": None}
    assert r["fairlearn"]["true_positive_rate_difference"] == pytest.approx(
        fm.MetricFrame(metrics=fm.true_positive_rate, y_true=y_true, y_pred=y_pred, sensitive_features=groups).difference())
    assert r["demographic_parity_difference"] == pytest.approx(1.0)  # selection rates 1 and 0: defined for both


@pytest.mark.parametrize("measure, metric", [
    ("demographic_parity_difference", fm.selection_rate),
    ("false_positive_rate_difference", fm.false_positive_rate),
])
def test_with_two_groups_the_interval_agrees_with_fairlearns_bootstrap(measure, metric):
    """With one pair there is nothing to pick: the max-|t| interval is that pair's bootstrap interval."""
    rng = np.random.default_rng(3)
    n = 1500
    groups = rng.choice(["a", "b"], n)
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(groups == "a", 0.6, 0.45)).astype(int)
    r = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=2000, seed=1)
    frame = fm.MetricFrame(metrics=metric, y_true=y_true, y_pred=y_pred, sensitive_features=groups,
                           n_boot=200, ci_quantiles=[0.025, 0.975], random_state=7)  # fairlearn's is slow
    low, high = frame.difference_ci()
    ci = r["intervals"][measure]
    assert ci["ci_low"] <= r[measure] <= ci["ci_high"]
    # two independent Monte Carlo estimates of the same quantiles (fairlearn's with 200 resamples)
    assert ci["ci_low"] == pytest.approx(low, abs=0.02)
    assert ci["ci_high"] == pytest.approx(high, abs=0.02)
    assert r["bootstrap"]["n_boot"] == 2000 and r["bootstrap"]["seed"] == 1 and "simultaneous" in r["bootstrap"]["method"]


def test_the_interval_of_the_pair_picked_from_the_data_covers_its_true_difference():
    """Six groups with one true selection rate: the two furthest apart in a sample are picked by chance, and a
    percentile interval of that one pair leaves out their true difference (0) far more often than 5%; the
    simultaneous interval covers it at its level (200 samples: within three binomial SEs, 4.6 points)."""
    rng = np.random.default_rng(11)
    n_sets, covered, naive_covered = 200, 0, 0
    for k in range(n_sets):
        groups = np.repeat([f"g{j}" for j in range(6)], 150)
        y_true = rng.integers(0, 2, len(groups))
        y_pred = (rng.random(len(groups)) < 0.4).astype(int)
        r = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=400, seed=k)
        ci = r["intervals"]["demographic_parity_difference"]
        covered += ci["ci_low"] <= 0 <= ci["ci_high"]
        hi, lo = r["between"]["demographic_parity_difference"]
        rates = {g: y_pred[groups == g] for g in (hi, lo)}
        draws = [rng.choice(rates[hi], 150).mean() - rng.choice(rates[lo], 150).mean() for _ in range(400)]
        naive_low, naive_high = np.quantile(draws, [0.025, 0.975])
        naive_covered += naive_low <= 0 <= naive_high
    assert covered / n_sets >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / n_sets)
    assert naive_covered / n_sets < 0.75


def test_intervals_are_seeded_and_optional():
    y_true, y_pred, groups = _mixed_groups()
    a = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=200, seed=4)
    b = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=200, seed=4)
    assert a["intervals"] == b["intervals"]
    none = observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=0)
    assert all(v == {"ci_low": None, "ci_high": None} for v in none["intervals"].values())
    with pytest.raises(ValueError, match="n_boot"):
        observed_group_fairness(y_true, y_pred, sensitive_features=groups, n_boot=-1)


def test_string_labels_and_pos_label():
    y_true = np.array(["pos", "neg", "pos", "neg"])
    y_pred = np.array(["pos", "neg", "neg", "neg"])
    r = observed_group_fairness(y_true, y_pred, sensitive_features=["a", "a", "b", "b"], pos_label="pos", min_group_size=1, n_boot=0)
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
    r = observed_group_fairness(y, y, sensitive_features=groups, n_boot=0)
    assert set(r) == {"gender", "age"}
    assert r["gender"]["groups"]["m"]["small"] and not r["gender"]["groups"]["f"]["small"]
    assert r["gender"]["small_groups"] == ["m"]
    assert r["gender"]["n_missing"] == 2
    # both age groups have 25 examples, under the default minimum of 30: no difference, both listed
    assert r["age"]["demographic_parity_difference"] is None
    assert set(r["age"]["excluded_groups"]["demographic_parity_difference"]) == {"young", "old"}
    assert r["age"]["fairlearn"]["demographic_parity_difference"] == 1.0
    small_ok = observed_group_fairness(y, y, sensitive_features=groups["age"], min_group_size=25, n_boot=0)
    assert small_ok["demographic_parity_difference"] == 1.0


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
