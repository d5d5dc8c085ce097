"""Tiny classifiers trained in a few seconds to rely (or not) on one identity word."""

from __future__ import annotations

import random

import pytest
from tiny_models import build_tiny_classifier  # tests/ is on sys.path

FILLER = "the a film movie plot was is very quite story actor scene long short old new day night city music".split()


def _sentences(rng, n, *, rule):
    texts, labels = [], []
    for _ in range(n):
        words = rng.sample(FILLER, 5)
        person = rng.choice(["sister", "brother"])
        mood = rng.choice(["great", "awful"])
        words.insert(rng.randrange(6), person)
        words.insert(rng.randrange(7), mood)
        texts.append(" ".join(words))
        labels.append(int((person if rule == "identity" else mood) in ("sister", "great")))
    return texts, labels


def train_tiny(rule: str, *, seed: int = 0, steps: int = 40):
    """A tiny BERT whose label is decided by 'sister' (rule="identity") or by 'great' (rule="sentiment")."""
    import torch

    clf = build_tiny_classifier(seed=seed)
    rng = random.Random(seed)
    texts, labels = _sentences(rng, 256, rule=rule)
    enc = clf.tokenizer(texts, padding=True, return_tensors="pt")
    y = torch.tensor(labels)
    model = clf.model
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    # Label smoothing keeps the model from saturating, so that integrated
    # gradients converge in few steps, as on a real fine-tuned classifier.
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.2)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        batch = torch.randint(0, len(texts), (32,), generator=generator)
        logits = model(input_ids=enc["input_ids"][batch], attention_mask=enc["attention_mask"][batch]).logits
        optimiser.zero_grad()
        loss_fn(logits, y[batch]).backward()
        optimiser.step()
    model.eval()
    return clf


@pytest.fixture(scope="session")
def identity_model():
    return train_tiny("identity")


@pytest.fixture(scope="session")
def sentiment_model():
    return train_tiny("sentiment")


@pytest.fixture(scope="session")
def held_out():
    return _sentences(random.Random(123), 40, rule="identity")[0]


@pytest.fixture(scope="session")
def probe_table():
    """Three matched gender sets with score gaps 0.7, 0.05 and 0.5."""
    import pandas as pd

    rows = []
    for inst, (f, m) in enumerate([(0.9, 0.2), (0.6, 0.55), (0.3, 0.8)]):
        for group, score, word in (("female", f, "sister"), ("male", m, "brother")):
            rows.append({"attribute": "gender", "family": "sentiment", "template_id": "t", "instance_id": f"sentiment/t/{inst}",
                         "group": group, "text": f"my {word} saw film {inst}", "score": score, "predicted_label": "positive"})
    return pd.DataFrame(rows)
