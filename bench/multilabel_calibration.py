"""Calibration of the multi-label bootstrap: interval coverage, the paired test's null, its power.

    python bench/multilabel_calibration.py [--sims 400] [--rows 2000] [--n-boot 1000]

Test sets are drawn from one known process, so the population value of each
metric is known (from 10^6 rows of it): six labels with toxicity-like
prevalences (2-30 %), correlated through a shared latent severity, as in
real toxicity data; a model is the same latent plus its own noise,
thresholded per label.

1. Coverage: how often one run's 95 % interval (``multilabel_intervals``,
   what ``auditkit audit`` stores) holds the population value. Target: 95 %.
2. Null: A and B are two models drawn alike (same noise, same thresholds),
   scored on the same rows: how often the paired interval of B - A
   (``paired_multilabel_bootstrap``, what ``compare`` and the gate's
   ``no_regression`` use) leaves out 0 (target: about 5 %), and how often the
   gate would call B a regression (upper end below 0, one side: about 2.5 %).
3. Power: B loses recall on one label (its threshold on that label raised),
   and the gate should say so.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

PREVALENCE = np.array([0.30, 0.15, 0.10, 0.06, 0.04, 0.02])
CORRELATION = 0.6  # share of each label's latent that is the shared severity


def draw(rng, rows: int, *, models: int, shift: tuple[float, ...] = ()):
    """True labels and the decisions of ``models`` models on ``rows`` rows; ``shift`` raises model i's threshold on label 0."""
    from scipy.stats import norm

    severity = rng.standard_normal((rows, 1))
    latent = np.sqrt(CORRELATION) * severity + np.sqrt(1 - CORRELATION) * rng.standard_normal((rows, len(PREVALENCE)))
    cut = norm.ppf(1 - PREVALENCE)
    truth = (latent > cut).astype(np.int64)
    decisions = []
    for i in range(models):
        score = latent + 0.6 * rng.standard_normal(latent.shape)
        threshold = cut.copy()
        if i < len(shift):
            threshold[0] += shift[i]
        decisions.append((score > threshold).astype(np.int64))
    return truth, decisions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=400)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--planted", type=float, default=0.5, help="threshold rise on label 0 for model B (latent SDs)")
    args = parser.parse_args()

    from auditkit.compare._compare import paired_multilabel_bootstrap
    from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS, multilabel_intervals, multilabel_scores

    rng = np.random.default_rng(0)
    big_truth, (big_pred, big_worse) = draw(rng, 1_000_000, models=2, shift=(0.0, args.planted))
    population = multilabel_scores(big_truth, big_pred)
    population_drop = multilabel_scores(big_truth, big_worse)["macro_f1"] - population["macro_f1"]
    print(f"{args.sims} simulated test sets of {args.rows} rows, {len(PREVALENCE)} labels "
          f"(prevalence {', '.join(f'{p:.0%}' for p in PREVALENCE)}), {args.n_boot} bootstrap resamples each")

    start = time.perf_counter()
    covered = {m: 0 for m in MULTILABEL_HEADLINE_METRICS}
    null_excludes = null_regression = planted_found = 0
    for sim in range(args.sims):
        truth, (a, b, worse) = draw(rng, args.rows, models=3, shift=(0.0, 0.0, args.planted))
        for m, (low, high) in multilabel_intervals(truth, a, n_boot=args.n_boot, seed=sim).items():
            covered[m] += low <= population[m] <= high
        null = paired_multilabel_bootstrap(truth, a, b, n_boot=args.n_boot, seed=sim)["macro_f1"]
        null_excludes += null["significant"]
        null_regression += null["ci_high"] < 0
        planted_found += paired_multilabel_bootstrap(truth, a, worse, n_boot=args.n_boot, seed=sim)["macro_f1"]["ci_high"] < 0
    seconds = time.perf_counter() - start

    share = lambda k: f"{k / args.sims:.1%} ({k}/{args.sims})"
    print("\n1. coverage of one run's 95% intervals (target 95%):")
    for m, k in covered.items():
        print(f"   {m:16s} {share(k)}   population value {population[m]:.4f}")
    print("\n2. null: A and B alike, paired interval of the macro-F1 difference")
    print(f"   leaves out 0: {share(null_excludes)} (target about 5%)")
    print(f"   gate no_regression fails B (upper end < 0): {share(null_regression)} (target about 2.5%)")
    print(f"\n3. planted: B's threshold on the most frequent label raised by {args.planted} SD "
          f"(population macro-F1 {population_drop:+.4f})")
    print(f"   gate no_regression fails B: {share(planted_found)}")
    print(f"\n{seconds:.1f} s for {args.sims} x (one run's intervals + two paired comparisons)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
