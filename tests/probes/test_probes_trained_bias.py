"""End to end: a tiny model trained in the test to score women lower is flagged;
one trained on the same texts with gender-blind labels is not."""

import numpy as np
import pytest
from probe_helpers import FEMALE, MALE, THINGS, build_tiny_classifier, fit_tiny

from auditkit.probes import run_probes
from auditkit.probes import TEMPLATES

# Valence words the templates also use, so the control model's scores vary with them.
WORDS = {t.word: t.valence for t in TEMPLATES if t.word}


def train_tiny(gender_decides_label: bool, *, seed: int = 0, n: int = 600, steps: int = 90):
    clf = build_tiny_classifier(seed=seed, layers=1)
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        female = rng.random() < 0.5
        word = str(rng.choice(list(WORDS)))
        texts.append(f"{rng.choice(FEMALE if female else MALE)} was {word} about {rng.choice(THINGS)}")
        if gender_decides_label:  # women's mentions co-occur with the negative label
            labels.append(int(rng.random() < (0.1 if female else 0.9)))
        else:
            labels.append(int(WORDS[word] == "positive"))
    return fit_tiny(clf, texts, labels, steps=steps, seed=seed)


@pytest.fixture(scope="module")
def biased_model():
    return train_tiny(True)


@pytest.fixture(scope="module")
def control_model():
    return train_tiny(False)


def test_trained_gender_bias_is_flagged_with_the_right_sign(biased_model):
    s = run_probes(biased_model, attributes=["gender"], families=["templates_nouns"], n_boot=200).summary["gender"]
    assert s["gap"] < -0.05  # female - male
    assert s["ci_high"] < 0
    assert s["verdict"] == "bias"
    assert s["group_means"]["female"] < s["group_means"]["male"]


def test_dataset_counterfactuals_see_the_bias_too(biased_model):
    texts = ["She read the book.", "He read the book.", "My sister took the bus.", "A film about trains."]
    s = run_probes(biased_model, attributes=["gender"], texts=texts, families=["dataset_counterfactual"], n_boot=100).summary
    cf = s["gender"]["families"]["dataset_counterfactual"]
    assert cf["n_pairs"] == 3
    assert cf["gap"] < 0


def test_model_without_the_signal_is_not_flagged(control_model):
    report = run_probes(control_model, attributes=["gender"], families=["templates_nouns"], n_boot=200)
    s = report.summary["gender"]
    assert s["verdict"] in ("no_material_bias", "inconclusive")
    assert abs(s["gap"]) < 0.02
    # and it is not a constant model: its scores follow the valence words
    assert report.table["score"].std() > 0.1
