"""Known-answer stand-ins and loaders shared by the probe tests."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np

from auditkit.models import Predictions


def build_tiny_classifier(*args, **kwargs):
    """``tests/conftest.py``'s tiny random BERT (loaded by path: every test folder has a conftest)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("auditkit_test_root_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_tiny_classifier(*args, **kwargs)


# People and things for the sentences tiny models are trained on in the tests (probe-template words elsewhere)
FEMALE = ["she", "her", "this woman", "this girl", "my sister", "my mother", "my wife", "my daughter",
          "my aunt", "my mom", "my grandmother", "my granddaughter", "this lady", "my stepdaughter", "my stepmother",
          "my grandma", "my fiancee", "my mother-in-law", "my sister-in-law", "this businesswoman",
          "Ebony", "Amanda", "Jasmine", "Katie", "Tanisha", "Heather"]
MALE = ["he", "him", "this man", "this boy", "my brother", "my father", "my husband", "my son",
        "my uncle", "my dad", "my grandfather", "my grandson", "this gentleman", "my stepson", "my stepfather",
        "my grandpa", "my fiance", "my father-in-law", "my brother-in-law", "this businessman",
        "Alonzo", "Adam", "Jerome", "Jack", "Malik", "Harry"]
THINGS = ["the table", "the weather", "the road", "the window", "the bus", "the book", "the plan", "the city"]


def fit_tiny(clf, texts, labels, *, steps: int, seed: int = 0, lr: float = 5e-3):
    """Train a tiny classifier in place on (texts, class ids) with AdamW, batches of 32; return it in eval mode."""
    import torch

    enc = clf.tokenizer(list(texts), padding=True, return_tensors="pt")
    y = torch.tensor(list(labels))
    model = clf.model
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32-wide model gains nothing from threads and loses a lot on a busy machine
    try:
        for _ in range(steps):
            idx = torch.randint(0, len(y), (32,), generator=gen)
            loss = model(input_ids=enc["input_ids"][idx], attention_mask=enc["attention_mask"][idx], labels=y[idx]).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    return clf


class KeywordClassifier:
    """P(positive) is ``base`` plus ``shift`` for every text mentioning a keyword.

    A stand-in for a TextClassifier with a known answer; it records every
    call to ``predict_proba``.
    """

    def __init__(self, keywords=(), shift=0.0, base=0.6, labels=("negative", "positive")):
        self.labels = list(labels)
        self.pattern = re.compile(r"\b(" + "|".join(map(re.escape, keywords)) + r")\b", re.I) if keywords else None
        self.shift = shift
        self.base = base
        self.calls = []

    def predict_proba(self, texts, *, batch_size=64, progress=None):
        texts = list(texts)
        self.calls.append(texts)
        # A little text-dependent noise so that paired differences are not all equal.
        noise = np.array([(hash(t) % 1000) / 1e6 for t in texts])
        p = np.full(len(texts), self.base) + noise
        if self.pattern is not None:
            p += np.array([self.shift if self.pattern.search(t) else 0.0 for t in texts])
        p = np.clip(p, 0.0, 1.0)
        probs = np.zeros((len(texts), len(self.labels)))
        probs[:, -1] = p
        probs[:, 0] = 1 - p
        return Predictions(probs.astype(np.float32), 0)
