"""The Jigsaw bias AUCs against their published definitions (Borkan et al. 2019), computed directly."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from auditkit.metrics import bias_aucs, bnsp_auc, bpsn_auc, generalized_power_mean, subgroup_auc


@pytest.mark.parametrize("seed", range(5))
def test_auc_definitions_on_random_arrays(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.random(n) * 0.8, 0, 1)
    sub = rng.random(n) < 0.3
    # subgroup: only the subgroup's examples
    assert subgroup_auc(y, score, in_subgroup=sub) == pytest.approx(roc_auc_score(y[sub], score[sub]))
    # BPSN: subgroup negatives + background positives
    keep = (sub & (y == 0)) | (~sub & (y == 1))
    assert bpsn_auc(y, score, in_subgroup=sub) == pytest.approx(roc_auc_score(y[keep], score[keep]))
    # BNSP: subgroup positives + background negatives
    keep = (sub & (y == 1)) | (~sub & (y == 0))
    assert bnsp_auc(y, score, in_subgroup=sub) == pytest.approx(roc_auc_score(y[keep], score[keep]))


def test_power_mean_matches_the_formula_and_leans_on_the_worst():
    values = [0.95, 0.9, 0.6]
    expected = np.mean(np.array(values) ** -5) ** (-1 / 5)
    assert generalized_power_mean(values, p=-5) == pytest.approx(expected)
    assert min(values) < generalized_power_mean(values, p=-5) < np.mean(values)
    assert generalized_power_mean([0.7, None, float("nan")], p=-5) == pytest.approx(0.7)
    assert generalized_power_mean([None]) is None


def test_undefined_aucs_are_none():
    y = np.array([1, 1, 0, 0])
    score = np.array([0.9, 0.8, 0.1, 0.2])
    only_positives = np.array([True, True, False, False])
    assert subgroup_auc(y, score, in_subgroup=only_positives) is None


def test_bias_aucs_per_identity_flags_small_groups_and_skips_missing():
    rng = np.random.default_rng(3)
    n = 200
    y = rng.integers(0, 2, n)
    score = rng.random(n)
    groups = np.array(["female"] * 80 + ["male"] * 100 + ["<missing>"] * 20)
    out = bias_aucs(y, score, groups=groups, min_group_size=90)
    assert list(out["groups"]) == ["female", "male"]
    assert out["small_groups"] == ["female"]
    f = groups == "female"
    assert out["groups"]["female"]["subgroup_auc"] == pytest.approx(roc_auc_score(y[f], score[f]))
    means = out["power_mean"]
    expected = generalized_power_mean([out["groups"][g]["bpsn_auc"] for g in ("female", "male")], p=-5)
    assert means["bpsn_auc"] == pytest.approx(expected)
    assert out["p"] == -5
