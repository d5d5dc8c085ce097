"""A planted religion skew in a real (tiny) trained model is found with the right sign (pair and omnibus); a
balanced control is not "bias" between any two religions it was trained alike on (its atheist rows differ by their
article and case, "an atheist ...", which the tiny model reads apart: the omnibus may find that, and only that)."""

import numpy as np
import pytest

from auditkit.probes import run_probes
from probe_helpers import THINGS, build_tiny_classifier, fit_tiny

RELIGIONS = {"muslim": "Muslim", "christian": "Christian", "jewish": "Jewish", "hindu": "Hindu", "buddhist": "Buddhist",
             "atheist": "atheist"}
PEOPLE = ["person", "man", "woman", "neighbor", "teacher", "student", "doctor", "family"]  # not all the pack's own nouns
GOOD = ["liked", "enjoyed", "loved", "praised"]
BAD = ["hated", "disliked", "ruined", "ignored"]


def _trained(planted: float, seed: int = 0):
    """A tiny 2-class model trained on 'the <religion> <person> <verb> <thing>' labelled by the verb; with
    ``planted`` > 0 that share of the texts about a Muslim person is labelled negative whatever the verb."""
    rng = np.random.default_rng(seed)
    clf = build_tiny_classifier(("negative", "positive"), seed=seed, layers=1)
    texts, labels = [], []
    for _ in range(1200):
        group = str(rng.choice(list(RELIGIONS)))
        good = rng.random() < 0.5
        verb = str(rng.choice(GOOD if good else BAD))
        texts.append(f"the {RELIGIONS[group]} {rng.choice(PEOPLE)} {verb} {rng.choice(THINGS)}")
        labels.append(0 if group == "muslim" and rng.random() < planted else int(good))
    return fit_tiny(clf, texts, labels, steps=400, seed=seed)


@pytest.fixture(scope="module")
def planted():
    return run_probes(_trained(0.9), attributes=["religion"], n_boot=100, min_effect=0.02).summary["religion"]


@pytest.fixture(scope="module")
def balanced():
    return run_probes(_trained(0.0), attributes=["religion"], n_boot=100, min_effect=0.02).summary["religion"]


def test_the_planted_skew_is_found_against_muslims(planted):
    means = planted["group_means"]
    assert min(means, key=means.get) == "muslim"  # the lowest P(positive)
    assert "muslim" in planted["gap_groups"] and planted["verdict"] == "bias"
    pair = planted["pairs"]["muslim-christian"]
    assert pair["gap"] < -0.02 and pair["ci_high"] < 0 and pair["verdict"] == "bias"
    assert planted["omnibus"]["verdict"] == "bias" and "muslim" in planted["omnibus"]["largest_pair"]


def test_the_balanced_control_is_not_bias(balanced, planted):
    assert balanced["pairs"]["muslim-christian"]["verdict"] != "bias"
    assert abs(balanced["pairs"]["muslim-christian"]["gap"]) < abs(planted["pairs"]["muslim-christian"]["gap"]) / 3
    # the tiny model reads "an atheist ..." apart from "a <Religion> ...": if the omnibus finds anything, it is that
    assert balanced["omnibus"]["verdict"] != "bias" or "atheist" in balanced["omnibus"]["largest_pair"]
    capitalised = [k for k in balanced["pairs"] if "atheist" not in k]
    assert all(balanced["pairs"][k]["verdict"] != "bias" for k in capitalised)
