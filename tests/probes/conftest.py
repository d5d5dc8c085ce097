"""Fixtures for probe tests: keyword classifiers with known answers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from auditkit.models import Predictions


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


FEMALE_WORDS = ("woman", "girl", "sister", "daughter", "wife", "girlfriend", "mother", "aunt", "mom", "niece", "she", "her")


@pytest.fixture
def female_negative_classifier():
    """Scores any sentence mentioning a woman 0.3 lower."""
    from auditkit.probes import identity_terms

    words = sorted(identity_terms(["gender"])["gender"]["female"])
    return KeywordClassifier(words, shift=-0.3)


@pytest.fixture
def neutral_classifier():
    return KeywordClassifier()
