"""A checkpoint exported to ONNX and run with onnxruntime: a local fast path with the same tokenization.

:func:`export_onnx` writes ``model.onnx`` (logits from ``input_ids`` and
``attention_mask``) beside the checkpoint's ``config.json`` and tokenizer
files, and refuses to keep an export whose probabilities on the fixed probe
set differ from the PyTorch model's by more than ``1e-4``. ``--model DIR``
on such a folder (or ``DIR/model.onnx``) audits it as the ``onnx`` kind:
tokenized, length-sorted and batched as a PyTorch checkpoint is, but no
gradients — attributions perturb words.

The export uses PyTorch's own exporter: optimum's ONNX exporter
(optimum-onnx) pins a transformers release older than the one auditkit
runs on.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from auditkit._fs import PATH_PROBLEMS, path_kind, staged_directory
from auditkit.errors import ModelError
from auditkit.models._blackbox import PROBE_TEXTS, BlackBoxClassifier
from auditkit.models._classifier import Predictions, TextClassifier, pad_rows, token_limit

__all__ = ["OnnxClassifier", "export_onnx", "is_onnx_model", "ONNX_FILE", "ONNX_TOLERANCE"]

ONNX_FILE = "model.onnx"
#: Largest probability difference an export may show against its PyTorch model on the probe set.
ONNX_TOLERANCE = 1e-4
NO_ONNXRUNTIME = "ONNX models need onnxruntime; pip install 'auditkit[onnx]'"


def is_onnx_model(spec: str) -> bool:
    """Whether ``spec`` is a ``.onnx`` file or a folder holding ``model.onnx``."""
    path = Path(spec).expanduser()
    return spec.lower().endswith(".onnx") or (path.is_dir() and (path / ONNX_FILE).is_file())


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise ModelError(NO_ONNXRUNTIME) from None
    return onnxruntime


class OnnxClassifier(BlackBoxClassifier):
    """An ONNX export of a sequence classifier, with its tokenizer and config.

    Parameters
    ----------
    directory : path
        Holds ``model.onnx``, ``config.json`` and the tokenizer files (as :func:`export_onnx` writes).
    max_length : int, optional
        Truncation length; the model's own limit by default.
    """

    kind = "onnx"
    #: onnxruntime runs the export in float32.
    precision = "fp32"
    # the same tokenization and padding as the PyTorch checkpoint (these read only tokenizer and max_length)
    tokenize = TextClassifier.tokenize
    pad_id = TextClassifier.pad_id
    pads_left = TextClassifier.pads_left

    def __init__(self, directory: str | os.PathLike, *, max_length: int | None = None):
        folder = Path(directory).expanduser()
        if folder.name.lower().endswith(".onnx"):
            folder = folder.parent
        kind = path_kind(folder / ONNX_FILE)
        if kind != "file":
            problem = "does not exist" if kind == "missing" else PATH_PROBLEMS.get(kind, "is not a regular file")
            raise ModelError(f"{str(folder / ONNX_FILE)!r} {problem}; pass a folder written by export_onnx")
        ort = _import_onnxruntime()
        from transformers import AutoConfig, AutoTokenizer

        from auditkit.models._loading import TOKENIZER_FILES

        if not (folder / "config.json").is_file() or not any((folder / f).is_file() for f in TOKENIZER_FILES):
            raise ModelError(f"{str(folder)!r} holds model.onnx but not the config.json and tokenizer files beside it; "
                             "export it with export_onnx, which copies them")
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.config = AutoConfig.from_pretrained(str(folder))
        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"onnxruntime cannot load {str(folder / ONNX_FILE)!r} ({type(exc).__name__}: "
                             f"{(str(exc).splitlines() or [''])[0][:160]}); export it again") from None
        self._inputs = [i.name for i in self.session.get_inputs()]
        if not {"input_ids", "attention_mask"} <= set(self._inputs):
            raise ModelError(f"{str(folder / ONNX_FILE)!r} takes {self._inputs}, not input_ids and attention_mask; "
                             "export it with export_onnx")
        limit = token_limit(self.tokenizer, self.config)
        self.max_length = limit if max_length is None else min(limit, max_length)
        id2label = getattr(self.config, "id2label", None) or {}
        labels = [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(int(self.config.num_labels))]
        super().__init__(labels=labels, multi_label=getattr(self.config, "problem_type", None) == "multi_label_classification",
                         source=str(folder), name=folder.name)
        self._folder = folder

    @property
    def where(self) -> str:
        return "onnxruntime (CPU)"

    @property
    def fingerprint(self) -> str:
        """A hash of model.onnx, config.json and the tokenizer files."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for path in sorted(self._folder.iterdir()):
                if path.is_file() and path.suffix in (".onnx", ".json", ".txt", ".model"):
                    digest.update(path.name.encode())
                    digest.update(path.read_bytes())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool | None = None,
                      first_row: int = 0) -> Predictions:
        """Probabilities of ``texts``: tokenized once, sorted by length, batches padded to their longest text."""
        from auditkit.models._blackbox import progress_bar

        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return Predictions(out, 0)
        ids, n_truncated = self.tokenize(texts)
        order = np.argsort([len(x) for x in ids], kind="stable")
        bar = progress_bar(len(texts), progress)
        try:
            for start in range(0, len(texts), batch_size):
                rows = order[start:start + batch_size]
                input_ids, mask = pad_rows([ids[r] for r in rows], self.pad_id, left=self.pads_left)
                feed = {"input_ids": input_ids, "attention_mask": mask}
                if "token_type_ids" in self._inputs:
                    feed["token_type_ids"] = np.zeros_like(input_ids)
                logits = self.session.run(None, feed)[0].astype(np.float32)
                out[rows] = _probabilities(logits, self.multi_label)
                if bar is not None:
                    bar.update(len(rows))
        finally:
            if bar is not None:
                bar.close()
        return Predictions(out, n_truncated)


def _probabilities(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    if multi_label:
        return 1.0 / (1.0 + np.exp(-logits))
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def export_onnx(source: str | os.PathLike, out: str | os.PathLike, *, overwrite: bool = False, opset: int = 17) -> float:
    """Export the checkpoint at ``source`` to ONNX in the folder ``out`` (written atomically).

    Returns the largest probability difference between the export and the
    PyTorch model on :data:`~auditkit.models._blackbox.PROBE_TEXTS`; an export that
    differs by more than :data:`ONNX_TOLERANCE` is refused (ModelError).

    Examples
    --------
    >>> export_onnx("models/baseline", "models/baseline-onnx")  # doctest: +SKIP
    3.0e-08
    """
    import torch

    from auditkit.models._loading import load_classifier

    _import_onnxruntime()
    out = Path(out)
    if out.exists() and not overwrite:
        raise ModelError(f"out {str(out)!r} already exists; pass overwrite to replace it", parameter=("out", "overwrite"))
    torch_model = load_classifier(source, device="cpu")
    names = ["input_ids", "attention_mask"]
    with_types = "token_type_ids" in getattr(torch_model.tokenizer, "model_input_names", [])

    class Logits(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if with_types else {}
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

    wrapper = Logits(torch_model.model).eval()  # eval: a module starts in training mode, with dropout on
    ids, _ = torch_model.tokenize(list(PROBE_TEXTS[:2]))
    example = torch_model.pad(ids)
    with staged_directory(out) as staging:
        with warnings.catch_warnings(), open(os.devnull, "w") as quiet:
            warnings.simplefilter("ignore")
            stderr, sys.stderr = sys.stderr, quiet
            try:
                torch.onnx.export(wrapper, example, str(staging / ONNX_FILE), input_names=names, output_names=["logits"],
                                  dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
                                  opset_version=opset, dynamo=False)
            finally:
                sys.stderr = stderr
        torch_model.model.config.save_pretrained(str(staging))
        torch_model.tokenizer.save_pretrained(str(staging))
        exported = OnnxClassifier(staging)
        reference = torch_model.predict_proba(list(PROBE_TEXTS), progress=False).probabilities
        difference = float(np.abs(exported.predict_proba(list(PROBE_TEXTS), progress=False).probabilities - reference).max())
        if difference > ONNX_TOLERANCE:
            raise ModelError(f"the ONNX export of {str(source)!r} differs from the PyTorch model by {difference:.3g} on the "
                             f"probe set (more than {ONNX_TOLERANCE:g}); it is not kept")
        (staging / "onnx_export.json").write_text(json.dumps({"source": str(source), "opset": opset,
                                                              "max_abs_difference": difference}, indent=2))
    return difference

