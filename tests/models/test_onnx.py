"""The ONNX kind: an export that predicts what its PyTorch checkpoint predicts, audited as any other model."""

from __future__ import annotations

import numpy as np
import pytest

from auditkit.errors import ModelError
from auditkit.models import OnnxClassifier, export_onnx, load_classifier, load_model

TEXTS = ["a gorgeous, witty film", "the food was cold", "she is a doctor and he is a nurse", "meh",
         "an extremely long review " * 60]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from tiny_models import build_tiny_classifier

    root = tmp_path_factory.mktemp("onnx")
    clf = build_tiny_classifier(seed=2)
    clf.model.save_pretrained(root / "tiny")
    clf.tokenizer.save_pretrained(root / "tiny")
    difference = export_onnx(root / "tiny", root / "tiny-onnx")
    return root / "tiny", root / "tiny-onnx", difference


def test_the_export_agrees_with_the_checkpoint(exported):
    source, folder, difference = exported
    assert difference <= 1e-5
    onnx, torch_model = load_model(str(folder)), load_classifier(source, device="cpu")
    assert isinstance(onnx, OnnxClassifier) and onnx.kind == "onnx" and not onnx.supports_gradients
    assert onnx.labels == torch_model.labels and onnx.max_length == torch_model.max_length
    got, want = onnx.predict_proba(TEXTS, batch_size=2), torch_model.predict_proba(TEXTS, batch_size=2)
    np.testing.assert_allclose(got.probabilities, want.probabilities, atol=1e-5)
    assert got.n_truncated == want.n_truncated == 1  # the same tokenization and truncation
    assert load_model(str(folder / "model.onnx")).fingerprint == onnx.fingerprint


def test_an_onnx_model_is_audited_with_word_perturbation(exported, tmp_path, capsys):
    from auditkit.cli import main
    from auditkit.store import read_run

    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "my sister loved the food,positive\nhe hated the cold soup,negative\n" * 6)
    out = tmp_path / "run"
    assert main(["audit", "--model", str(exported[1]), "--data", str(data), "--out", str(out), "--n-boot", "0",
                 "--probes", "none", "--attributions", "2"]) == 0, capsys.readouterr().err
    record = read_run(out).record
    assert record["model"]["kind"] == "onnx" and record["model"]["precision"] == "fp32"
    assert record["attributions"]["approach"] == "perturbation"


def test_an_export_is_not_written_over_an_existing_folder(exported):
    with pytest.raises(ModelError, match="already exists; pass overwrite"):
        export_onnx(exported[0], exported[1])
