"""Word-perturbation attributions on a model with a known answer: any kind, no gradients."""

from __future__ import annotations

import numpy as np
import pytest

from auditkit.attribution import METHODS, WordAblation, WordKernelShap, WordLime, make_attributor
from auditkit.attribution._methods import resolve_method
from auditkit.errors import ConfigError
from auditkit.models import PythonClassifier


def additive(texts):
    """p(positive) = 0.5 + 0.2 per 'good' - 0.3 per 'awful' (each word counted once): word effects add up exactly."""
    out = []
    for text in texts:
        words = text.lower().replace(",", " ").split()
        p = 0.5 + 0.2 * ("good" in words) - 0.3 * ("awful" in words)
        out.append([1 - p, p])
    return np.array(out)


@pytest.fixture
def model():
    return PythonClassifier(additive, source="additive", labels=["negative", "positive"])


@pytest.mark.parametrize("method", [WordAblation, WordKernelShap, WordLime])
def test_each_method_finds_the_words_that_move_the_probability(method, model):
    texts = ["a good film, not awful at all", "good acting and a calm plot"]
    results = method(model).attribute(texts, target="positive")
    for result in results:
        scores = dict(zip(result.words, result.scores))
        assert result.method == method.name and result.target == "positive"
        assert scores["good"] == pytest.approx(0.2, abs=0.02)
        if "awful" in scores:
            assert scores["awful"] == pytest.approx(-0.3, abs=0.02)
        others = [abs(v) for w, v in scores.items() if w not in ("good", "awful")]
        assert max(others) < 0.02


def test_word_ablation_is_exact_and_scores_every_word_of_texts_of_any_length(model):
    texts = ["good", "awful awful good", "", "a long text without either word " * 5]
    results = WordAblation(model).attribute(texts, target=1)
    assert [len(r.words) for r in results] == [1, 3, 0, 30]
    np.testing.assert_allclose(results[0].scores, [0.2])
    np.testing.assert_allclose(results[1].scores, [0.0, 0.0, 0.2])  # deleting one 'awful' leaves the other
    assert not results[3].scores.any()


def test_sampling_methods_are_seeded_and_leave_torch_random_state_alone(model):
    import torch

    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = WordKernelShap(model, n_samples=30, seed=4).attribute(["good and awful and plain"])[0].scores
    after = torch.rand(1)
    b = WordKernelShap(model, n_samples=30, seed=4).attribute(["good and awful and plain"])[0].scores
    np.testing.assert_array_equal(a, b)
    assert before == after


def test_auto_picks_gradients_only_where_the_model_has_them(model, tiny_classifier):
    assert resolve_method("auto", tiny_classifier) == "integrated_gradients"
    assert resolve_method("auto", model) == "word_ablation"
    assert isinstance(make_attributor("auto", model), WordAblation)
    assert resolve_method("kernel_shap", tiny_classifier) == "kernel_shap"  # perturbation runs on any kind
    with pytest.raises(ConfigError, match="'occlusion' needs a local PyTorch model"):
        resolve_method("occlusion", model)
    assert {m for m, c in METHODS.items() if not c.needs_gradients} == {"word_ablation", "kernel_shap", "lime"}


def test_the_sample_count_is_checked(model):
    with pytest.raises(ConfigError, match="n_samples must be a whole number of at least 2, got 1"):
        WordLime(model, n_samples=1)
