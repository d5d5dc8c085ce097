"""The in-memory shape every loader produces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd


def fingerprint_texts(texts: Sequence[str], *extra: Sequence[object]) -> str:
    """Return a short, order-sensitive content hash of texts (and extra columns).

    Two datasets with the same fingerprint hold the same examples in the same
    order, which is what paired comparisons between runs need.
    """
    digest = hashlib.sha256()
    for column in (texts, *extra):
        for value in column:
            digest.update(str(value).encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


@dataclass
class TextDataset:
    """A labelled text dataset.

    Attributes
    ----------
    texts : list of str
        The input texts, one per example, never empty.
    labels : list
        The raw labels as found in the data (int or str), or ``None`` when
        the dataset was loaded without a label column.
    groups : dict of str to list of str
        Observed identity attributes by column name (for slice metrics).
    source : str
        Where the data came from (path or ``hf:`` id).
    label_columns : tuple of str
        For multi-label data read from one 0/1 column per label: those
        columns, which an audit checks against the model's labels (a label
        without a column would read as never present). Empty otherwise.
    """

    texts: list[str]
    labels: list | None
    groups: dict[str, list[str]] = field(default_factory=dict)
    source: str = "<memory>"
    label_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.texts)
        if self.labels is not None and len(self.labels) != n:
            raise ValueError(f"labels has {len(self.labels)} items but texts has {n}")
        for name, values in self.groups.items():
            if len(values) != n:
                raise ValueError(f"group column {name!r} has {len(values)} items but texts has {n}")

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_names(self) -> list[str]:
        """Distinct labels as strings, integers in numeric order, others sorted."""
        if self.labels is None:
            return []
        distinct = set(self.labels)
        if all(isinstance(v, int) for v in distinct):
            return [str(v) for v in sorted(distinct)]
        return sorted(str(v) for v in distinct)

    @property
    def fingerprint(self) -> str:
        """Content hash over texts, labels and group columns."""
        extra = [self.labels or []] + [self.groups[k] for k in sorted(self.groups)]
        return fingerprint_texts(self.texts, *extra)

    def to_frame(self) -> pd.DataFrame:
        """The dataset as a DataFrame with columns text, label and the group columns."""
        frame = pd.DataFrame({"text": self.texts})
        if self.labels is not None:
            frame["label"] = self.labels
        for name, values in self.groups.items():
            frame[name] = values
        return frame
