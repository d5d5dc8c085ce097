"""An int8 classifier is attributed with true gradients: those of the fp32 weights its int8 model was made from."""

import numpy as np
import pytest
import torch

from auditkit.attribution import IntegratedGradients
from auditkit.models import TextClassifier


@pytest.fixture
def int8_model(identity_model, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "cache"))
    return TextClassifier(identity_model.model, identity_model.tokenizer, precision="int8", route="torch-int8")


def test_integrated_gradients_of_an_int8_run_equal_those_of_its_fp32_weights(identity_model, int8_model, held_out):
    texts = held_out[:8]
    assert int8_model.precision == "int8" and int8_model.route == "torch-int8"
    # the int8 classifier predicts with int8 products: its probabilities differ from fp32 (a little)
    assert not np.array_equal(int8_model.predict_proba(texts).probabilities, identity_model.predict_proba(texts).probabilities)
    fp32 = IntegratedGradients(identity_model, n_steps=8, max_n_steps=8).attribute(texts)
    int8 = IntegratedGradients(int8_model, n_steps=8, max_n_steps=8).attribute(texts)
    for a, b in zip(fp32, int8):
        assert a.words == b.words and a.target == b.target
        assert np.array_equal(a.scores, b.scores)
        assert a.convergence_delta == b.convergence_delta


def test_attributing_an_int8_run_never_runs_an_int8_product(int8_model, held_out, monkeypatch):
    """The gradients the issue found wrong came through int8 products under autograd: none may run now."""
    calls = []
    real = torch._int_mm
    monkeypatch.setattr(torch, "_int_mm", lambda *a, **k: calls.append(1) or real(*a, **k))
    int8_model.predict_proba(held_out[:4])
    assert calls  # prediction does use them
    calls.clear()
    [result] = IntegratedGradients(int8_model, n_steps=8, max_n_steps=8).attribute(held_out[:1])
    assert calls == [] and np.isfinite(result.scores).all()


def test_an_int8_audit_with_default_attributions_completes_and_says_which_weights(tmp_path, monkeypatch):
    """The issue's crash: `auditkit audit --precision int8` with its default attributions (gelu(out=) under autograd)."""
    from real_runs import hostile_data, tiny_model_dir

    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier

    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "cache"))
    model_dir = str(tiny_model_dir(seed=0))
    monkeypatch.setenv("AUDITKIT_ROUTE", "torch-int8")  # as a user forces it; measured, the tiny model may run fp32
    clf = load_classifier(model_dir, precision="int8")
    data = load_dataset(hostile_data(limit=30), text_col="text", label_col="label")
    lines = []
    result = run_audit(clf, data, options=AuditOptions(n_boot=0, probes=(), attributions=AuditOptions.attributions),
                       log=lines.append, progress=False)
    model, attributions = result.record["model"], result.record["attributions"]
    assert (model["precision"], model["requested_precision"], model["route"]) == ("int8", "int8", "torch-int8")
    assert attributions["weights"] == "fp32 weights the int8 model was made from"
    assert attributions["method"] == "integrated_gradients" and attributions["n_examples"] > 0
    assert "  note: attributions computed on the fp32 weights the int8 model was made from" in lines
