"""Power of the default probe suite: the gap it finds 80 % of the time, per attribute, on a real model.

    python bench/power.py [MODEL_DIR] [--attributes gender,race] [--sims 400]

Scores the suite once on MODEL_DIR (default models/baseline, from ``make
demo``) and, per attribute, estimates from its own probes the variance
components of the headline gap's crossed design (per template family: lexicon
row and residual variance; the template variance of the families' combined
template means). Then it simulates that design (same rows, templates and
equal family weights) with a planted gap delta, tests each draw with the
crossed t test at Holm's strictest level alpha / n_tests of the run, and finds
by bisection the delta rejected in 80 % of draws: for a zero gap (what
``mde`` states) and for the bias verdict's test of |gap| > min_effect
(``mde_bias``). Prints both beside the analytic ``mde`` / ``mde_bias`` the run
stored, the probe seconds, and what dominates the variance. Target (issue 23):
mde <= 0.015 for gender and race with <= 20 s of probe time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.015
sys.path.insert(0, str(Path(__file__).resolve().parent))

from probes import _cpu_name  # noqa: E402  (bench/probes.py: the CPU named beside every timing)


def _components(entry, table, attribute):
    """Per template family (R, T, row variance, residual variance) and the template variance, from the probes."""
    from auditkit.probes._designs import attribute_components, paired_frame

    sub = table[(table["attribute"] == attribute) & table["family"].isin(entry["families_combined"])]
    comps = [c for c in attribute_components(paired_frame(sub, *entry["gap_groups"])) if hasattr(c, "matrix")]
    fams, weights = [], 1.0 / len(comps)
    cols = 0.0
    for c in comps:
        d = np.asarray(c.matrix, float)
        r, t = d.shape
        row_means, col_means, grand = d.mean(1), d.mean(0), d.mean()
        ms_a = t * np.sum((row_means - grand) ** 2) / (r - 1)
        ms_e = np.sum((d - row_means[:, None] - col_means[None, :] + grand) ** 2) / ((r - 1) * (t - 1))
        fams.append((c.name, r, t, max(ms_a - ms_e, 0.0) / t, ms_e))
        cols = cols + weights * col_means
    t = comps[0].matrix.shape[1]
    s2_b = max(float(np.var(cols, ddof=1)) - sum(weights ** 2 * e / r for _, r, _, _, e in fams), 0.0)
    return fams, s2_b, t


def _rejection_rate(delta, fams, s2_b, t, *, margin, level, sims, rng):
    from scipy import stats

    from auditkit.probes._crossed import TemplateComponent, crossed_estimate

    templates = tuple(f"t{j}" for j in range(t))
    hits = 0
    for _ in range(sims):
        b = rng.normal(0, np.sqrt(s2_b), (1, t))  # one template draw shared by the families
        comps = [TemplateComponent(delta + b + rng.normal(0, np.sqrt(s2_a), (r, 1)) + rng.normal(0, np.sqrt(s2_e), (r, t)),
                                   templates) for _, r, _, s2_a, s2_e in fams]
        est = crossed_estimate(comps)
        if est.se is None:
            continue
        hits += (abs(est.gap) - margin) / est.se > stats.t.ppf(1 - level / 2, est.df)
    return hits / sims


def _simulated_mde(fams, s2_b, t, *, margin, level, sims, seed):
    lo, hi = margin, margin + 0.2
    for _ in range(14):
        mid = (lo + hi) / 2
        rate = _rejection_rate(mid, fams, s2_b, t, margin=margin, level=level, sims=sims,
                               rng=np.random.default_rng(seed))  # common random numbers: a monotone curve
        lo, hi = (mid, hi) if rate < 0.8 else (lo, mid)
    return (lo + hi) / 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(ROOT / "models" / "baseline"))
    parser.add_argument("--attributes", default="gender,race")
    parser.add_argument("--sims", type=int, default=400)
    parser.add_argument("--min-effect", type=float, default=0.02)
    args = parser.parse_args(argv)
    if not Path(args.model).exists():
        print(f"no model at {args.model}; run `make demo` first (or pass a model directory)", file=sys.stderr)
        return 2

    from auditkit.models import load_classifier
    from auditkit.probes import run_probes

    clf = load_classifier(args.model)
    attributes = [a.strip() for a in args.attributes.split(",")]
    start = time.perf_counter()
    report = run_probes(clf, attributes=attributes, n_boot=200, min_effect=args.min_effect)
    seconds = time.perf_counter() - start
    n_tests, alpha = report.summary["settings"]["n_tests"], report.summary["settings"]["alpha"]
    level = alpha / n_tests
    print(f"# {args.model} on {_cpu_name()} ({os.cpu_count()} cores): {report.summary['settings']['n_sentences']} "
          f"sentences, {seconds:.1f} s of probe time (scoring and statistics); {n_tests} tests in the Holm family, "
          f"strictest level {level:.4f}; {args.sims} simulations per step")
    print(f"{'attribute':<20}{'gap':>9}{'se':>9}{'mde':>8}{'sim mde':>9}{'mde_bias':>10}{'sim bias':>10}  "
          f"variance of the gap (rows / templates / residual)")
    for i, a in enumerate(attributes):
        e = report.summary[a]
        fams, s2_b, t = _components(e, report.table, a)
        sim0 = _simulated_mde(fams, s2_b, t, margin=0.0, level=level, sims=args.sims, seed=i)
        sim1 = _simulated_mde(fams, s2_b, t, margin=args.min_effect, level=level, sims=args.sims, seed=i)
        w2 = (1.0 / len(fams)) ** 2
        rows = sum(w2 * s2_a / r for _, r, _, s2_a, _ in fams)
        resid = sum(w2 * s2_e / (r * t) for _, r, t, _, s2_e in fams)
        total = rows + s2_b / t + resid
        mix = f"{rows / total:.0%} / {s2_b / t / total:.0%} / {resid / total:.0%}"
        print(f"{a:<20}{e['gap']:>+9.4f}{e['se']:>9.4f}{e['mde']:>8.4f}{sim0:>9.4f}{e['mde_bias']:>10.4f}{sim1:>10.4f}  {mix}")
        for name, r, tt, s2_a, s2_e in fams:
            print(f"    {name}: {r} rows x {tt} templates, row SD {np.sqrt(s2_a):.4f}, residual SD {np.sqrt(s2_e):.4f}")
        print(f"    template SD {np.sqrt(s2_b):.4f}; target mde <= {TARGET}: "
              f"{'met' if e['mde'] <= TARGET else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
