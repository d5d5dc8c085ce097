"""Subgroup / BPSN / BNSP AUC against a direct computation with scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from auditkit.metrics import bias_aucs, bnsp_auc, bpsn_auc, generalized_power_mean, subgroup_auc


def _reference(y, s, member):
    """The published definitions, written out with plain index lists."""
    idx = range(len(y))
    sub = [i for i in idx if member[i]]
    bpsn = [i for i in idx if (member[i] and y[i] == 0) or (not member[i] and y[i] == 1)]
    bnsp = [i for i in idx if (member[i] and y[i] == 1) or (not member[i] and y[i] == 0)]
    return tuple(roc_auc_score([y[i] for i in rows], [s[i] for i in rows]) for rows in (sub, bpsn, bnsp))


@pytest.mark.parametrize("seed", range(8))
def test_matches_roc_auc_score_on_random_arrays(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 300))
    y = rng.integers(0, 2, n)
    member = rng.random(n) < rng.uniform(0.2, 0.6)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.25, n) - 0.1 * member, 0, 1)
    ref = _reference(y.tolist(), score.tolist(), member.tolist())
    got = (subgroup_auc(y, score, subgroup=member), bpsn_auc(y, score, subgroup=member), bnsp_auc(y, score, subgroup=member))
    assert got == pytest.approx(ref, abs=1e-12)


def test_background_mask_leaves_rows_out():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 120)
    score = rng.random(120)
    member = np.arange(120) < 40
    background = np.arange(120) < 80  # rows 80.. have no recorded group
    expected = roc_auc_score(np.r_[y[:40][y[:40] == 0], y[40:80][y[40:80] == 1]],
                             np.r_[score[:40][y[:40] == 0], score[40:80][y[40:80] == 1]])
    assert bpsn_auc(y, score, subgroup=member, background=background) == pytest.approx(expected)


def test_undefined_auc_is_none_and_pos_label_names():
    assert subgroup_auc([1, 1, 0], [0.2, 0.4, 0.1], subgroup=[True, True, False]) is None
    y = np.array(["toxic", "ok", "toxic", "ok"])
    assert subgroup_auc(y, [0.9, 0.1, 0.2, 0.8], subgroup=[True, True, False, False], pos_label="toxic") == 1.0
    with pytest.raises(ValueError, match="same length"):
        bnsp_auc([0, 1], [0.1, 0.2, 0.3], subgroup=[True, False])


def test_generalized_power_mean():
    values = [0.95, 0.7, 0.88]
    assert generalized_power_mean(values, p=-5) == pytest.approx(np.mean(np.power(values, -5.0)) ** (-1 / 5))
    assert generalized_power_mean(values, p=1) == pytest.approx(np.mean(values))
    assert min(values) < generalized_power_mean(values) < np.mean(values)  # the worst subgroup dominates
    assert generalized_power_mean([0.8, None, float("nan")]) == pytest.approx(0.8)
    assert generalized_power_mean([None]) is None
    with pytest.raises(ValueError):
        generalized_power_mean(values, p=0)


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
    # the small identity is reported but left out of the power mean: one AUC over 80 rows would set it at p = -5
    assert out["power_mean_over"] == ["male"]
    assert out["power_mean"]["bpsn_auc"] == pytest.approx(out["groups"]["male"]["bpsn_auc"])
    both = bias_aucs(y, score, groups=groups, min_group_size=30)
    expected = generalized_power_mean([both["groups"][g]["bpsn_auc"] for g in ("female", "male")], p=-5)
    assert both["power_mean_over"] == ["female", "male"]
    assert both["power_mean"]["bpsn_auc"] == pytest.approx(expected)
    assert out["p"] == -5
    none_large = bias_aucs(y, score, groups=groups, min_group_size=500)
    assert none_large["power_mean_over"] == [] and none_large["power_mean"] == dict.fromkeys(none_large["power_mean"])


def test_bias_aucs_and_observed_group_fairness_agree_with_missing_groups_in_the_background():
    """Both routes score an identity against every other example, unknown group included (Jigsaw's background)."""
    from auditkit.metrics import observed_group_fairness

    rng = np.random.default_rng(11)
    n = 400
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1)
    groups = np.array(rng.choice(["a", "b", "<missing>", "", None, float("nan")], n, p=[0.35, 0.35, 0.1, 0.1, 0.05, 0.05]),
                      dtype=object)
    ml = bias_aucs(y, score, groups=groups, min_group_size=1)
    sl = observed_group_fairness(y, (score > 0.5).astype(int), sensitive_features=groups, y_score=score,
                                 min_group_size=1, n_boot=0)
    assert list(ml["groups"]) == list(sl["groups"]) == ["a", "b"]  # None and NaN are missing, not identities
    for g in ("a", "b"):
        member = np.array([v == g for v in groups])
        ref = _reference(y.tolist(), score.tolist(), member.tolist())
        for route in (ml["groups"][g], sl["groups"][g]):
            assert (route["subgroup_auc"], route["bpsn_auc"], route["bnsp_auc"]) == pytest.approx(ref, abs=1e-12)
