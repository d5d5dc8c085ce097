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
    precision : {"fp32", "int8", "bf16", "fp16"}, default "fp32"
        ``int8``: int8 weights and activations for the encoder's linear
        layers on a CPU; ``bf16``/``fp16``: autocast on CUDA. On a CPU the
        route (torch or OpenVINO, fp32 or int8) is chosen by measuring on
        this machine (:mod:`auditkit.models._calibration`); an int8 request
        that would not be faster than fp32 here runs fp32, and
        :attr:`route_note` says so. The choice is made before the first
        prediction, on the texts to predict (:meth:`prepare_route`).
    route : str, optional
        Force a CPU route (``torch-fp32``, ``torch-int8``, ``openvino-fp32``,
        ``openvino-int8``) instead of measuring; ``$AUDITKIT_ROUTE`` does the same.

    Attributes
    ----------
    precision : str
        The precision predictions are computed in (``fp32`` where an int8
        request fell back).
    requested_precision : str
    route : str
        How predictions are computed (see ``route``).
    route_note : str or None
        One line: for int8, the label agreement with fp32 the route was
        admitted on (and on which texts), or why fp32 runs instead.
    model : transformers.PreTrainedModel
        The fp32 model whatever the route: attributions take their gradients
        from it, never through an int8 product.
    """

    #: The :class:`~auditkit.models.Classifier` kind: a checkpoint run with PyTorch, differentiable.
    kind = "transformers"
    supports_gradients = True

    def __init__(self, model, tokenizer, *, device=None, source: str = "<memory>", fingerprint: str = "",
                 max_length: int | None = None, precision: str = "fp32", route: str | None = None):
        import torch

        from auditkit.models._precision import check_precision

        self.model = model
        self.tokenizer = tokenizer
        self.device = device if device is not None else torch.device("cpu")
        self.source = source
        self.fingerprint = fingerprint
        check_precision(precision, self.device)
        self.requested_precision = self.precision = precision
        self.model.to(self.device)
        self.model.eval()
        _name_the_loss(self.model)
        limit = self._model_limit()
        if max_length is not None:
            if max_length < 2:
                raise ModelError(f"max length must be at least 2 tokens, got {max_length}")
            limit = min(limit, max_length)
        self.max_length = limit
        self.route, self.route_note, self._logits = f"torch-{precision}", None, self._fp32_logits
        self._route_pending, self._weights_seen = False, None
        if self.device.type == "cpu":
            from auditkit.models._calibration import resolved_route

            resolved = resolved_route(self.model, precision, self._synthetic_inputs, route=route)
            if resolved is None:  # measured on the texts it will predict: see prepare_route
                self.route, self._route_pending = None, True
            else:
                self._take_route(resolved)
        elif route is not None:
            raise ModelError(f"route {route!r} is a CPU route; this model is on {self.device.type}", parameter="route")

    def _refresh_route(self) -> None:
        """Rebuild the route's copy of the weights when the model's own weights changed since it was built."""
        if getattr(self, "_weights_seen", None) is None:
            return
        stamp = _weights_stamp(self.model)
        if stamp != self._weights_seen:
            from auditkit.models._routes import ROUTES

            self._logits = ROUTES[self.route].build(self.model, self._synthetic_inputs(2, 8))
            self._weights_seen = stamp

    def prepare_route(self, texts: Sequence[str], *, workload: int | None = None) -> None:
        """Choose the CPU route for predicting ``workload`` texts like ``texts`` (once; later calls do nothing).

        The routes are timed, and for int8 their labels compared with fp32's,
        on a sample of up to 512 of ``texts``
        (:mod:`auditkit.models._calibration`); a route's build time is weighed
        against ``workload`` (default: ``len(texts)``). :meth:`predict_proba`
        calls it with its own texts when nobody did before; an audit calls it
        first with the whole workload. Until then :attr:`route` is None and
        :attr:`precision` the one requested.
        """
        if not self._route_pending or not texts:
            return
        from auditkit.models._calibration import select_route

        texts = [str(t) for t in texts]
        self._take_route(select_route(self.model, self.requested_precision, self._synthetic_inputs,
                                      calibration=self._calibration_set(texts),
                                      workload=max(1, workload if workload is not None else len(texts)),
                                      fingerprint=self.fingerprint))
        self._route_pending = False

    def _take_route(self, chosen) -> None:
        choice, self._logits = chosen
        self.precision, self.route, self.route_note = choice.precision, choice.route, choice.note
        # a route other than torch-fp32 computes from its own copy of the weights (converted, quantised): it is
        # rebuilt when the model's weights change after this point (fine-tuning, editing a layer in place)
        self._weights_seen = None if self.route == "torch-fp32" else _weights_stamp(self.model)

    def _calibration_set(self, texts: list[str]):
        """An evenly spaced sample of ``texts`` as prediction batches them, for :func:`select_route`."""
        import hashlib
        import json

        from auditkit.models._calibration import CALIBRATION_TEXTS, CalibrationSet

        picked = np.unique(np.linspace(0, len(texts) - 1, min(len(texts), CALIBRATION_TEXTS)).round().astype(int))
        ids, _ = self.tokenize([texts[i] for i in picked])
        ids = sorted(ids, key=len)
        batches = [self._inputs(*self.pad(ids[s : s + _DEFAULT_BATCH_SIZE])) for s in range(0, len(ids), _DEFAULT_BATCH_SIZE)]
        # timed on two batches: evenly spaced through the sample's lengths, the shorter half and the longer half
        spaced = [ids[i] for i in np.unique(np.linspace(0, len(ids) - 1, min(len(ids), 2 * _DEFAULT_BATCH_SIZE)).round().astype(int))]
        half = (len(spaced) + 1) // 2
        timing = [self._inputs(*self.pad(part)) for part in (spaced[:half], spaced[half:]) if part]
        digest = hashlib.sha256(json.dumps(ids).encode()).hexdigest()
        described = (f"the {len(texts):,} texts to predict" if len(ids) == len(texts)
                     else f"{len(ids):,} of the {len(texts):,} texts to predict (evenly spaced)")
        return CalibrationSet(batches, timing, len(ids), digest, described, multi_label=self.multi_label)

    def _model_limit(self) -> int:
        return token_limit(self.tokenizer, self.model.config)

    @property
    def labels(self) -> list[str]:
        """Class names in id order, from the model's ``id2label``."""
        id2label = getattr(self.model.config, "id2label", None) or {}
        n = int(getattr(self.model.config, "num_labels", len(id2label)) or len(id2label))
        return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(n)]

    @property
    def pretrained(self) -> bool | None:
        """False for a model trained from random weights (``auditkit_pretrained: false`` in its config, as
        ``auditkit train --base scratch`` writes); None when the config does not say."""
        value = getattr(self.model.config, "auditkit_pretrained", None)
        return None if value is None else bool(value)

    @property
    def where(self) -> str:
        """Where predictions run, in words (the torch device here)."""
        return str(self.device)

    @property
    def multi_label(self) -> bool:
        """Whether the model scores each label independently (``problem_type="multi_label_classification"``)."""
        return getattr(self.model.config, "problem_type", None) == "multi_label_classification"

    def probabilities_from_logits(self, logits):
        """The model's probabilities from its logits (a torch tensor): softmax, or a sigmoid per label when multi-label."""
        import torch

        logits = logits.float()
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)

    def describe(self) -> dict:
        """The CPU route this model chose (see :func:`auditkit.models._protocol.model_section`): the precision asked
        for, the route that runs, and the note when an int8 request runs fp32."""
        fields = {"requested_precision": self.requested_precision}
        if self.route:  # none yet on an engine whose workers choose theirs and have not predicted
            fields["route"] = self.route
        if self.route_note:
            fields["route_note"] = self.route_note
        if self.pretrained is False:  # a backbone trained from random weights (auditkit train --base scratch)
            fields["pretrained"] = False
        return fields

    @property
    def name(self) -> str:
        """A short human name: the directory or Hub id."""
        from pathlib import Path

        return Path(self.source).name or self.source

    def tokenize(self, texts: Sequence[str]) -> tuple[list[list[int]], int]:
        """Token ids per text, cut to ``max_length``; also the number cut."""
        if not texts:
            return [], 0
        # ids only: building the attention masks and token types as Python lists would cost as much again
        only_ids = {"return_attention_mask": False, "return_token_type_ids": False}
        full = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False, **only_ids)["input_ids"]
        long_rows = [i for i, ids in enumerate(full) if len(ids) > self.max_length]
        if long_rows:
            cut = self.tokenizer(
                [texts[i] for i in long_rows], add_special_tokens=True, truncation=True, max_length=self.max_length, **only_ids
            )["input_ids"]
            for i, ids in zip(long_rows, cut):
                full[i] = ids
        return full, len(long_rows)

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = _DEFAULT_BATCH_SIZE, progress: bool | None = None,
                      first_row: int = 0) -> Predictions:
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
        first_row : int, default 0
            Row number of ``texts[0]`` in the caller's data (the
            :class:`~auditkit.models.Classifier` contract; a local model has no per-batch failure to name).

        Returns
        -------
        Predictions
        """
        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        texts = [str(t) for t in texts]
        if not texts:
            return Predictions(np.zeros((0, len(self.labels)), dtype=np.float32), 0)
        self.prepare_route(texts)
        return self._predict(texts, batch_size=batch_size, progress=progress)

    def _predict(self, texts: list[str], *, batch_size: int, progress: bool | None) -> Predictions:
        """``predict_proba`` on checked, non-empty texts: here, in this process."""
        import torch

        from auditkit.models._precision import autocast

        self._refresh_route()
        n_classes = len(self.labels)
        ids, n_truncated = self.tokenize(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), n_classes), dtype=np.float32)
        show = sys.stderr.isatty() if progress is None else progress
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc="predict", unit="row", leave=False)
        with torch.inference_mode(), autocast(self.precision, self.device):
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                input_ids, mask = self.pad([ids[r] for r in rows])
                out[rows] = self.probabilities_from_logits(self._logits(self._inputs(input_ids, mask))).cpu().numpy()
                if bar is not None:
                    bar.update(len(rows))
        if bar is not None:
            bar.close()
        return Predictions(out, n_truncated)

    # -- the one forward path: prediction and attribution both pad and run through these --

    @property
    def pad_id(self) -> int:
        """The id padding positions hold (the tokenizer's pad token, else its end-of-sequence token, else 0)."""
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id if self.tokenizer.eos_token_id is not None else 0
        return int(pad)

    @property
    def pads_left(self) -> bool:
        """Whether the tokenizer pads on the left (decoder-style models)."""
        return getattr(self.tokenizer, "padding_side", "right") == "left"

    def pad(self, rows: Sequence[Sequence[int]]):
        """Token id rows padded to the longest: ``(input_ids, attention_mask)``, long tensors on the model's device."""
        import torch

        input_ids, mask = pad_rows(rows, self.pad_id, left=self.pads_left)
        return torch.from_numpy(input_ids).to(self.device), torch.from_numpy(mask).to(self.device)

    def unpad(self, values: np.ndarray, length: int) -> np.ndarray:
        """The ``length`` real positions of one row padded by :meth:`pad`."""
        return values[len(values) - length :] if self.pads_left else values[:length]

    def probabilities(self, input_ids, attention_mask):
        """Class probabilities (float32 tensor) for padded id rows from the fp32 model, with gradients where allowed.

        This is what attributions differentiate: for an int8 classifier, the
        fp32 weights its int8 model was made from (gradients never pass
        through an int8 product). :meth:`predict_proba` runs :attr:`route`.
        """
        return self.probabilities_from_logits(self._fp32_logits(self._inputs(input_ids, attention_mask)))

    def _fp32_logits(self, inputs: dict):
        return self.model(**inputs).logits

    def _inputs(self, input_ids, attention_mask) -> dict:
        """The model's keyword inputs for padded id rows."""
        import torch

        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in getattr(self.tokenizer, "model_input_names", []):
            inputs["token_type_ids"] = torch.zeros_like(input_ids)
        return inputs

    def _synthetic_inputs(self, texts: int, tokens: int) -> dict:
        """A batch of ``texts`` rows of ``tokens`` ids from the model's vocabulary (for timing routes; no global RNG)."""
        import torch

        vocab = int(getattr(self.model.config, "vocab_size", 0) or 1000)
        tokens = max(2, min(tokens, self.max_length))
        ids = torch.randint(0, vocab, (texts, tokens), generator=torch.Generator().manual_seed(tokens))
        return self._inputs(ids.to(self.device), torch.ones_like(ids).to(self.device))

    def predict(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        """Predicted class id per text."""
        return self.predict_proba(texts, **kwargs).predicted


def token_limit(tokenizer, config) -> int:
    """Tokens a model takes: the smaller of the tokenizer's limit and the position embeddings (512 if neither says)."""
    candidates = []
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 100_000:
        candidates.append(tok_limit)
    pos = getattr(config, "max_position_embeddings", None)
    if isinstance(pos, int) and pos > 0:
        # RoBERTa-style models reserve two positions for the padding offset.
        offset = 2 if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert") else 0
        candidates.append(pos - offset)
    return min(candidates) if candidates else 512


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int, *, left: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Token id rows padded to the longest with ``pad_id``: ``(input_ids, attention_mask)``, int64 arrays."""
    width = max(len(r) for r in rows)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for j, seq in enumerate(rows):
        span = slice(width - len(seq), width) if left else slice(0, len(seq))
        input_ids[j, span] = seq
        mask[j, span] = 1
    return input_ids, mask


def _weights_stamp(model) -> tuple:
    """What the weights are now, cheaply: each parameter's storage, in-place version, sum and sum of |w|
    (one pass in float64, a few milliseconds on MiniLM)."""
    import torch

    with torch.no_grad():
        return tuple((p.data_ptr(), p._version, float(p.sum(dtype=torch.float64)), float(p.abs().sum(dtype=torch.float64)))
                     for p in model.parameters())


def _name_the_loss(model) -> None:
    """Give the transformers models inside a classifier the classifier's own loss type.

    transformers names a model's loss after its class (``BertForSequenceClassification`` ->
    ``ForSequenceClassification``). The backbone inside it (``BertModel``) matches no loss, and reading
    its ``loss_function`` logs "`loss_type=None` was set in the config but it is unrecognized. Using the
    default loss: `ForCausalLMLoss`": whatever reads every attribute of every module does so (torch.jit's
    tracer, under OpenVINO's converter and ``torch.onnx.export``). A backbone computes no loss of its own;
    the classifier's is the only one. The classifier itself is left as transformers made it.
    """
    try:
        from transformers import PreTrainedModel
        from transformers.loss.loss_utils import LOSS_MAPPING
    except ImportError:  # a transformers without named losses has nothing to warn about
        return
    if not isinstance(model, PreTrainedModel):
        return
    own = model.loss_type if getattr(model, "loss_type", None) in LOSS_MAPPING else "ForSequenceClassification"
    for module in model.modules():
        if (module is not model and isinstance(module, PreTrainedModel) and not hasattr(module, "_loss_function")
                and getattr(module, "loss_type", None) not in LOSS_MAPPING):
            module.loss_type = own
