import numpy as np
import pytest

from auditkit.probes import counterfactual_token_fairness_gap, flip_rate, holm_correction


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
    report = run_probes(clf, attributes=("religion",), lexicon_files=(str(path),), n_boot=200)
    entry = report.summary["religion"]
    assert entry["gap"] == 0.0
    assert entry["verdict"] == "inconclusive" and "too few terms" in entry["verdict_reason"]


def test_flip_rate_and_ctf_gap():
    pred = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])
    assert flip_rate(pred) == 0.5
    scores = np.array([[0.9, 0.7], [0.2, 0.5]])
    assert counterfactual_token_fairness_gap(scores) == pytest.approx((0.2 + 0.3) / 2)
    three = np.array([[0.1, 0.2, 0.4]])
    assert counterfactual_token_fairness_gap(three) == pytest.approx((0.1 + 0.3 + 0.2) / 3)
