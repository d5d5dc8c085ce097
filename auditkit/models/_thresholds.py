"""Decision thresholds of a multi-label classifier: one per label."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import numpy as np

from auditkit._documents import load_json, load_toml
from auditkit.errors import ConfigError

__all__ = ["DEFAULT_THRESHOLD", "check_thresholds", "resolve_thresholds"]

DEFAULT_THRESHOLD = 0.5
#: A threshold file names each label once: a megabyte is far more than any model needs.
MAX_THRESHOLD_FILE_BYTES = 2**20


def _check(value, where: str, *, parameter: str | None = None) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a number between 0 and 1 (exclusive), got {value!r}", parameter=parameter) from None
    if not 0 < t < 1:
        raise ConfigError(f"{where} must be between 0 and 1 (exclusive), got {value!r}; e.g. 0.5", parameter=parameter)
    return t


def check_thresholds(labels: Sequence[str], thresholds: Sequence[float] | Mapping[str, float]) -> np.ndarray:
    """``thresholds`` as an array, one per label, each inside (0, 1); else a one-line :class:`ConfigError`.

    ``thresholds`` is one number per label in id order, or a mapping of label name to threshold (labels it
    does not name keep the default, 0.5).
    """
    if isinstance(thresholds, Mapping):
        return _set_by_name(labels, thresholds, np.full(len(labels), DEFAULT_THRESHOLD), "thresholds")
    try:
        out = np.asarray(thresholds, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ConfigError("thresholds must be numbers, one per label in the model's order, or a mapping of label name "
                          "to threshold", parameter="thresholds") from None
    if len(out) != len(labels):
        raise ConfigError(f"{len(out)} thresholds for {len(labels)} labels; give one per label", parameter="thresholds")
    for name, value in zip(labels, out):
        _check(float(value), f"the threshold of {str(name)!r}")
    return out


def resolve_thresholds(
    labels: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    threshold_file: str | os.PathLike | None = None,
) -> np.ndarray:
    """Per-label decision thresholds: a label is predicted when its probability is >= its threshold.

    Parameters
    ----------
    labels : sequence of str
        The model's label names in id order.
    threshold : float, default 0.5
        Threshold of every label the file does not name.
    threshold_file : path, optional
        A JSON object ``{"label name": threshold, ...}``, or a TOML file
        (``.toml``) of ``"label name" = threshold`` lines.

    Returns
    -------
    ndarray of float, shape (n_labels,)

    Raises
    ------
    ConfigError
        A threshold outside (0, 1), an unreadable file, or a file naming a label the model lacks.
    """
    base = _check(threshold, "threshold", parameter="threshold")
    out = np.full(len(labels), base, dtype=float)
    if threshold_file is None:
        return out
    path = str(threshold_file)
    toml = path.lower().endswith(".toml")
    kind = "TOML" if toml else "JSON"
    example = "toxic = 0.4" if toml else '{"toxic": 0.4}'
    load = load_toml if toml else load_json
    given = load(path, what="threshold file", max_bytes=MAX_THRESHOLD_FILE_BYTES, error=ConfigError,
                 fix=f"write label name to threshold, e.g. {example}")
    if not isinstance(given, dict) or not given:
        raise ConfigError(f"threshold file {path!r} must hold a {kind} {'table' if toml else 'object'} of label name to threshold, "
                          f"e.g. {example}")
    return _set_by_name(labels, given, out, f"threshold file {path!r}", where=f" in {path!r}")


def _set_by_name(labels: Sequence[str], given: Mapping, out: np.ndarray, source: str, *, where: str = "") -> np.ndarray:
    """``out`` with the thresholds ``given`` by label name (case-insensitive) set; a name the model lacks is refused."""
    index = {str(name).strip().lower(): k for k, name in enumerate(labels)}
    unknown = [str(name) for name in given if str(name).strip().lower() not in index]
    if unknown:
        raise ConfigError(
            f"{source} names label(s) the model lacks: {', '.join(repr(u) for u in unknown[:8])}; "
            f"its labels are {', '.join(repr(str(n)) for n in labels)}"
        )
    seen: dict[int, str] = {}
    for name, value in given.items():
        k = index[str(name).strip().lower()]
        if k in seen:  # label names match case-insensitively: two entries for one label, and the last would win
            raise ConfigError(f"{source} gives label {str(labels[k])!r} two thresholds ({seen[k]!r} and {str(name)!r}; "
                              "names match case-insensitively); keep one")
        seen[k] = str(name)
        out[k] = _check(value, f"the threshold of {str(name)!r}{where}")
    return out
