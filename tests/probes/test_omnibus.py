"""The max-|t| omnibus test of 3+ groups: its size under no difference, its power, and its place in a run."""

from itertools import combinations

import numpy as np
import pytest

from auditkit.probes import run_probes
from auditkit.probes._crossed import TemplateComponent
from auditkit.probes._gap import estimate_components
from auditkit.probes._omnibus import max_t_omnibus

GROUPS = ("a", "b", "c", "d")


def _scores(rng, effects, n_rows=10, n_templates=12):
    """Scores of each group on a rows x templates design: shared row and template effects, group-specific
    row-by-group and template-by-group deviations (what makes cells of one row or template alike), noise."""
    base = rng.normal(0, 0.05, (n_rows, 1)) + rng.normal(0, 0.05, (1, n_templates))
    out = {}
    for g in GROUPS:
        out[g] = (base + effects.get(g, 0.0) + rng.normal(0, 0.01, (n_rows, 1)) + rng.normal(0, 0.01, (1, n_templates))
                  + rng.normal(0, 0.01, (n_rows, n_templates)))
    return out


def _omnibus(scores, min_effect=0.0, seed=0):
    templates = tuple(f"t{j}" for j in range(scores["a"].shape[1]))
    estimates = {(x, y): estimate_components([TemplateComponent(scores[x] - scores[y], templates)], (x, y))
                 for x, y in combinations(GROUPS, 2)}
    return max_t_omnibus(estimates, GROUPS, alpha=0.05, min_effect=min_effect, seed=seed), estimates


def test_the_omnibus_holds_its_level_and_its_intervals_cover_together():
    rng = np.random.default_rng(1)
    rejected, covered = [], []
    for i in range(150):
        om, _ = _omnibus(_scores(rng, {}), seed=i)
        rejected.append(om.p_value < 0.05)
        covered.append(all(lo <= 0 <= hi for lo, hi in om.intervals.values()))  # every true pair gap is 0
    assert np.mean(rejected) <= 0.1 and np.mean(covered) >= 0.9
    assert np.mean(rejected) == pytest.approx(1 - np.mean(covered))  # one statistic: rejects exactly when some interval misses 0


def test_the_omnibus_finds_one_group_apart_and_names_its_pairs():
    rng = np.random.default_rng(2)
    om, estimates = _omnibus(_scores(rng, {"c": -0.03}), min_effect=0.01)
    assert om.p_value < 0.01 and om.p_value_min_effect < 0.05
    assert "c" in om.largest.split("-")
    assert om.critical > 1.96  # simultaneous over six pairs: wider than one pair's interval
    lo, hi = om.intervals["a-c"]
    assert lo > 0.01  # a - c = +0.03 seen beyond the minimum effect


def test_a_multi_group_attribute_has_one_omnibus_entry_in_the_holm_family(tiny_classifier):
    one = run_probes(tiny_classifier, attributes=["gender"], n_boot=100)
    both = run_probes(tiny_classifier, attributes=["gender", "age"], n_boot=100)
    age = both.summary["age"]
    assert set(age["omnibus"]["simultaneous_intervals"]) == set(age["pairs"])
    assert age["omnibus"]["verdict"] in ("bias", "no_material_bias", "inconclusive")
    assert "gender" in one.summary and "omnibus" not in one.summary["gender"]  # two groups: the pair is the test
    # age (3 groups, one family): 3 pairs + 1 omnibus in one scope counted once, and the family's own
    assert both.summary["settings"]["n_tests"] - one.summary["settings"]["n_tests"] == 4


def test_the_report_states_the_omnibus_verdict(tiny_classifier):
    from auditkit.report._build import _gap_highlight

    report = run_probes(tiny_classifier, attributes=["age"], n_boot=100)
    assert "All 3 pairs of groups at once" in _gap_highlight("age", report.summary["age"])
