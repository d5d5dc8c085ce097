"""Gender x race: the 2 x 2 grid, its simple effects and the interaction contrast, planted and null."""

import pytest

from auditkit.probes import run_probes
from auditkit.probes._packs import builtin_lexicon
from probe_helpers import KeywordClassifier


def _names(group):
    return [row[group] for row in builtin_lexicon("gender_race").family("templates_names").rows]


def test_a_skew_against_one_cell_is_an_interaction():
    """Only Black women's names get +0.05: the gender gap among African-American names is +0.05, among
    European-American names 0, and the interaction (their difference) is +0.05 and a bias finding."""
    clf = KeywordClassifier(_names("female_african_american"), shift=0.05)
    inter = run_probes(clf, attributes=["gender_race"], n_boot=100, min_effect=0.02).summary["gender_race"]["intersection"]
    assert inter["attributes"] == ["gender", "race"]
    assert inter["grid"]["female"]["african_american"] == pytest.approx(inter["grid"]["male"]["african_american"] + 0.05,
                                                                        abs=0.003)
    simple = inter["simple_effects"]
    assert simple["gender among african_american"]["gap"] == pytest.approx(0.05, abs=0.003)
    assert simple["gender among african_american"]["verdict"] == "bias"
    assert abs(simple["gender among european_american"]["gap"]) < 0.003
    i = inter["interaction"]
    assert i["gap"] == pytest.approx(simple["gender among african_american"]["gap"]
                                     - simple["gender among european_american"]["gap"], abs=1e-9)
    assert i["verdict"] == "bias" and i["ci_low"] > 0.02 and i["mde"] is not None


def test_an_additive_skew_is_no_interaction():
    """Every woman's name gets +0.05 whatever the race: two equal simple effects, no interaction."""
    clf = KeywordClassifier(_names("female_african_american") + _names("female_european_american"), shift=0.05)
    entry = run_probes(clf, attributes=["gender_race"], n_boot=100, min_effect=0.02).summary["gender_race"]
    inter = entry["intersection"]
    assert inter["simple_effects"]["gender among european_american"]["verdict"] == "bias"
    assert abs(inter["interaction"]["gap"]) < 0.003 and inter["interaction"]["verdict"] != "bias"


def test_attributes_without_crossed_groups_have_no_grid(tiny_classifier):
    summary = run_probes(tiny_classifier, attributes=["gender", "race_ethnicity"], n_boot=100).summary
    assert "intersection" not in summary["gender"] and "intersection" not in summary["race_ethnicity"]
