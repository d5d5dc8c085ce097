"""--precision: int8 quantizes the feed-forward layers only; bf16/fp16 need CUDA."""

import numpy as np
import pytest
import torch

from auditkit.errors import ModelError
from auditkit.models import TextClassifier, check_precision, int8_layers
from tiny_models import build_tiny_classifier

TEXTS = ["a gorgeous, witty film", "my sister hated every minute", "the food was fine", "awful, never again"] * 8


def test_int8_quantizes_the_encoder_but_the_feed_forward_output_and_keeps_the_rest_fp32():
    clf = build_tiny_classifier()
    names = int8_layers(clf.model)
    parts = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
             "intermediate.dense")
    assert names == {f"bert.encoder.layer.{i}.{part}" for i in range(2) for part in parts}
    int8 = TextClassifier(clf.model, clf.tokenizer, precision="int8")
    modules = dict(int8.model.named_modules())
    quantized = {n for n, m in modules.items() if type(m).__name__ == "Linear" and type(m).__module__.startswith("torch.ao.nn.quantized")}
    assert quantized == names
    assert isinstance(modules["classifier"], torch.nn.Linear)  # the head stays fp32
    assert isinstance(modules["bert.encoder.layer.0.output.dense"], torch.nn.Linear)  # the FFN output stays fp32
    assert isinstance(clf.model.bert.encoder.layer[0].intermediate.dense, torch.nn.Linear)  # the original is untouched


def test_int8_probabilities_stay_close_to_fp32():
    clf = build_tiny_classifier()
    fp32 = clf.predict_proba(TEXTS).probabilities
    int8 = TextClassifier(clf.model, clf.tokenizer, precision="int8").predict_proba(TEXTS).probabilities
    assert np.abs(int8 - fp32).max() < 0.02


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_half_precisions_need_cuda(precision):
    with pytest.raises(ModelError, match=f"--precision {precision} runs on CUDA"):
        check_precision(precision, torch.device("cpu"))
    check_precision(precision, torch.device("cuda"))  # accepted where a GPU is (checked without one)


def test_unknown_precision_is_refused():
    with pytest.raises(ModelError, match="unknown precision 'int4'"):
        check_precision("int4", torch.device("cpu"))
