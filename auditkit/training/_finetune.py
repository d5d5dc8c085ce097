"""Fine-tuning with the transformers ``Trainer``.

The result is a standard Hugging Face model directory (safetensors weights,
tokenizer, ``id2label``/``label2id`` from the data's label names) plus
``training.json``: the base model, the data fingerprint, the
hyper-parameters and the validation scores.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from auditkit._bounds import check_option
from auditkit._fs import check_output_folder, staged_directory
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError
from auditkit.models import load_classifier
from auditkit.models._labels import check_multilabel_names, map_label_sets, map_labels
from auditkit.metrics._classification import headline_scores
from auditkit.metrics._multilabel import multilabel_scores
from auditkit.training._scratch import SCRATCH_BASE, ScratchSize, scratch_classifier, scratch_model_card

TRAINING_RECORD = "training.json"
AUGMENTATIONS = ("none", "counterfactual")
_SCRATCH_FIELDS = ("vocab_size", "hidden_size", "num_layers", "num_heads")


@dataclass
class TrainingConfig:
    """Hyper-parameters of a fine-tuning run (all recorded in training.json)."""

    base: str = "minilm"
    epochs: float = 3.0
    learning_rate: float = 5e-5
    batch_size: int = 32
    max_length: int = 128
    val_fraction: float = 0.1
    seed: int = 42
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    augment: str = "none"
    label_names: list[str] | None = None
    #: Train a multi-label classifier: a sigmoid per label, binary cross-entropy loss; the dataset's labels are label sets.
    multi_label: bool = False
    #: Sizes of a ``base="scratch"`` backbone (None: the :class:`ScratchSize` default); refused for any other base.
    vocab_size: int | None = None
    hidden_size: int | None = None
    num_layers: int | None = None
    num_heads: int | None = None

    @property
    def scratch_size(self) -> ScratchSize | None:
        """The size of the backbone trained from scratch, or None when ``base`` is a pretrained model."""
        if self.base != SCRATCH_BASE:
            return None
        given = {k: getattr(self, k) for k in _SCRATCH_FIELDS if getattr(self, k) is not None}
        return ScratchSize(**given)

    def validate(self) -> None:
        if not (isinstance(self.epochs, (int, float)) and 0 < self.epochs <= 1000):  # NaN fails this too
            raise ConfigError(f"epochs must be positive (at most 1000), got {self.epochs}", parameter="epochs")
        for name in ("seed", "weight_decay", "warmup_ratio"):  # the ranges every entry point shares
            check_option(name, getattr(self, name))
        if not 0 < self.learning_rate < 1:
            raise ConfigError(f"learning_rate must be between 0 and 1, got {self.learning_rate}", parameter="learning_rate")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}", parameter="batch_size")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be at least 8 tokens, got {self.max_length}", parameter="max_length")
        if not 0 <= self.val_fraction < 0.9:
            raise ConfigError(f"val_fraction must be in [0, 0.9), got {self.val_fraction}", parameter="val_fraction")
        if self.augment not in AUGMENTATIONS:
            raise ConfigError(f"unknown augment {self.augment!r}; choose one of {', '.join(AUGMENTATIONS)}", parameter="augment")
        if self.base == SCRATCH_BASE:
            self.scratch_size.validate()
        else:
            given = [k for k in _SCRATCH_FIELDS if getattr(self, k) is not None]
            if given:
                raise ConfigError(f"{', '.join(given)} only apply to base {SCRATCH_BASE!r} (a backbone trained from scratch); "
                                  f"base {self.base!r} has its own sizes", parameter=tuple(given))


class _EncodedTexts:
    """A map-style dataset of tokenized texts for the Trainer."""

    def __init__(self, encodings: dict, labels: np.ndarray):
        self.encodings = encodings
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        item = {k: v[i] for k, v in self.encodings.items()}
        # single-label: a class id; multi-label: a float 0/1 per label (BCEWithLogitsLoss needs floats)
        item["labels"] = self.labels[i].astype(np.float32).tolist() if self.labels.ndim == 2 else int(self.labels[i])
        return item


def _split(n: int, labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    index = np.arange(n)
    if fraction == 0:
        return index, index[:0]
    from sklearn.model_selection import train_test_split

    if labels.ndim == 2:  # label sets: a plain random split
        n_val = max(1, int(round(n * fraction)))
        train_idx, val_idx = train_test_split(index, test_size=n_val, random_state=seed)
        return np.sort(train_idx), np.sort(val_idx)
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    n_val = max(1, int(round(n * fraction)))
    if stratify is not None and n_val < len(counts[counts > 0]):
        stratify = None
    train_idx, val_idx = train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)
    return np.sort(train_idx), np.sort(val_idx)


def _multilabel_names(dataset: TextDataset, names: Sequence[str] | None) -> list[str]:
    """The label names of a multi-label model: ``names``, else every label the data's label sets name, sorted."""
    if not dataset.labels or not isinstance(dataset.labels[0], tuple):
        raise DataError("multi-label training needs label sets: give label_col one 0/1 column per label, or one column of "
                        "label lists such as 'toxic|insult'", parameter="label_col")
    found = sorted({name for labels in dataset.labels for name in labels})
    if names is None:
        check_multilabel_names(found, where="the data")
        return found
    names = [str(n).strip() for n in names]
    if len(set(n.lower() for n in names)) != len(names):
        raise ConfigError(f"label_names has duplicates: {', '.join(names)}", parameter="label_names")
    check_multilabel_names(names, where="the label names")
    return names  # a name the data does not know is refused by map_label_sets


def _resolve_label_names(dataset: TextDataset, names: Sequence[str] | None) -> list[str]:
    found = dataset.label_names
    if names is None:
        return found
    names = [str(n).strip() for n in names]
    if len(set(n.lower() for n in names)) != len(names):
        raise ConfigError(f"label_names has duplicates: {', '.join(names)}", parameter="label_names")
    if all(isinstance(v, int) for v in set(dataset.labels)):
        largest = max(dataset.labels)
        if largest >= len(names) or min(dataset.labels) < 0:
            raise ConfigError(
                f"the data has integer labels up to {largest} but label_names gives {len(names)} names; "
                f"give one name per id 0..{largest}", parameter="label_names"
            )
        unused = [n for i, n in enumerate(names) if i not in set(dataset.labels)]
    else:
        unknown = sorted({str(v) for v in dataset.labels} - set(names))
        if unknown:
            raise ConfigError(f"labels {', '.join(unknown[:8])} are missing from label_names; list every label in the data",
                              parameter="label_names")
        unused = [n for n in names if n not in {str(v) for v in dataset.labels}]
    if unused:  # a class with no example would be trained as a class the model never predicts
        raise ConfigError(
            f"label_names gives {len(names)} names but the data has {len(found)} distinct labels ({', '.join(found)}); "
            f"no example is labelled {', '.join(repr(n) for n in unused[:8])} — give one name per label in the data",
            parameter="label_names",
        )
    return names


@dataclass
class _TrainingSet:
    """The labels of a run, its train/validation split and the texts the model trains on."""

    names: list[str]
    texts: list[str]
    y: np.ndarray  # class ids (n,), or 0/1 label sets (n, n_labels)
    train_idx: np.ndarray
    val_idx: np.ndarray
    train_texts: list[str]  # the training split, with counterfactual copies when augmented
    train_labels: np.ndarray
    n_augmented: int


def _training_set(dataset: TextDataset, config: TrainingConfig, log) -> _TrainingSet:
    """Map the data's labels to class ids (label sets to 0/1 rows), split off validation, augment the rest."""
    if dataset.labels is None:
        raise DataError("training needs labels; load the dataset with label_col naming the label column", parameter="label_col")
    multi = config.multi_label
    names = (_multilabel_names if multi else _resolve_label_names)(dataset, config.label_names)
    if len(names) < 2:
        raise DataError(f"training needs at least two distinct labels; {dataset.source!r} has only {names}")
    y = map_label_sets(dataset.labels, names) if multi else map_labels(dataset.labels, names)
    texts = list(dataset.texts)
    train_idx, val_idx = _split(len(texts), y, config.val_fraction, config.seed)
    train_texts, train_labels, n_augmented = _augmented([texts[i] for i in train_idx], y[train_idx], config, log)
    return _TrainingSet(names, texts, y, train_idx, val_idx, train_texts, train_labels, n_augmented)


def _augmented(texts: list[str], labels: np.ndarray, config: TrainingConfig, log) -> tuple[list[str], np.ndarray, int]:
    """The training texts and labels with ``config.augment``'s copies added, and how many were added."""
    if config.augment != "counterfactual":
        return texts, labels, 0
    from auditkit._language import detect_language
    from auditkit.probes import counterfactual_augment

    if detect_language(texts).language == "zh":  # Chinese texts: the Chinese gender lexicon and swapper
        from auditkit.probes._swap_zh import chinese_lexicon

        augmented, augmented_labels = counterfactual_augment(texts, list(labels), attributes=["gender"],
                                                             lexicon_files=[chinese_lexicon("gender")], seed=config.seed)
        what = "Chinese gender-swapped"
    else:
        augmented, augmented_labels = counterfactual_augment(texts, list(labels), seed=config.seed)
        what = "counterfactual"
    n_added = len(augmented) - len(texts)
    log(f"augment: added {n_added} {what} copies to {len(texts)} training texts")
    return augmented, np.asarray(augmented_labels, dtype=np.int64), n_added  # label sets stay (n, n_labels)


def fine_tune(
    dataset: TextDataset,
    out: str | os.PathLike,
    *,
    config: TrainingConfig | None = None,
    trust_remote_code: bool = False,
    device: str | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    log=None,
) -> dict:
    """Fine-tune ``config.base`` on ``dataset`` and save the classifier to ``out``.

    Parameters
    ----------
    dataset : TextDataset
        Labelled training texts.
    out : path
        The model directory to write (atomically: a killed run leaves nothing).
    config : TrainingConfig, optional
    trust_remote_code : bool, default False
    device : str, optional
    overwrite : bool, default False
        Replace an existing model directory written by auditkit train.
    progress : bool, optional
        Progress bars; by default only on a terminal.
    log : callable, optional
        Receives one-line progress messages (default: stderr).

    Returns
    -------
    dict
        The training record also written to ``out/training.json``.
    """
    config = config or TrainingConfig()
    config.validate()
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    out = Path(out)
    _check_model_out(out, overwrite=overwrite)
    data = _training_set(dataset, config, log)
    classifier = _load_backbone(config, data, trust_remote_code=trust_remote_code, device=device)
    show = sys.stderr.isatty() if progress is None else progress
    with staged_directory(out) as staging:
        trainer = _trainer(classifier, data, config, staging / "checkpoints", show=show, log=log)
        train_output, train_seconds = _train(trainer, data, config, classifier, log)
        validation = _validation(trainer, len(data.val_idx))
        _save_model(trainer, classifier, data.names, staging, show=show)
        record = _training_record(dataset, data, config, classifier, train_output, train_seconds, validation)
        (staging / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        if config.base == SCRATCH_BASE:
            (staging / "README.md").write_text(scratch_model_card(record), encoding="utf-8")
    return record


def _load_backbone(config: TrainingConfig, data: _TrainingSet, *, trust_remote_code: bool, device: str | None):
    """``config.base`` with a new classification head of the data's labels (its weights drawn from ``config.seed``);
    for ``scratch``, a tokenizer trained on the training texts and a BERT from random weights."""
    from transformers import set_seed

    from auditkit.models._loading import select_device

    names = data.names
    set_seed(config.seed)
    if config.base == SCRATCH_BASE:
        return scratch_classifier(data.train_texts, names, size=config.scratch_size, max_length=config.max_length,
                                  seed=config.seed, multi_label=config.multi_label, device=select_device(device))
    classifier = load_classifier(config.base, num_labels=len(names), id2label=dict(enumerate(names)),
                                 trust_remote_code=trust_remote_code, device=device, require_head=False)
    if config.multi_label:  # transformers then trains with BCEWithLogitsLoss and the saved config says how to score
        classifier.model.config.problem_type = "multi_label_classification"
    return classifier


def _trainer(classifier, data: _TrainingSet, config: TrainingConfig, checkpoints: Path, *, show: bool, log):
    """A ``Trainer`` over the tokenized split: evaluation every epoch when there is a validation set."""
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    tokenizer = classifier.tokenizer

    def encode(batch: list[str]) -> dict:
        return dict(tokenizer(batch, truncation=True, max_length=config.max_length))

    train_ds = _EncodedTexts(encode(data.train_texts), data.train_labels)
    val_texts = [data.texts[i] for i in data.val_idx]
    val_ds = _EncodedTexts(encode(val_texts), data.y[data.val_idx]) if len(data.val_idx) else None
    args = _training_arguments(
        TrainingArguments,
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(64, config.batch_size),
        weight_decay=config.weight_decay,
        warmup_ratio=config.warmup_ratio,
        eval_strategy="epoch" if val_ds is not None else "no",
        save_strategy="no",
        logging_strategy="epoch",
        report_to="none",
        seed=config.seed,
        disable_tqdm=not show,
        use_cpu=(classifier.device.type == "cpu"),
        dataloader_num_workers=0,
    )
    labels_present = None if config.multi_label else sorted(set(data.y.tolist()))
    trainer = Trainer(
        model=classifier.model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=_validation_scorer(config.multi_label, labels_present) if val_ds is not None else None,
        callbacks=[_epoch_logger(log, multi=config.multi_label)],
    )
    if not show:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # the epoch logger says what matters, one line an epoch
    return trainer


def _validation_scorer(multi: bool, labels_present: list[int] | None):
    """The Trainer's ``compute_metrics``: accuracy (subset accuracy for label sets) and macro-F1."""

    def compute_metrics(eval_pred) -> dict:
        logits, refs = eval_pred
        if multi:  # subset accuracy and macro-F1 at threshold 0.5 (logit 0)
            scores = multilabel_scores(np.asarray(refs).astype(np.int64), (np.asarray(logits) >= 0).astype(np.int64))
            return {"accuracy": scores["subset_accuracy"], "macro_f1": scores["macro_f1"]}
        scores = headline_scores(refs, np.asarray(logits).argmax(axis=1), labels=labels_present)
        return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}

    return compute_metrics


def _epoch_logger(log, *, multi: bool):
    """A Trainer callback that logs one line an epoch: the validation scores, else the training loss."""
    from transformers import TrainerCallback

    class _EpochLog(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "eval_accuracy" in logs:
                log(
                    f"epoch {state.epoch:.0f}: validation {'subset ' if multi else ''}accuracy {logs['eval_accuracy']:.3f}, "
                    f"macro-F1 {logs['eval_macro_f1']:.3f}"
                )
            elif logs and "loss" in logs:
                log(f"epoch {state.epoch:.0f}: training loss {logs['loss']:.4f}")

    return _EpochLog()


def _train(trainer, data: _TrainingSet, config: TrainingConfig, classifier, log):
    """Run the training loop; the Trainer's output and the seconds it took."""
    log(
        f"train: {config.base} on {len(data.train_texts)} texts ({len(data.val_idx)} held out for validation), "
        f"{config.epochs:g} epochs, batch {config.batch_size}, lr {config.learning_rate:g}, device {classifier.device}"
    )
    started = time.perf_counter()
    train_output = trainer.train()
    return train_output, time.perf_counter() - started


def _validation(trainer, n_val: int) -> dict:
    """The final model's validation scores (empty without a validation set)."""
    if not n_val:
        return {}
    # The last epoch's evaluation is the final model's (nothing trains after it);
    # fractional epochs end between evaluations, so evaluate once more then.
    evals = [entry for entry in trainer.state.log_history if "eval_accuracy" in entry]
    metrics = evals[-1] if evals and evals[-1].get("epoch") == trainer.state.epoch else trainer.evaluate()
    return {
        "n": int(n_val),
        "accuracy": float(metrics["eval_accuracy"]),
        "macro_f1": float(metrics["eval_macro_f1"]),
        "loss": float(metrics["eval_loss"]),
    }


def _save_model(trainer, classifier, names: list[str], staging: Path, *, show: bool) -> None:
    """Write the weights, the label names and the tokenizer into ``staging`` (checkpoints dropped)."""
    from transformers.utils import logging as hf_logging

    shutil.rmtree(staging / "checkpoints", ignore_errors=True)
    id2label = dict(enumerate(names))
    classifier.model.config.id2label = id2label
    classifier.model.config.label2id = {v: k for k, v in id2label.items()}
    was_enabled = hf_logging.is_progress_bar_enabled()
    if not show:
        hf_logging.disable_progress_bar()
    try:
        trainer.save_model(str(staging))
        classifier.tokenizer.save_pretrained(str(staging))
    finally:  # the caller's setting, not ours, holds after training
        if was_enabled:
            hf_logging.enable_progress_bar()


def _training_record(dataset: TextDataset, data: _TrainingSet, config: TrainingConfig, classifier,
                     train_output, train_seconds: float, validation: dict) -> dict:
    """The content of training.json."""
    import torch
    import transformers

    counts = data.y.sum(axis=0) if config.multi_label else np.bincount(data.y, minlength=len(data.names))
    record = {
        "auditkit_training": 1,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base": config.base,
        "base_source": classifier.source,
        "data": {
            "source": dataset.source,
            "fingerprint": dataset.fingerprint,
            "n_examples": len(dataset),
            "n_train": len(data.train_idx),
            "n_validation": int(len(data.val_idx)),
            "n_augmented": data.n_augmented,
            "label_counts": {data.names[k]: int(c) for k, c in enumerate(counts)},
        },
        "labels": data.names,
        "multi_label": config.multi_label,
        "hyperparameters": asdict(config),
        "validation": validation,
        "train_loss": float(train_output.training_loss),
        "train_seconds": round(train_seconds, 2),
        "train_examples_per_second": round(len(data.train_texts) * config.epochs / train_seconds, 2),
        "device": str(classifier.device),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "pretrained": config.base != SCRATCH_BASE,
    }
    if config.base == SCRATCH_BASE:
        record["scratch"] = {
            **asdict(config.scratch_size),
            "vocab_size_trained": len(classifier.tokenizer),
            "n_parameters": int(sum(p.numel() for p in classifier.model.parameters())),
            "tokenizer": "WordPiece trained on the training texts (BERT normalizer: lower case, each Chinese character "
                         "a word)",
            "note": "not pretrained: random initial weights, trained on this data only",
        }
    return record


def _training_arguments(cls, **kwargs):
    """Build TrainingArguments, grouping batches by length where supported."""
    params = inspect.signature(cls.__init__).parameters
    if "train_sampling_strategy" in params:
        kwargs["train_sampling_strategy"] = "group_by_length"
    elif "group_by_length" in params:
        kwargs["group_by_length"] = True
    if "warmup_ratio" not in params:
        # transformers 5 takes a float in [0, 1) as a ratio of the total steps.
        kwargs["warmup_steps"] = kwargs.pop("warmup_ratio")
    if "eval_strategy" not in params and "evaluation_strategy" in params:
        kwargs["evaluation_strategy"] = kwargs.pop("eval_strategy")
    return cls(**kwargs)


def _check_model_out(out: Path, *, overwrite: bool) -> None:
    check_output_folder(out, overwrite=overwrite, ours=lambda p: (p / TRAINING_RECORD).exists(), what="model",
                        foreign="exists and was not written by auditkit train")
