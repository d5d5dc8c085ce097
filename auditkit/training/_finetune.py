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

from auditkit._fs import check_can_write, staged_directory
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError, RunStoreError
from auditkit.models import load_classifier, map_label_sets, map_labels
from auditkit.metrics import headline_scores, multilabel_scores

TRAINING_RECORD = "training.json"
AUGMENTATIONS = ("none", "counterfactual")


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

    def validate(self) -> None:
        if self.epochs <= 0:
            raise ConfigError(f"epochs must be positive, got {self.epochs}", parameter="epochs")
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
        raise DataError("multi-label training needs label sets: one 0/1 --label-col per label, or one column of label lists "
                        "such as 'toxic|insult'")
    found = sorted({name for labels in dataset.labels for name in labels})
    if names is None:
        return found
    names = [str(n).strip() for n in names]
    if len(set(n.lower() for n in names)) != len(names):
        raise ConfigError(f"label_names has duplicates: {', '.join(names)}", parameter="label_names")
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
                f"the data has integer labels up to {largest} but --label-names gives {len(names)} names; give one name per id 0..{largest}"
            )
        unused = [n for i, n in enumerate(names) if i not in set(dataset.labels)]
    else:
        unknown = sorted({str(v) for v in dataset.labels} - set(names))
        if unknown:
            raise ConfigError(f"labels {', '.join(unknown[:8])} are missing from --label-names; list every label in the data")
        unused = [n for n in names if n not in {str(v) for v in dataset.labels}]
    if unused:  # a class with no example would be trained as a class the model never predicts
        raise ConfigError(
            f"--label-names gives {len(names)} names but the data has {len(found)} distinct labels ({', '.join(found)}); "
            f"no example is labelled {', '.join(repr(n) for n in unused[:8])} — give one name per label in the data"
        )
    return names


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
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainerCallback, TrainingArguments, set_seed

    config = config or TrainingConfig()
    config.validate()
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    out = Path(out)
    _check_model_out(out, overwrite=overwrite)
    if dataset.labels is None:
        raise DataError("training needs labels; pass --label-col naming the label column")
    multi = config.multi_label
    names = (_multilabel_names if multi else _resolve_label_names)(dataset, config.label_names)
    if len(names) < 2:
        raise DataError(f"training needs at least two distinct labels; {dataset.source!r} has only {names}")
    y = map_label_sets(dataset.labels, names) if multi else map_labels(dataset.labels, names)
    texts = list(dataset.texts)
    train_idx, val_idx = _split(len(texts), y, config.val_fraction, config.seed)
    train_texts = [texts[i] for i in train_idx]
    train_labels = y[train_idx]
    n_augmented = 0
    if config.augment == "counterfactual":
        from auditkit.probes import counterfactual_augment

        before = len(train_texts)
        train_texts, train_labels = counterfactual_augment(train_texts, list(train_labels), seed=config.seed)
        train_labels = np.asarray(train_labels, dtype=np.int64)  # label sets stay (n, n_labels)
        n_augmented = len(train_texts) - before
        log(f"augment: added {n_augmented} counterfactual copies to {before} training texts")
    set_seed(config.seed)
    id2label = dict(enumerate(names))
    classifier = load_classifier(
        config.base,
        num_labels=len(names),
        id2label=id2label,
        trust_remote_code=trust_remote_code,
        device=device,
        require_head=False,
    )
    tokenizer = classifier.tokenizer
    model = classifier.model
    if multi:  # transformers then trains with BCEWithLogitsLoss and the saved config says how to score
        model.config.problem_type = "multi_label_classification"

    def encode(batch: list[str]) -> dict:
        return dict(tokenizer(batch, truncation=True, max_length=config.max_length))

    train_ds = _EncodedTexts(encode(train_texts), train_labels)
    val_texts = [texts[i] for i in val_idx]
    val_ds = _EncodedTexts(encode(val_texts), y[val_idx]) if len(val_idx) else None
    show = sys.stderr.isatty() if progress is None else progress
    with staged_directory(out) as staging:
        args = _training_arguments(
            TrainingArguments,
            output_dir=str(staging / "checkpoints"),
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
        labels_present = None if multi else sorted(set(y.tolist()))

        def compute_metrics(eval_pred) -> dict:
            logits, refs = eval_pred
            if multi:  # subset accuracy and macro-F1 at threshold 0.5 (logit 0)
                scores = multilabel_scores(np.asarray(refs).astype(np.int64), (np.asarray(logits) >= 0).astype(np.int64))
                return {"accuracy": scores["subset_accuracy"], "macro_f1": scores["macro_f1"]}
            scores = headline_scores(refs, np.asarray(logits).argmax(axis=1), labels=labels_present)
            return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}

        class _EpochLog(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                if logs and "eval_accuracy" in logs:
                    log(
                        f"epoch {state.epoch:.0f}: validation {'subset ' if multi else ''}accuracy {logs['eval_accuracy']:.3f}, "
                        f"macro-F1 {logs['eval_macro_f1']:.3f}"
                    )
                elif logs and "loss" in logs:
                    log(f"epoch {state.epoch:.0f}: training loss {logs['loss']:.4f}")

        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=val_ds,
            processing_class=tokenizer,
            data_collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=compute_metrics if val_ds is not None else None,
            callbacks=[_EpochLog()],
        )
        if not show:
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)  # _EpochLog says what matters, one line an epoch
        log(
            f"train: {config.base} on {len(train_texts)} texts ({len(val_idx)} held out for validation), "
            f"{config.epochs:g} epochs, batch {config.batch_size}, lr {config.learning_rate:g}, device {classifier.device}"
        )
        started = time.perf_counter()
        train_output = trainer.train()
        train_seconds = time.perf_counter() - started
        validation = {}
        evals = [entry for entry in trainer.state.log_history if "eval_accuracy" in entry]
        if val_ds is not None:
            # The last epoch's evaluation is the final model's (nothing trains after it);
            # fractional epochs end between evaluations, so evaluate once more then.
            metrics = evals[-1] if evals and evals[-1].get("epoch") == trainer.state.epoch else trainer.evaluate()
            validation = {
                "n": int(len(val_idx)),
                "accuracy": float(metrics["eval_accuracy"]),
                "macro_f1": float(metrics["eval_macro_f1"]),
                "loss": float(metrics["eval_loss"]),
            }
        shutil.rmtree(staging / "checkpoints", ignore_errors=True)
        model.config.id2label = id2label
        model.config.label2id = {v: k for k, v in id2label.items()}
        from transformers.utils import logging as hf_logging

        if not show:
            hf_logging.disable_progress_bar()
        trainer.save_model(str(staging))
        tokenizer.save_pretrained(str(staging))
        record = {
            "auditkit_training": 1,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "base": config.base,
            "base_source": classifier.source,
            "data": {
                "source": dataset.source,
                "fingerprint": dataset.fingerprint,
                "n_examples": len(dataset),
                "n_train": len(train_idx),
                "n_validation": int(len(val_idx)),
                "n_augmented": n_augmented,
                "label_counts": {names[k]: int(c) for k, c in enumerate(
                    y.sum(axis=0) if multi else np.bincount(y, minlength=len(names)))},
            },
            "labels": names,
            "multi_label": multi,
            "hyperparameters": asdict(config),
            "validation": validation,
            "train_loss": float(train_output.training_loss),
            "train_seconds": round(train_seconds, 2),
            "train_examples_per_second": round(len(train_texts) * config.epochs / train_seconds, 2),
            "device": str(classifier.device),
            "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__},
        }
        (staging / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
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
    check_can_write(out, option="--out")
    if out.exists():
        if not out.is_dir():
            raise RunStoreError(f"--out {str(out)!r} is an existing file; choose a new directory for the model")
        if any(out.iterdir()):
            if not (out / TRAINING_RECORD).exists():
                raise RunStoreError(
                    f"--out {str(out)!r} exists and was not written by auditkit train; refusing to overwrite it — choose a new directory"
                )
            if not overwrite:
                raise RunStoreError(f"--out {str(out)!r} already holds a model; pass --overwrite to replace it, or choose a new directory")
