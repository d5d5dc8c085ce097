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
