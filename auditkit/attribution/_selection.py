"""Which examples an audit attributes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditkit.errors import ConfigError

__all__ = ["Selected", "select_examples", "select_probe_pairs", "PROBE_COLUMNS"]

PROBE_COLUMNS = ("attribute", "family", "instance_id", "group", "text", "score")
PROBE_MISSING = "the probe table lacks column(s) {missing}; expected {expected}"


@dataclass(frozen=True)
class Selected:
    """One dataset row picked for attribution, and why."""

    index: int
    kind: str  # "error", "borderline", "correct" (or "confident" without labels)


def select_examples(probabilities: np.ndarray, *, y_true=None, n: int, seed: int = 0) -> list[Selected]:
    """A stratified pick of ``n`` rows: confident errors, borderline cases, correct ones.

    With labels, a third of ``n`` goes to the most confident errors, a third
    to the smallest margins between the top two classes, and the rest to
    correct examples drawn at random from each class in turn. Without
    labels, half are borderline and the rest confident examples of each
    predicted class (kind ``"confident"``). Shortfalls in one stratum are
    filled from the others, so ``min(n, len(probabilities))`` rows come back.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    total = len(probabilities)
    n = min(n, total)
    rng = np.random.default_rng(seed)
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    top2 = np.sort(probabilities, axis=1)[:, -2:] if probabilities.shape[1] > 1 else np.c_[np.zeros(total), confidence]
    margin = top2[:, 1] - top2[:, 0]
    taken: dict[int, str] = {}

    def take(candidates, kind, limit):
        for i in candidates:
            if len(taken) >= n or limit <= 0:
                return
            if int(i) not in taken:
                taken[int(i)] = kind
                limit -= 1

    labelled = y_true is not None
    correct = predicted == np.asarray(y_true) if labelled else np.ones(total, dtype=bool)
    if labelled:
        errors = np.flatnonzero(~correct)
        take(errors[np.argsort(-confidence[errors], kind="stable")], "error", n // 3)
    take(np.argsort(margin, kind="stable"), "borderline", n // 3 if labelled else n // 2)
    kind = "correct" if labelled else "confident"
    pools = [list(rng.permutation(np.flatnonzero(correct & (predicted == c)))) for c in range(probabilities.shape[1])]
    while len(taken) < n and any(pools):
        for pool in pools:
            while pool and int(pool[0]) in taken:
                pool.pop(0)
            if pool:
                take([pool.pop(0)], kind, 1)
    # Not enough in some stratum: fill from what is left, least certain first.
    for i in np.argsort(margin, kind="stable"):
        if len(taken) >= n:
            break
        if int(i) not in taken:
            taken[int(i)] = "error" if not correct[i] else kind
    return [Selected(i, k) for i, k in taken.items()]


def select_probe_pairs(probe_table: pd.DataFrame, *, n_pairs: int) -> pd.DataFrame:
    """The ``n_pairs`` matched probe sets with the largest score gaps, both ends.

    A matched set is the probe texts sharing ``attribute``, ``family`` and
    ``instance_id`` (the same template filled with different identity
    terms). From each set the highest- and lowest-scoring texts form a pair.

    Returns
    -------
    DataFrame
        Two rows per pair — ``text, pair_id, side ("high"/"low"), attribute,
        group, score, gap`` — largest gap first.
    """
    missing = [c for c in PROBE_COLUMNS if c not in probe_table.columns]
    if missing:
        raise ConfigError(PROBE_MISSING.format(missing=", ".join(missing), expected=", ".join(PROBE_COLUMNS)))
    columns = ["pair_id", "side", "text", "attribute", "group", "score", "gap"]
    if n_pairs <= 0 or probe_table.empty:
        return pd.DataFrame(columns=columns)
    table = probe_table.reset_index(drop=True)
    pairs = []
    for (attribute, family, instance), rows in table.groupby(["attribute", "family", "instance_id"], sort=True, dropna=False):
        if len(rows) < 2:
            continue
        scores = rows["score"].astype(float)
        high, low = scores.idxmax(), scores.idxmin()
        gap = float(scores[high] - scores[low])
        if high == low or rows.at[high, "text"] == rows.at[low, "text"]:
            continue
        pairs.append((gap, f"{attribute}/{instance}", high, low, attribute))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    out = []
    for gap, pair_id, high, low, attribute in pairs[:n_pairs]:
        for side, row in (("high", high), ("low", low)):
            out.append([pair_id, side, str(table.at[row, "text"]), str(attribute), str(table.at[row, "group"]), float(table.at[row, "score"]), gap])
    return pd.DataFrame(out, columns=columns)
