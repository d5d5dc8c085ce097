"""Fixtures for probe tests: keyword classifiers with known answers."""

from __future__ import annotations

import pytest
from probe_helpers import KeywordClassifier


@pytest.fixture
def female_negative_classifier():
    """Scores any sentence mentioning a woman 0.3 lower."""
    from auditkit.probes import identity_terms

    words = sorted(identity_terms(["gender"])["gender"]["female"])
    return KeywordClassifier(words, shift=-0.3)


@pytest.fixture
def neutral_classifier():
    return KeywordClassifier()
