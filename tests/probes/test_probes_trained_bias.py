"""End to end: a tiny model trained in the test to score women lower is flagged;
one trained on the same texts with gender-blind labels is not."""

import numpy as np
import pytest
from probe_helpers import build_tiny_classifier

from auditkit.probes import run_probes
from auditkit.probes._templates import EMOTION_WORDS, SITUATION_WORDS

FEMALE = ["she", "her", "this woman", "this girl", "my sister", "my mother", "my wife", "my daughter",
          "my aunt", "my mom", "Ebony", "Amanda", "Jasmine", "Katie", "Tanisha", "Heather"]
MALE = ["he", "him", "this man", "this boy", "my brother", "my father", "my husband", "my son",
        "my uncle", "my dad", "Alonzo", "Adam", "Jerome", "Jack", "Malik", "Harry"]
# Valence words the templates also use, so the control model's scores vary with them.
WORDS = {**EMOTION_WORDS, **SITUATION_WORDS}
THINGS = ["the table", "the weather", "the road", "the window", "the bus", "the book", "the plan", "the city"]


def train_tiny(gender_decides_label: bool, *, seed: int = 0, n: int = 600, steps: int = 90):
    import torch

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
    enc = clf.tokenizer(texts, padding=True, return_tensors="pt")
    y = torch.tensor(labels)
    model = clf.model
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
    gen = torch.Generator().manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32-wide model gains nothing from threads and loses a lot on a busy machine
    try:
        for _ in range(steps):
            idx = torch.randint(0, n, (32,), generator=gen)
            loss = model(input_ids=enc["input_ids"][idx], attention_mask=enc["attention_mask"][idx], labels=y[idx]).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    return clf


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
