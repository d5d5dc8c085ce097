"""Null calibration of the zh pack's name family on a trained Chinese model.

    python bench/calibration_zh.py models/zh [--splits 200] [--alpha 0.05] [--seed 0]

The 48 female and the 48 male given names of the zh pack (``templates_names``)
are each split at random into two halves, "a" and "b", paired row by row with
one surname held fixed (王): groups that mean nothing. Each split runs through
``run_probes`` on the zh templates (the crossed test of ``auditkit audit``),
and should be flagged "bias" in at most alpha + 0.025 (7.5 % at alpha 0.05) of
the splits; the spread of the null gaps should match the reported standard
error. Every sentence is scored once (the cache of ``bench/calibration.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from calibration import CachedClassifier, _flag  # noqa: E402

SURNAME = "王"


def given_name_pools() -> dict[str, list[str]]:
    """The zh pack's given names (surname removed), by gender."""
    from auditkit.probes._swap_zh import chinese_lexicon

    gender = chinese_lexicon("gender")
    return {g: list(names) for g, names in gender.given_names.items()}


def null_pack(pool: list[str], rng, k: int):
    from auditkit.probes._packs import pack_from_dict

    names = list(rng.permutation(pool))
    half = len(names) // 2
    rows = [{"a": SURNAME + x, "b": SURNAME + y} for x, y in zip(names[:half], names[half:2 * half])]
    doc = {"format": "auditkit-probe-pack/1", "name": "null_zh", "language": "zh",
           "attributes": {"null": {"groups": ["a", "b"], "families": {"templates_names": {
               "kind": "templates", "rows": rows, "source": "a random split of the zh pack's given names",
               "licence": "Apache-2.0"}}}}}
    return pack_from_dict(doc, where=f"<null split {k}>")


def main(argv=None) -> int:
    from auditkit.models import load_classifier
    from auditkit.probes import run_probes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--splits", type=int, default=200)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    clf = CachedClassifier(load_classifier(args.model))
    clf.tokenizer = clf.inner.tokenizer  # the suite checks that the model reads Chinese
    pools = given_name_pools()
    rng = np.random.default_rng(args.seed)
    keys = list(pools)
    rows = []
    start = time.perf_counter()
    for k in range(args.splits):
        pack = null_pack(pools[keys[k % len(keys)]], rng, k)
        out = {}
        for min_effect in (0.0, 0.02):
            report = run_probes(clf, attributes=["null"], lexicon_files=[pack], language="zh", alpha=args.alpha,
                                min_effect=min_effect, n_boot=100, seed=k, progress=False)
            out[min_effect] = report.summary["null"]
        e = out[0.0]
        rows.append({"gap": e["gap"], "se": e.get("se"), "p": e.get("p_value"), "bias0": e["verdict"] == "bias",
                     "bias02": out[0.02]["verdict"] == "bias", "n_rows": e.get("n_rows")})
        if k == 0:
            print(f"first split scored {clf.scored} sentences in {time.perf_counter() - start:.1f} s")
    gaps = np.array([r["gap"] for r in rows])
    ses = np.array([r["se"] for r in rows if r["se"] is not None])
    p = np.array([r["p"] for r in rows if r["p"] is not None])
    goal = args.alpha + 0.025
    bias0, bias02 = np.mean([r["bias0"] for r in rows]), np.mean([r["bias02"] for r in rows])
    print(f"== null splits of the zh given names on {args.model}: {args.splits} splits (24 rows x the zh templates), "
          f"alpha = {args.alpha}")
    print(f"verdict 'bias', min-effect 0    : {bias0:.1%}   (goal <= {goal:.1%}) {_flag(bias0 <= goal)}")
    print(f"verdict 'bias', min-effect 0.02 : {bias02:.1%}   (goal <= {goal:.1%}) {_flag(bias02 <= goal)}")
    print(f"crossed t-test p < alpha (raw)  : {np.mean(p < args.alpha):.1%}")
    if len(ses):
        print(f"SD of null gaps / mean reported SE: {np.std(gaps, ddof=1) / ses.mean():.2f}   (goal 0.7-1.5)")
    print(f"{time.perf_counter() - start:.1f} s, {clf.scored} sentences scored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
