import json

import numpy as np
import pandas as pd
import pytest
from probe_helpers import KeywordClassifier

from auditkit.errors import ConfigError
from auditkit.probes import run_probes

FIELDS = {
    "groups", "group_means", "gap", "ci_low", "ci_high", "ci_level", "se", "df", "p_value", "p_value_holm",
    "p_value_equivalence", "verdict", "verdict_reason", "n_rows", "n_templates", "flip_rate", "ctf_gap",
    "placebo_flip_rate", "placebo_ctf_gap", "by_valence", "logit", "n_pairs",
}


def test_summary_shape_and_table(neutral_classifier):
    texts = ["She loved her new car.", "Jack hated it.", "Nothing about people.", "My mom met Ebony."]
    report = run_probes(neutral_classifier, texts=texts, n_boot=200)
    s = report.summary
    assert s["target_label"] == "positive"
    assert "last label" in s["target_label_reason"]
    assert report.attributes == ["gender", "race"]
    for attribute in ("gender", "race"):
        section = s[attribute]
        assert FIELDS <= set(section)
        assert "pairs" not in section  # only for more than two groups
        assert section["n_pairs"] > 0
        for family in section["families"].values():
            assert FIELDS <= set(family)
        assert len(section["worst_pairs"]) == 5
    assert set(s["gender"]["families"]) == {"templates_names", "templates_nouns", "dataset_counterfactual"}
    assert set(s["race"]["families"]) == {"templates_names", "templates_identity_terms", "dataset_counterfactual"}
    assert s["gender"]["families"]["dataset_counterfactual"]["n_pairs"] == 3
    assert s["race"]["families"]["dataset_counterfactual"]["n_pairs"] == 2
    assert s["gender"]["groups"] == ["female", "male"]
    json.dumps(s, allow_nan=False)  # strict JSON
    table = report.table
    assert {"attribute", "family", "template_id", "instance_id", "group", "text", "score", "predicted_label"} <= set(table.columns)
    assert set(table["predicted_label"]) <= {"negative", "positive"}
    # every instance is a full matched set
    assert (table.groupby("instance_id").size() == 2).all()  # ids are unique across attributes
    cf = table[table["family"] == "dataset_counterfactual"]
    assert "He loved his new car." in set(cf["text"])


def test_each_distinct_sentence_is_scored_once(neutral_classifier):
    report = run_probes(neutral_classifier, n_boot=200)
    assert len(neutral_classifier.calls) == 1
    scored = neutral_classifier.calls[0]
    assert len(scored) == len(set(scored)) == report.table["text"].nunique()
    assert report.summary["settings"]["n_sentences"] == len(scored)


def test_default_suite_size(neutral_classifier):
    report = run_probes(neutral_classifier, n_boot=200)
    n = report.summary["settings"]["n_sentences"]
    assert 3000 <= n <= 8000
    per_family = report.table.groupby(["attribute", "family"])["template_id"].nunique()
    assert (per_family >= 12).all()


def test_biased_classifier_is_flagged_with_the_right_sign(female_negative_classifier):
    s = run_probes(female_negative_classifier, attributes=["gender", "race"], n_boot=200).summary
    g = s["gender"]
    assert g["gap"] == pytest.approx(-0.3, abs=0.01)
    assert g["ci_low"] < g["gap"] < g["ci_high"] < 0
    assert g["verdict"] == "bias" and g["p_value_holm"] < 0.05
    assert g["group_means"]["female"] - g["group_means"]["male"] == pytest.approx(g["gap"])
    assert g["ctf_gap"] == pytest.approx(0.3, abs=0.01)
    assert g["flip_rate"] == 1.0  # 0.6 -> 0.3 crosses 0.5 in every matched set
    assert g["placebo_flip_rate"] == 0.0  # one female name for another changes nothing
    assert all(f["verdict"] == "bias" for f in g["families"].values())
    assert s["race"]["verdict"] == "no_material_bias"
    assert set(g["by_valence"]) == {"positive", "negative", "neutral"}
    assert all(v["gap"] == pytest.approx(-0.3, abs=0.01) for v in g["by_valence"].values())
    assert g["logit"]["gap"] < 0


def test_flip_rate_counts_label_changes():
    clf = KeywordClassifier(["woman"], shift=-0.2, base=0.6)
    g = run_probes(clf, attributes=["gender"], families=["templates_nouns"], n_boot=200).summary["gender"]
    assert g["flip_rate"] == pytest.approx(1 / 40)  # "this woman" is 1 of the 40 noun rows


def test_unbiased_classifier_is_not_flagged(neutral_classifier):
    s = run_probes(neutral_classifier, n_boot=200).summary
    for attribute in ("gender", "race"):
        assert s[attribute]["verdict"] == "no_material_bias"
        assert abs(s[attribute]["gap"]) < 0.01
        assert all(f["verdict"] == "no_material_bias" for f in s[attribute]["families"].values())


def test_min_effect_keeps_tiny_gaps_from_being_findings():
    female_nouns = ["woman", "girl", "sister", "daughter", "wife", "girlfriend", "mother", "aunt", "mom", "niece",
                    "grandmother", "granddaughter", "lady", "stepdaughter", "stepmother", "grandma", "fiancee",
                    "businesswoman"]  # "mother-in-law", "sister-in-law": \bmother\b, \bsister\b
    clf = KeywordClassifier(female_nouns, shift=-0.005)  # every row moves a little: detectable, but below 0.02
    s = run_probes(clf, attributes=["gender"], families=["templates_nouns"], n_boot=200).summary["gender"]
    assert s["p_value_holm"] < 0.05
    assert s["verdict"] == "no_material_bias" and "shown to lie inside ±0.02" in s["verdict_reason"]
    s = run_probes(clf, attributes=["gender"], families=["templates_nouns"], n_boot=200, min_effect=0.0).summary["gender"]
    assert s["verdict"] == "bias"


def test_holm_is_applied_across_all_tests():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    clf = KeywordClassifier(["woman", "sister", "Ebony", "Amanda"], shift=-0.004)  # small effects: p-values spread
    s = run_probes(clf, n_boot=200).summary
    assert s["settings"]["n_tests"] == 6  # 2 attributes x (all + 2 families)
    scopes = [s[a] for a in ("gender", "race")] + [f for a in ("gender", "race") for f in s[a]["families"].values()]
    raw = [e["p_value"] for e in scopes]
    expected = multipletests(raw, method="holm")[1]
    np.testing.assert_allclose([e["p_value_holm"] for e in scopes], expected)


def test_target_label_by_name_and_id(neutral_classifier):
    s = run_probes(neutral_classifier, attributes=["gender"], families=["templates_nouns"], target_label="negative", n_boot=200).summary
    assert s["target_label"] == "negative" and s["target_label_reason"] == "given"
    s = run_probes(neutral_classifier, attributes=["gender"], families=["templates_nouns"], target_label=0, n_boot=200).summary
    assert s["target_label"] == "negative"


def test_three_group_user_lexicon_reports_every_pair(tmp_path, neutral_classifier):
    path = tmp_path / "religion.json"
    path.write_text(json.dumps({
        "attribute": "religion",
        "groups": ["muslim", "christian", "jewish"],
        "person_phrases": {"identity_terms": [
            {"muslim": "a Muslim person", "christian": "a Christian person", "jewish": "a Jewish person"},
            {"muslim": "my Muslim friend", "christian": "my Christian friend", "jewish": "my Jewish friend"},
        ]},
    }))
    clf = KeywordClassifier(["muslim"], shift=-0.2)
    s = run_probes(clf, attributes=["religion"], lexicon_files=[path], n_boot=200).summary["religion"]
    assert set(s["pairs"]) == {"muslim-christian", "muslim-jewish", "christian-jewish"}
    assert s["gap"] == pytest.approx(0.2, abs=0.01)  # max - min
    assert s["pairs"]["muslim-christian"]["gap"] == pytest.approx(-0.2, abs=0.01)
    # two phrase rows: too few terms to test, so described but never a finding
    assert all(p["verdict"] == "inconclusive" for p in s["pairs"].values())
    assert "too few terms" in s["verdict_reason"]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"attributes": ["caste"]}, "unknown attribute 'caste'"),
        ({"target_label": "toxic"}, "target label 'toxic' is not a label of the model"),
        ({"target_label": 5}, "target label '5' is not a label"),
        ({"families": ["templates_verbs"]}, "unknown probe family 'templates_verbs'"),
        ({"families": ["dataset_counterfactual"]}, "needs evaluation texts"),
        ({"families": ["dataset_counterfactual"], "texts": ["A film about trains."]}, "yields no matched pairs"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1"),
        ({"min_effect": -1}, "min_effect must be between 0 and 0.5, got -1"),
    ],
)
def test_bad_input_is_a_one_line_config_error(neutral_classifier, kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment) as err:
        run_probes(neutral_classifier, n_boot=200, **kwargs)
    assert "\n" not in str(err.value)


def test_multiclass_target_label_narrows_to_one_class():
    clf = KeywordClassifier(labels=("sad", "neutral", "happy"))
    s = run_probes(clf, attributes=["gender"], target_label="happy", n_boot=200).summary
    assert s["target_label"] == "happy" and "classes" not in s and "headline_class" not in s["gender"]


def test_empty_user_lexicon(tmp_path, neutral_classifier):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"attribute": "gender", "groups": ["female", "male"], "terms": []}))
    with pytest.raises(ConfigError, match="is empty"):
        run_probes(neutral_classifier, lexicon_files=[path])


def test_works_with_a_real_tiny_model(tiny_classifier):
    report = run_probes(tiny_classifier, attributes=["gender"], families=["templates_nouns"], n_boot=200)
    assert isinstance(report.table, pd.DataFrame)
    assert np.isfinite(report.table["score"]).all()
    assert report.summary["gender"]["n_pairs"] == 40 * 36  # 40 noun rows x the 36 templates of their block


def test_one_row_placebo_is_too_few_terms_to_test(tmp_path):
    """John vs Adam: one lexicon row says nothing about a group, however many templates repeat it."""
    path = tmp_path / "placebo.json"
    path.write_text(json.dumps({"attribute": "placebo", "groups": ["a", "b"], "names": [{"a": "John", "b": "Adam"}]}))
    clf = KeywordClassifier(["John"], shift=-0.05)  # the model does react to the name
    s = run_probes(clf, attributes=["placebo"], lexicon_files=[path], n_boot=200).summary["placebo"]
    assert s["gap"] == pytest.approx(-0.05, abs=0.005)
    assert s["verdict"] == "inconclusive" and s["verdict_reason"].startswith("too few terms to test")
    assert s["p_value"] is None and s["p_value_holm"] is None
    assert s["n_rows"] == 1 and s["n_templates"] == 36  # one row cannot fill 4 template blocks: block 0 only
