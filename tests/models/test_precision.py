"""--precision: int8 (per-token activations, per-channel weights) on the encoder; bf16/fp16 need CUDA."""

import numpy as np
import pytest
import torch

from auditkit.errors import ModelError
from auditkit.models import TextClassifier
from auditkit.models._precision import check_precision, int8_layers, quantize_int8
from tiny_models import build_tiny_classifier

TEXTS = ["a gorgeous, witty film", "my sister hated every minute", "the food was fine", "awful, never again"] * 8


def test_int8_quantizes_every_encoder_linear_and_keeps_the_head_fp32():
    clf = build_tiny_classifier()
    names = int8_layers(clf.model)
    parts = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
             "intermediate.dense", "output.dense")
    assert names == {f"bert.encoder.layer.{i}.{part}" for i in range(2) for part in parts}
    assert int8_layers(clf.model, feed_forward_output=False) == names - {f"bert.encoder.layer.{i}.output.dense" for i in range(2)}
    modules = dict(quantize_int8(clf.model).named_modules())
    # query, key and value run as one stacked int8 product; the layers they were stay as slices of it
    assert {n for n, m in modules.items() if type(m).__name__ in ("Int8Linear", "SharedInputSlice")} == names | {
        f"bert.encoder.layer.{i}.attention.self.query_key_value" for i in range(2)}
    for i in range(2):
        self_attention = modules[f"bert.encoder.layer.{i}.attention.self"]
        assert [(s.start, s.stop) for s in (self_attention.query, self_attention.key, self_attention.value)] == [
            (0, 32), (32, 64), (64, 96)]
    assert isinstance(modules["classifier"], torch.nn.Linear)  # the head stays fp32
    assert isinstance(clf.model.bert.encoder.layer[0].intermediate.dense, torch.nn.Linear)  # the original is untouched


def test_int8_linear_matches_a_direct_per_token_per_channel_computation():
    torch.manual_seed(0)
    linear = torch.nn.Linear(48, 24)
    x = torch.randn(3, 7, 48) * torch.linspace(0.1, 30, 7)[None, :, None]  # tokens of very different scale
    quantized = quantize_int8(torch.nn.Sequential(linear), layers={"0"})[0]
    w = linear.weight.detach()
    w_scale = w.abs().amax(dim=1) / 127
    w_q = torch.round(w / w_scale[:, None])
    rows = x.reshape(-1, 48)
    x_scale = rows.abs().amax(dim=1, keepdim=True) / 127
    x_q = torch.round(rows / x_scale)
    expected = ((x_q.double() @ w_q.double().T) * x_scale.double() * w_scale.double() + linear.bias.double()).reshape(3, 7, 24)
    with torch.inference_mode():
        got = quantized(x)
    assert torch.allclose(got.double(), expected, rtol=1e-5, atol=1e-4)
    # and it is a quantization of the fp32 layer: the error of each token is small next to that token's scale
    error = (got - linear(x).detach()).abs().amax(dim=-1)
    assert (error / x.abs().amax(dim=-1)).max() < 0.05


def _self_attention(seed=0):
    torch.manual_seed(seed)
    block = torch.nn.Module()
    for name in ("query", "key", "value"):
        block.add_module(name, torch.nn.Linear(16, 8))
    return block


def test_stacked_query_key_value_equal_three_separate_int8_layers_in_any_call_order(monkeypatch):
    import auditkit.models._precision as precision

    block = _self_attention()
    model = torch.nn.Module()
    model.add_module("encoder", block)
    stacked = quantize_int8(model, layers={"encoder.query", "encoder.key", "encoder.value"}).encoder
    separate = {name: quantize_int8(torch.nn.Sequential(getattr(block, name)), layers={"0"})[0]
                for name in ("query", "key", "value")}
    monkeypatch.setattr(precision, "ROWS_PER_CHUNK", 5)  # 2 x 9 rows: chunks of 5, 5, 5 and 3
    x, other = torch.randn(2, 9, 16), torch.randn(2, 9, 16)
    with torch.inference_mode():
        for order in (("query", "key", "value"), ("value", "query", "key")):
            for name in order:
                assert torch.equal(getattr(stacked, name)(x), separate[name](x))
        # a different input is computed afresh, even before every sibling has read the last one
        assert torch.equal(stacked.query(x), separate["query"](x))
        assert torch.equal(stacked.key(other), separate["key"](other))
        assert torch.equal(stacked.value(x), separate["value"](x))


def test_chunked_int8_product_equals_one_product(monkeypatch):
    import auditkit.models._precision as precision

    clf = build_tiny_classifier()
    int8 = quantize_int8(clf.model)
    intermediate = int8.bert.encoder.layer[0].intermediate
    x = torch.randn(3, 11, intermediate.dense.in_features)
    with torch.inference_mode():
        whole = intermediate(x)
        monkeypatch.setattr(precision, "ROWS_PER_CHUNK", 4)
        chunked = intermediate(x)
        fp32 = clf.model.bert.encoder.layer[0].intermediate(x)
    assert torch.equal(whole, chunked)
    assert (whole >= -0.2).all()  # GELU's floor (-0.17): the activation is there
    assert torch.allclose(whole, fp32, atol=0.05 * float(fp32.abs().max()))


def test_int8_probabilities_stay_close_to_fp32():
    clf = build_tiny_classifier()
    fp32 = clf.predict_proba(TEXTS).probabilities
    int8 = TextClassifier(clf.model, clf.tokenizer, precision="int8", route="torch-int8").predict_proba(TEXTS).probabilities
    assert np.abs(int8 - fp32).max() < 0.02


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_half_precisions_need_cuda(precision):
    with pytest.raises(ModelError, match=f"^precision {precision} runs on CUDA"):
        check_precision(precision, torch.device("cpu"))
    check_precision(precision, torch.device("cuda"))  # accepted where a GPU is (checked without one)


def test_unknown_precision_is_refused():
    with pytest.raises(ModelError, match="unknown precision 'int4'"):
        check_precision("int4", torch.device("cpu"))


def test_choosing_a_route_and_predicting_in_int8_leave_torchs_random_state_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path))  # nothing measured yet: the route is timed on random ids
    clf = build_tiny_classifier()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    TextClassifier(clf.model, clf.tokenizer, precision="int8").predict_proba(TEXTS)
    assert torch.equal(torch.rand(3), expected)
