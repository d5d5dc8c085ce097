"""Match dataset labels to a model's ``id2label``."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from auditkit.errors import LabelMismatchError


def map_labels(labels: Sequence, model_labels: Sequence[str]) -> np.ndarray:
    """Map raw dataset labels to model class ids.

    A label matches a class when it equals the class name (case-insensitive,
    surrounding spaces ignored); otherwise, when every label is an integer
    in ``range(len(model_labels))``, labels are taken as class ids.

    Parameters
    ----------
    labels : sequence of int or str
        Labels as found in the data.
    model_labels : sequence of str
        The model's class names in id order.

    Returns
    -------
    ndarray of int
        Class ids, one per label.

    Raises
    ------
    LabelMismatchError
        When some labels match neither a name nor an id.
    """
    by_name = {str(name).strip().lower(): i for i, name in enumerate(model_labels)}
    distinct = list(dict.fromkeys(labels))
    if all(str(v).strip().lower() in by_name for v in distinct):
        return np.array([by_name[str(v).strip().lower()] for v in labels], dtype=np.int64)
    if all(_class_id(v, len(model_labels)) is not None for v in distinct):
        return np.array([int(str(v).strip()) for v in labels], dtype=np.int64)
    # unknown: what matches neither a name nor an id (a valid id is not listed as unknown)
    unknown = [str(v) for v in distinct
               if str(v).strip().lower() not in by_name and _class_id(v, len(model_labels)) is None]
    if not unknown:
        raise LabelMismatchError(
            f"the labels mix class names and class ids ({', '.join(repr(str(v)) for v in distinct[:8])}); "
            f"use only names or only ids of {', '.join(f'{i}={n!r}' for i, n in enumerate(model_labels))}"
        )
    shown = ", ".join(repr(u) for u in unknown[:8]) + (" ..." if len(unknown) > 8 else "")
    raise LabelMismatchError(
        f"the model does not know label(s) {shown}; its labels are "
        f"{', '.join(f'{i}={n!r}' for i, n in enumerate(model_labels))} — "
        "use labels with these names or ids, or a model trained on your label set"
    )


def _class_id(value, n_classes: int) -> int | None:
    """``value`` as a class id in ``range(n_classes)``, or None."""
    text = str(value).strip()
    if not text.lstrip("+-").isdigit():
        return None
    i = int(text)
    return i if 0 <= i < n_classes else None


def check_label_columns(columns: Sequence[str], model_labels: Sequence[str]) -> None:
    """Refuse 0/1 label columns that are not the model's labels, one column each.

    With a column per label, a label without a column would read as never
    present (its recall 0, macro-F1 pulled down), and a column that is no
    label would be dropped; names match case-insensitively, spaces ignored.

    Raises
    ------
    LabelMismatchError
        Naming the columns that are no label and the labels without a column.
    """
    by_name = {str(c).strip().lower(): c for c in columns}
    labels = {str(n).strip().lower(): n for n in model_labels}
    unknown = [c for k, c in by_name.items() if k not in labels]
    missing = [n for k, n in labels.items() if k not in by_name]
    if unknown or missing:
        raise LabelMismatchError(
            f"the 0/1 label_col columns must be the model's labels ({', '.join(map(repr, model_labels))}), one each; "
            + "; ".join(([f"not a label: {', '.join(map(repr, unknown))}"] if unknown else [])
                        + ([f"no column for: {', '.join(map(repr, missing))}"] if missing else [])),
            parameter="label_col",
        )


#: What separates the names of a label list ("toxic|insult", "toxic,insult"), and joins them in predictions.parquet.
LABEL_SEPARATORS = ("|", ",")


def check_multilabel_names(names: Sequence[str], *, where: str = "the model") -> None:
    """Refuse multi-label label names a label list cannot carry unambiguously.

    A name holding ``|`` or ``,`` would be split in two when read back from a
    label list or from ``predictions.parquet`` (which joins label sets with
    ``|``), and two names that differ only in case match the same data label.

    Raises
    ------
    LabelMismatchError
        Naming the offending labels and ``where`` they come from.
    """
    bad = [str(n) for n in names if any(sep in str(n) for sep in LABEL_SEPARATORS) or not str(n).strip()]
    if bad:
        raise LabelMismatchError(
            f"multi-label label name(s) {', '.join(repr(b) for b in bad[:8])} of {where} are empty or hold '|' or ',', "
            "which separate the labels of a label list (and of predictions.parquet); rename them, e.g. with '_'",
            parameter="label_col",
        )
    folded: dict[str, str] = {}
    for n in names:
        key = str(n).strip().lower()
        if key in folded:
            raise LabelMismatchError(f"multi-label labels {folded[key]!r} and {str(n)!r} of {where} differ only in case; "
                                     "labels match case-insensitively, so rename one", parameter="label_col")
        folded[key] = str(n)


def map_label_sets(label_sets: Sequence[Sequence[str]], model_labels: Sequence[str]) -> np.ndarray:
    """Map label sets (one collection of label names per example) to a 0/1 indicator matrix.

    Names match the model's labels case-insensitively, surrounding spaces ignored.

    Parameters
    ----------
    label_sets : sequence of sequence of str
        The labels each example carries (possibly none).
    model_labels : sequence of str
        The model's label names in id order.

    Returns
    -------
    ndarray of int, shape (n_examples, n_labels)

    Raises
    ------
    LabelMismatchError
        When a name is not one of the model's labels.
    """
    by_name = {str(name).strip().lower(): i for i, name in enumerate(model_labels)}
    matrix = np.zeros((len(label_sets), len(model_labels)), dtype=np.int64)
    unknown: dict[str, None] = {}
    for row, names in enumerate(label_sets):
        for name in names:
            k = by_name.get(str(name).strip().lower())
            if k is None:
                unknown[str(name)] = None
            else:
                matrix[row, k] = 1
    if unknown:
        shown = ", ".join(repr(u) for u in list(unknown)[:8]) + (" ..." if len(unknown) > 8 else "")
        if not matrix.any():  # nothing matched at all: single-label data, or another model's label set
            raise LabelMismatchError(
                f"none of the data's labels ({shown}) is a label of this multi-label model "
                f"({', '.join(repr(n) for n in model_labels)}); give label_col one 0/1 column per label, "
                "or one column of label lists such as 'toxic|insult'", parameter="label_col",
            )
        raise LabelMismatchError(
            f"the model does not know label(s) {shown}; its labels are {', '.join(repr(n) for n in model_labels)} — "
            "name only these labels in the label lists (or the 0/1 label columns)"
        )
    return matrix
