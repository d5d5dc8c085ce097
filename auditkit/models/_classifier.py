"""A loaded classifier and its fast batched prediction."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from auditkit.errors import ModelError

_DEFAULT_BATCH_SIZE = 64


@dataclass
class Predictions:
    """Class probabilities for a list of texts.

    Attributes
    ----------
    probabilities : ndarray of shape (n_texts, n_classes)
        Softmax probabilities (a sigmoid per label for a multi-label
        model), rows in input order.
    n_truncated : int
        How many inputs were longer than the model's maximum length and were cut.
    """

    probabilities: np.ndarray
    n_truncated: int = 0

    @property
    def predicted(self) -> np.ndarray:
        """Predicted class id per text (argmax of the probabilities)."""
        return self.probabilities.argmax(axis=1)


class TextClassifier:
    """A Hugging Face sequence classifier with its tokenizer, ready to predict.

    Build it with :func:`auditkit.load_classifier`, or wrap a model and
    tokenizer you already hold.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A ``*ForSequenceClassification`` model.
    tokenizer : transformers.PreTrainedTokenizerBase
    device : torch.device, optional
    source : str
        Where the model came from (path or Hub id).
    fingerprint : str
        Content hash of the weights, when known.
    max_length : int, optional
        Truncation length; the model's own limit by default.
    """

    def __init__(self, model, tokenizer, *, device=None, source: str = "<memory>", fingerprint: str = "", max_length: int | None = None):
        import torch

        self.model = model
        self.tokenizer = tokenizer
        self.device = device if device is not None else torch.device("cpu")
        self.source = source
        self.fingerprint = fingerprint
        self.model.to(self.device)
        self.model.eval()
        limit = self._model_limit()
        if max_length is not None:
            if max_length < 2:
                raise ModelError(f"max length must be at least 2 tokens, got {max_length}")
            limit = min(limit, max_length)
        self.max_length = limit

    def _model_limit(self) -> int:
        candidates = []
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_limit, int) and 0 < tok_limit < 100_000:
            candidates.append(tok_limit)
        pos = getattr(self.model.config, "max_position_embeddings", None)
        if isinstance(pos, int) and pos > 0:
            # RoBERTa-style models reserve two positions for the padding offset.
            offset = 2 if getattr(self.model.config, "model_type", "") in ("roberta", "xlm-roberta", "camembert") else 0
            candidates.append(pos - offset)
        return min(candidates) if candidates else 512

    @property
    def labels(self) -> list[str]:
        """Class names in id order, from the model's ``id2label``."""
        id2label = getattr(self.model.config, "id2label", None) or {}
        n = int(getattr(self.model.config, "num_labels", len(id2label)) or len(id2label))
        return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(n)]

    @property
    def multi_label(self) -> bool:
        """Whether the model scores each label independently (``problem_type="multi_label_classification"``)."""
        return getattr(self.model.config, "problem_type", None) == "multi_label_classification"

    def probabilities_from_logits(self, logits):
        """The model's probabilities from its logits (a torch tensor): softmax, or a sigmoid per label when multi-label."""
        import torch

        logits = logits.float()
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)

    @property
    def name(self) -> str:
        """A short human name: the directory or Hub id."""
        from pathlib import Path

        return Path(self.source).name or self.source

    def tokenize(self, texts: Sequence[str]) -> tuple[list[list[int]], int]:
        """Token ids per text, cut to ``max_length``; also the number cut."""
        if not texts:
            return [], 0
        full = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        long_rows = [i for i, ids in enumerate(full) if len(ids) > self.max_length]
        if long_rows:
            cut = self.tokenizer(
                [texts[i] for i in long_rows], add_special_tokens=True, truncation=True, max_length=self.max_length
            )["input_ids"]
            for i, ids in zip(long_rows, cut):
                full[i] = ids
        return full, len(long_rows)

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = _DEFAULT_BATCH_SIZE, progress: bool | None = None) -> Predictions:
        """Class probabilities for ``texts`` (a sigmoid per label for a multi-label model).

        Texts are tokenized once, sorted by length and run in batches padded
        only to the longest text of each batch, under
        ``torch.inference_mode``; rows come back in input order.

        Parameters
        ----------
        texts : sequence of str
        batch_size : int, default 64
        progress : bool, optional
            Show a progress bar; by default only when stderr is a terminal.

        Returns
        -------
        Predictions
        """
        import torch

        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        texts = [str(t) for t in texts]
        n_classes = len(self.labels)
        if not texts:
            return Predictions(np.zeros((0, n_classes), dtype=np.float32), 0)
        ids, n_truncated = self.tokenize(texts)
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.empty((len(texts), n_classes), dtype=np.float32)
        pad_id = self.tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self.tokenizer.eos_token_id if self.tokenizer.eos_token_id is not None else 0
        uses_token_types = "token_type_ids" in getattr(self.tokenizer, "model_input_names", [])
        show = sys.stderr.isatty() if progress is None else progress
        batches = range(0, len(texts), batch_size)
        if show:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="predict", unit="batch", leave=False)
        padding_side = getattr(self.tokenizer, "padding_side", "right")
        with torch.inference_mode():
            for start in batches:
                rows = order[start : start + batch_size]
                width = max(len(ids[r]) for r in rows)
                input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for j, r in enumerate(rows):
                    seq = ids[r]
                    if padding_side == "left":
                        input_ids[j, width - len(seq):] = torch.tensor(seq)
                        mask[j, width - len(seq):] = 1
                    else:
                        input_ids[j, : len(seq)] = torch.tensor(seq)
                        mask[j, : len(seq)] = 1
                inputs = {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}
                if uses_token_types:
                    inputs["token_type_ids"] = torch.zeros_like(inputs["input_ids"])
                logits = self.model(**inputs).logits
                out[rows] = self.probabilities_from_logits(logits).cpu().numpy()
        return Predictions(out, n_truncated)

    def predict(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        """Predicted class id per text."""
        return self.predict_proba(texts, **kwargs).predicted
