import numpy as np
import pytest
from scipy import stats

from auditkit.probes import counterfactual_token_fairness_gap, flip_rate, holm_correction, paired_gap_test


def test_holm_matches_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    rng = np.random.default_rng(0)
    for _ in range(100):
        p = rng.random(rng.integers(1, 40)) ** 3
        if len(p) > 3:
            p[1:3] = p[0]  # ties
        np.testing.assert_allclose(holm_correction(p), multipletests(p, method="holm")[1])


def test_holm_edge_cases():
    assert holm_correction([]).shape == (0,)
    np.testing.assert_allclose(holm_correction([0.5, 0.9]), [1.0, 1.0])
    np.testing.assert_allclose(holm_correction([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])


def test_paired_gap_test_matches_scipy_and_is_seeded():
    rng = np.random.default_rng(1)
    a = rng.random(50)
    b = a - 0.05 + rng.normal(0, 0.02, 50)
    r1 = paired_gap_test(a, b, n_boot=500, seed=3)
    r2 = paired_gap_test(a, b, n_boot=500, seed=3)
    assert r1 == r2
    assert r1["gap"] == pytest.approx(np.mean(a - b))
    assert r1["ci_low"] < r1["gap"] < r1["ci_high"]
    assert r1["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert r1["p_value_wilcoxon"] == pytest.approx(stats.wilcoxon(a - b).pvalue)
    assert r1["n_pairs"] == 50


def test_all_zero_differences_give_p_one_not_nan():
    r = paired_gap_test([0.3, 0.5, 0.7], [0.3, 0.5, 0.7])
    assert r["gap"] == 0.0
    assert r["p_value"] == 1.0 and r["p_value_wilcoxon"] == 1.0
    assert r["ci_low"] == r["ci_high"] == 0.0


def test_constant_nonzero_difference_is_certain_only_with_enough_pairs():
    a = np.linspace(0.3, 0.8, 12)
    r = paired_gap_test(a, a - 0.1)
    assert r["gap"] == pytest.approx(0.1)
    assert r["p_value"] == 0.0
    few = paired_gap_test([0.6, 0.7], [0.5, 0.6])  # two pairs prove nothing
    assert few["p_value"] == pytest.approx(few["p_value_wilcoxon"]) and few["p_value"] > 0.05


def test_three_groups_that_tie_do_not_crash(tmp_path):
    import json

    from auditkit.probes import run_probes
    from tiny_models import build_tiny_classifier

    lexicon = {"attribute": "religion", "groups": ["muslim", "christian", "jewish"], "gap": ["muslim", "christian"],
               "terms": [{"muslim": "mosque", "christian": "church", "jewish": "synagogue"}],
               "person_phrases": {"identity_terms": [{"muslim": "a Muslim woman", "christian": "a Christian woman",
                                                      "jewish": "a Jewish woman"}]}}
    path = tmp_path / "religion.json"
    path.write_text(json.dumps(lexicon))
    clf = build_tiny_classifier()
    clf.model.classifier.weight.data.zero_()  # constant scores: every group mean ties
    clf.model.classifier.bias.data.zero_()
    report = run_probes(clf, attributes=("religion",), lexicon_files=(str(path),), n_boot=50)
    entry = report.summary["religion"]
    assert entry["gap"] == 0.0 and entry["significant"] is False


def test_single_pair_is_not_testable():
    r = paired_gap_test([0.9], [0.1], n_boot=10)
    assert r["p_value"] == 1.0


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        paired_gap_test([1, 2], [1])


def test_flip_rate_and_ctf_gap():
    pred = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])
    assert flip_rate(pred) == 0.5
    scores = np.array([[0.9, 0.7], [0.2, 0.5]])
    assert counterfactual_token_fairness_gap(scores) == pytest.approx((0.2 + 0.3) / 2)
    three = np.array([[0.1, 0.2, 0.4]])
    assert counterfactual_token_fairness_gap(three) == pytest.approx((0.1 + 0.3 + 0.2) / 3)
