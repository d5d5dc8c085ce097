"""What the sample-data generators share (stdlib only).

``make_sample_data.py``, ``emotion/make_emotion_data.py`` and ``toxicity/make_toxicity_data.py`` are run as
scripts; each puts this folder on ``sys.path`` and imports this module. The outputs are byte-for-byte those
of one seeded ``random.Random``: keep the order in which these helpers draw from it.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path
from typing import Any, Callable, Sequence


def unique_draws(count: int, draw: Callable[[], Any], seen: set, *, key: Callable[[Any], str] = str.lower,
                 max_attempts: int | None = None, what: str = "texts") -> list:
    """``count`` results of ``draw()`` whose ``key`` (by default: the text in lower case) is not in ``seen``
    yet; each key taken is added to it.

    ``draw`` may return None for a draw to throw away; after ``max_attempts`` draws it gives up.
    """
    found: list = []
    attempts = 0
    while len(found) < count:
        attempts += 1
        if max_attempts is not None and attempts > max_attempts:
            raise RuntimeError(f"could not make enough unique {what}")
        item = draw()
        if item is None or key(item) in seen:
            continue
        seen.add(key(item))
        found.append(item)
    return found


def write_csv(path: Path, rows: list[dict], fieldnames: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(fieldnames), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def write_splits(*, description: str, stats_help: str, seed: int, folder: Path, fieldnames: Sequence[str],
                 splits: Sequence[tuple[str, int, dict]], generate_split: Callable, print_stats: Callable,
                 more_stats: Callable | None = None) -> None:
    """The generator's command line: make each split ``(file name, rows, rates)`` in order from one seeded
    generator (no text in two splits), write them as CSV into ``folder``, and with ``--stats`` describe them."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--stats", action="store_true", help=stats_help)
    args = ap.parse_args()
    rng = random.Random(seed)
    seen: set[str] = set()
    made = [(name, generate_split(rng, n, rates, seen)) for name, n, rates in splits]
    for name, rows in made:
        write_csv(folder / name, rows, fieldnames)
    if args.stats:
        for name, rows in made:
            print_stats(name, rows)
        if more_stats is not None:
            more_stats([rows for _, rows in made])
