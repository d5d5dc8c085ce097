"""A backbone for a language no shipped model reads, offline: a WordPiece tokenizer and a small BERT from scratch.

``auditkit train --base scratch`` trains a WordPiece vocabulary on the
training texts with Hugging Face ``tokenizers`` (BERT's normalizer and
pre-tokenizer: lower case, and each Chinese character a word of its own, as
BERT's ``tokenize_chinese_chars``), builds a small BERT from random
initialisation (seeded), and fine-tunes it like any backbone. Nothing is
downloaded. The model is **not pretrained**: it knows only what the training
texts teach it. ``training.json``, the model's ``config.json``
(``auditkit_pretrained: false``) and the ``README.md`` model card it is saved
with all say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from auditkit.errors import ConfigError

__all__ = ["SCRATCH_BASE", "ScratchSize", "scratch_classifier", "scratch_model_card"]

#: The ``--base`` value that asks for a backbone trained from scratch.
SCRATCH_BASE = "scratch"
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
#: A sub-word must occur this often in the training texts to enter the vocabulary.
MIN_FREQUENCY = 2


@dataclass(frozen=True)
class ScratchSize:
    """The size of a from-scratch BERT and of its vocabulary (all recorded in training.json).

    The defaults train on ~8,000 short Chinese reviews in a few minutes on
    two CPU cores (see the README's Chinese section for measured figures).
    """

    vocab_size: int = 6000
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4

    def validate(self) -> None:
        checks = (
            ("vocab_size", self.vocab_size, 100, 250_000),
            ("hidden_size", self.hidden_size, 16, 4096),
            ("num_layers", self.num_layers, 1, 48),
            ("num_heads", self.num_heads, 1, 64),
        )
        for name, value, low, high in checks:
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{name} must be a whole number from {low} to {high} for a scratch backbone, got {value!r}",
                                  parameter=name)
        if self.hidden_size % self.num_heads:
            raise ConfigError(f"hidden_size {self.hidden_size} must be a multiple of num_heads {self.num_heads} "
                              "(each attention head gets an equal share)", parameter=("hidden_size", "num_heads"))


def _wordpiece_tokenizer(texts: Sequence[str], vocab_size: int, max_length: int):
    """A fast BERT-style tokenizer whose WordPiece vocabulary is trained on ``texts``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=MIN_FREQUENCY,
                                        special_tokens=list(SPECIAL_TOKENS), show_progress=False)
    tok.train_from_iterator((str(t) for t in texts), trainer=trainer, length=len(texts))
    # The trainer numbers tokens of equal count in an arbitrary order; renumber them (special tokens first, then
    # in code-point order) so that the same texts always give the same tokenizer, and the same seed the same model.
    learnt = tok.get_vocab()
    ordered = list(SPECIAL_TOKENS) + sorted(t for t in learnt if t not in SPECIAL_TOKENS)
    tok.model = models.WordPiece({t: i for i, t in enumerate(ordered)}, unk_token="[UNK]")
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_length)


def scratch_classifier(texts: Sequence[str], names: Sequence[str], *, size: ScratchSize, max_length: int, seed: int,
                       multi_label: bool = False, device=None):
    """A :class:`~auditkit.models.TextClassifier` whose tokenizer is trained on ``texts`` and whose BERT is random.

    Parameters
    ----------
    texts : sequence of str
        The training texts (the vocabulary is learnt from these only).
    names : sequence of str
        Class names in id order.
    size : ScratchSize
    max_length : int
        Tokens per input; also the model's number of positions.
    seed : int
        Seeds the weights.
    multi_label : bool, default False
    device : torch.device, optional
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from auditkit.models import TextClassifier

    size.validate()
    if not texts:
        raise ConfigError("a scratch backbone needs training texts to learn its vocabulary from")
    tokenizer = _wordpiece_tokenizer(texts, size.vocab_size, max_length)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=size.hidden_size,
        num_hidden_layers=size.num_layers,
        num_attention_heads=size.num_heads,
        intermediate_size=4 * size.hidden_size,
        max_position_embeddings=max_length,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        problem_type="multi_label_classification" if multi_label else None,
    )
    config.auditkit_pretrained = False  # saved in config.json: whoever loads the model can tell
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    return TextClassifier(model, tokenizer, device=device, source=SCRATCH_BASE, fingerprint="", max_length=max_length)


def scratch_model_card(record: dict) -> str:
    """The README.md a scratch model is saved with: what it is, and that it is not pretrained."""
    scratch = record["scratch"]
    data = record["data"]
    val = record.get("validation") or {}
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-classification",
        "tags:",
        "- auditkit",
        "- not-pretrained",
        "---",
        "",
        "# A text classifier trained from scratch (not pretrained)",
        "",
        "This model was written by `auditkit train --base scratch`. It is **not pretrained**: its WordPiece "
        f"vocabulary ({scratch['vocab_size_trained']} tokens) was learnt from the {data['n_train']} training texts of "
        f"`{data['source']}`, and its BERT ({scratch['num_layers']} layers, hidden size {scratch['hidden_size']}, "
        f"{scratch['num_heads']} heads, {scratch['n_parameters']:,} parameters) started from random weights. It knows "
        "only what those texts teach it: words it never saw there are unknown to it, and it has none of the "
        "world knowledge a pretrained backbone brings.",
        "",
        f"- labels: {', '.join(record['labels'])}",
        f"- epochs: {record['hyperparameters']['epochs']:g}, learning rate: {record['hyperparameters']['learning_rate']:g}",
    ]
    if val:
        lines.append(f"- validation accuracy: {val['accuracy']:.3f} on {val['n']} held-out texts")
    lines += ["", "Audit it with `auditkit audit --model <this folder> ...`; `training.json` holds the full record.", ""]
    return "\n".join(lines)
