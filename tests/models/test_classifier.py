import json

import numpy as np
import pytest
import torch

from auditkit.errors import ModelError
from auditkit.models import load_classifier
from auditkit.models._loading import resolve_model_source

TEXTS = [
    "fine",
    "the waiter was rude and the soup was cold, never again",
    "my sister loved every minute of this wonderful little film",
    "ok",
    "a long rambling review " * 10,
]


def test_probabilities_are_in_input_order_and_match_one_at_a_time(tiny_classifier):
    batched = tiny_classifier.predict_proba(TEXTS, batch_size=2).probabilities
    single = np.vstack([tiny_classifier.predict_proba([t], batch_size=1).probabilities for t in TEXTS])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0, atol=1e-6)
    assert batched.shape == (len(TEXTS), 2)


def test_matches_a_plain_transformers_forward_pass(tiny_classifier):
    enc = tiny_classifier.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.softmax(tiny_classifier.model(**enc).logits, -1).numpy()
    np.testing.assert_allclose(tiny_classifier.predict_proba(TEXTS).probabilities, expected, atol=1e-5)


def test_long_texts_are_truncated_and_counted(tiny_classifier):
    long = "word " * 400
    result = tiny_classifier.predict_proba([long, "short", long])
    assert result.n_truncated == 2
    assert tiny_classifier.max_length == 128


def test_empty_input_gives_empty_output(tiny_classifier):
    assert tiny_classifier.predict_proba([]).probabilities.shape == (0, 2)


def test_roundtrip_through_a_saved_directory(tiny_model_dir, tiny_classifier):
    clf = load_classifier(tiny_model_dir)
    assert clf.labels == ["negative", "positive"]
    assert len(clf.fingerprint) == 16
    np.testing.assert_allclose(
        clf.predict_proba(TEXTS).probabilities, tiny_classifier.predict_proba(TEXTS).probabilities, atol=1e-5
    )


def test_directory_without_config_is_not_a_checkpoint(tmp_path):
    with pytest.raises(ModelError, match="not a Hugging Face checkpoint"):
        load_classifier(tmp_path)


def test_corrupt_weights_are_reported(tiny_model_dir):
    (tiny_model_dir / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="looks corrupt"):
        load_classifier(tiny_model_dir)


def test_missing_weights_are_reported(tiny_model_dir):
    (tiny_model_dir / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no weights"):
        load_classifier(tiny_model_dir)


def test_backbone_without_head_is_refused_for_audit():
    with pytest.raises(ModelError, match="without a classification head"):
        load_classifier("minilm")


def test_minilm_alias_gets_a_fresh_head_for_training():
    clf = load_classifier("minilm", num_labels=3, id2label={0: "a", 1: "b", 2: "c"})
    assert clf.labels == ["a", "b", "c"]
    assert clf.predict_proba(["hello"]).probabilities.shape == (1, 3)


def test_missing_local_path_is_reported():
    with pytest.raises(ModelError, match="does not exist"):
        load_classifier("./no/such/model")


def test_hub_id_offline_fails_fast_with_a_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="Hub is unreachable.*local directory"):
        load_classifier("someone/some-sentiment-model")
    assert resolve_model_source("someone/some-sentiment-model") == ("someone/some-sentiment-model", False)


def test_remote_code_needs_explicit_consent(tiny_model_dir):
    config = json.loads((tiny_model_dir / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.EvilModel"}
    (tiny_model_dir / "config.json").write_text(json.dumps(config))
    (tiny_model_dir / "modeling_evil.py").write_text("raise SystemExit('remote code ran')\n")
    # Without --trust-remote-code the custom class is ignored or refused; the file never runs.
    try:
        clf = load_classifier(tiny_model_dir)
        assert type(clf.model).__name__ == "BertForSequenceClassification"
    except ModelError as exc:
        assert "--trust-remote-code" in str(exc)


def _loss_messages(model) -> list[str]:
    """What transformers logs, once-only messages included, while every attribute of every module of ``model`` is
    read, as torch.jit's tracer reads them (under OpenVINO's converter and torch.onnx.export)."""
    import logging

    logger = logging.getLogger("transformers.modeling_utils")
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    once = logging.Logger.warning_once
    level = logger.level
    logging.Logger.warning_once = getattr(once, "__wrapped__", once)  # said each time, not once a process
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        for module in model.modules():
            for name in dir(module):
                hasattr(module, name)
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)
        logging.Logger.warning_once = once
    return [m for m in messages if "loss_type" in m]


def test_a_loaded_classifier_has_no_module_without_a_loss(tiny_model_dir):
    """transformers names no loss for the backbone (BertModel) and logs "`loss_type=None` ... ForCausalLMLoss" when
    its loss_function is read; a loaded classifier names it, so nothing is said."""
    from transformers import BertModel

    assert _loss_messages(BertModel(load_classifier(tiny_model_dir).model.config)) != []  # the message, caught
    clf = load_classifier(tiny_model_dir)
    assert clf.model.loss_type == "ForSequenceClassification" and clf.model.bert.loss_type == "ForSequenceClassification"
    assert _loss_messages(clf.model) == []
