"""Calibration of the bias verdicts on a real model: null lexicons and a template split-half check.

    python bench/calibration.py models/baseline [--splits 200] [--alpha 0.05]

1. Null splits. Name pools of one gender AND one race (from the built-in
   lexicons' names and extra names) are split at random into two halves,
   "a" and "b", paired row by row: groups that mean nothing. Each split is
   run through ``run_probes`` (templates_names family) and should be flagged
   "bias" in about alpha of the splits or fewer; the spread of the null gaps
   should equal the reported standard error (ratio near 1). The same is
   printed for the iid analysis the old probes used (every sentence pair an
   independent sample), for contrast.
2. Template split-half. On the built-in gender and race families, the 16
   templates are split at random into halves; the estimate from one half
   should fall inside the other half's interval about as often as the
   interval's variance components imply (printed beside it).

Every sentence is scored once (a cache in front of the model), so the
statistics, not the model, dominate after the first split.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditkit.models import Predictions, load_classifier  # noqa: E402
from auditkit.probes import crossed_estimate, run_probes  # noqa: E402
from auditkit.probes._crossed import TemplateComponent, crossed_bootstrap, percentile_interval  # noqa: E402
from auditkit.probes._designs import family_component, paired_frame  # noqa: E402
from auditkit.probes._packs import builtin_lexicon, lexicon_from_dict  # noqa: E402


class CachedClassifier:
    """Scores each distinct sentence once across all splits."""

    def __init__(self, classifier):
        self.inner = classifier
        self.labels = classifier.labels
        self.cache: dict[str, np.ndarray] = {}
        self.scored = 0

    def predict_proba(self, texts, *, batch_size=64, progress=None):
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            probs = self.inner.predict_proba(new, batch_size=batch_size, progress=progress).probabilities
            self.cache.update(zip(new, probs))
            self.scored += len(new)
        return Predictions(np.stack([self.cache[t] for t in texts]), 0)


def name_pools() -> dict[str, list[str]]:
    """Names of one gender and one race each, from the built-in lexicons."""
    gender, race = builtin_lexicon("gender"), builtin_lexicon("race")
    sex = {row[g]: g for row in (*gender.names, *gender.extra_names) for g in gender.groups}
    origin = {row[g]: g for row in (*race.names, *race.extra_names) for g in race.groups}
    pools: dict[str, list[str]] = {}
    for name in sorted(set(sex) & set(origin)):
        pools.setdefault(f"{origin[name]}/{sex[name]}", []).append(name)
    return {k: v for k, v in pools.items() if len(v) >= 10}


def null_split(pool: list[str], rng) -> dict:
    names = list(rng.permutation(pool))
    half = len(names) // 2
    return {"attribute": "null", "groups": ["a", "b"],
            "names": [{"a": x, "b": y} for x, y in zip(names[:half], names[half:2 * half])]}


def iid_p(table) -> float:
    """The old analysis: a paired t-test over every sentence pair, as if independent."""
    pairs = paired_frame(table, "a", "b")
    return float(stats.ttest_rel(pairs["a"], pairs["b"]).pvalue)


def null_calibration(clf, *, splits: int, alpha: float, seed: int) -> None:
    pools = name_pools()
    print(f"name pools: {', '.join(f'{k} ({len(v)})' for k, v in pools.items())}")
    rng = np.random.default_rng(seed)
    keys = list(pools)
    rows = []
    start = time.perf_counter()
    for k in range(splits):
        lex = lexicon_from_dict(null_split(pools[keys[k % len(keys)]], rng), where=f"<null split {k}>")
        out = {}
        for min_effect in (0.0, 0.005):
            report = run_probes(clf, attributes=["null"], lexicon_files=[lex], families=["templates_names"],
                                alpha=alpha, min_effect=min_effect, n_boot=2000, seed=k, progress=False)
            e = report.summary["null"]["families"]["templates_names"]
            out[min_effect] = e
        e = out[0.0]
        rows.append({"gap": e["gap"], "se": e["se"], "p": e["p_value"], "ci_low": e["ci_low"], "ci_high": e["ci_high"],
                     "bias0": out[0.0]["verdict"] == "bias", "bias005": out[0.005]["verdict"] == "bias",
                     "nmb005": out[0.005]["verdict"] == "no_material_bias", "n_rows": e["n_rows"],
                     "iid_p": iid_p(report.table)})
        if k == 0:
            print(f"first split scored {clf.scored} sentences in {time.perf_counter() - start:.1f} s")
    gaps = np.array([r["gap"] for r in rows])
    ses = np.array([r["se"] for r in rows if r["se"] is not None])
    p = np.array([r["p"] for r in rows if r["p"] is not None])
    print(f"\n== null splits: {splits} lexicons whose groups mean nothing ({rows[0]['n_rows']}-{max(r['n_rows'] for r in rows)} rows x 16 templates), alpha = {alpha}")
    print(f"flagged 'bias', min-effect 0      : {np.mean([r['bias0'] for r in rows]):.1%}   (goal <= 7.5%)")
    print(f"flagged 'bias', min-effect 0.005  : {np.mean([r['bias005'] for r in rows]):.1%}   (goal <= 7.5%)")
    print(f"'no material bias', min-effect .005: {np.mean([r['nmb005'] for r in rows]):.1%}")
    print(f"crossed t-test p < alpha (raw)    : {np.mean(p < alpha):.1%}")
    print(f"interval excludes 0               : {np.mean([r['ci_low'] > 0 or r['ci_high'] < 0 for r in rows]):.1%}")
    print(f"SD of null gaps / mean reported SE: {np.std(gaps, ddof=1) / ses.mean():.2f}   (goal 0.7-1.5)")
    print(f"iid analysis (old), p < alpha     : {np.mean(np.array([r['iid_p'] for r in rows]) < alpha):.1%}   (for contrast)")
    print(f"null gaps: mean {gaps.mean():+.5f}, SD {np.std(gaps, ddof=1):.5f}; mean SE {ses.mean():.5f}")


def split_half(clf, *, alpha: float, seed: int, n_splits: int = 200) -> None:
    rng = np.random.default_rng(seed)
    print(f"\n== template split-half ({n_splits} random 8/8 splits of the templates per family), interval level {1 - alpha:.0%}")
    for attribute, family in (("gender", "templates_names"), ("gender", "templates_nouns"),
                              ("race", "templates_names"), ("race", "templates_identity_terms")):
        report = run_probes(clf, attributes=[attribute], families=[family], n_boot=200, progress=False)
        lex = builtin_lexicon(attribute)
        comp = family_component(paired_frame(report.table, *lex.gap))
        D, T = comp.matrix, comp.matrix.shape[1]
        hits, implied = [], []
        for k in range(n_splits):
            perm = rng.permutation(T)
            ia, ib = np.sort(perm[: T // 2]), np.sort(perm[T // 2:])
            ca = [TemplateComponent(D[:, ia], tuple(np.array(comp.templates)[ia]))]
            cb = [TemplateComponent(D[:, ib], tuple(np.array(comp.templates)[ib]))]
            ea, eb = crossed_estimate(ca), crossed_estimate(cb)
            lo, hi = percentile_interval(crossed_bootstrap([cb], n_boot=1000, seed=k)[0], 1 - alpha)
            hits.append(lo <= ea.gap <= hi)
            # rows are shared by both halves, so only template and residual parts separate the estimates
            sep = np.sqrt(ea.components["templates"] + ea.components["residual"]
                          + eb.components["templates"] + eb.components["residual"])
            half_width = (hi - lo) / 2
            implied.append(2 * stats.norm.cdf(half_width / sep) - 1 if sep > 0 else 1.0)
        print(f"{attribute}/{family}: estimate of one half inside the other's interval {np.mean(hits):.1%}; "
              f"implied by the variance components {np.mean(implied):.1%} ({D.shape[0]} rows)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model directory (e.g. models/baseline from make demo)")
    parser.add_argument("--splits", type=int, default=200)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    clf = CachedClassifier(load_classifier(args.model, device=args.device))
    print(f"model {args.model}; {time.strftime('%Y-%m-%d %H:%M')}")
    null_calibration(clf, splits=args.splits, alpha=args.alpha, seed=args.seed)
    split_half(clf, alpha=args.alpha, seed=args.seed)
    print(f"\nsentences scored by the model: {clf.scored}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
