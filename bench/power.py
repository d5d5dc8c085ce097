"""Power of the default probe suite: the gap it finds 80 % of the time, per attribute, on a real model.

    python bench/power.py [MODEL_DIR] [--data CSV|none] [--attributes gender,race] [--sims 400] [--what-if]

Scores the suite once on MODEL_DIR (default models/baseline, from ``make
demo``) as the demo's audit does: the templates and the counterfactuals of the
``text`` column of --data (default sample_data/reviews_test.csv, the demo's
test set; ``none``: templates only). Per attribute it estimates from its own probes the variance
components of the headline gap's crossed design (per template family: lexicon
row and residual variance, pooled over its template blocks; the template
variance of the families' combined template means, pooled over the template
sets; a dataset family is kept as it is, centred, and redrawn in each
simulation by resampling its swapped terms). Then it simulates that design (same blocks, rows, templates and
equal family weights) with a planted gap delta, tests each draw with the
crossed t test at Holm's strictest level alpha / n_tests of the run, and finds
by bisection the delta rejected in 80 % of draws: for a zero gap (what
``mde`` states) and for the bias verdict's test of |gap| > min_effect
(``mde_bias``). Prints both beside the analytic ``mde`` / ``mde_bias`` the run
stored, the probe seconds, and what dominates the variance. Target (issue 23):
mde <= 0.015 for gender and race with <= 20 s of probe time.

``--what-if`` also simulates, from the same variance components, the designs a
pack could choose instead: k times the lexicon rows of every template family,
each row meeting T_b templates, from a pool of T templates in T / T_b blocks.
It prints each design's simulated mde and its cost in scored sentences
relative to the suite's (sentences grow with rows x T_b; more templates in
more blocks cost nothing to score, only to write). A design that leaves a
family fewer than 2 rows in a block is marked infeasible.
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
MIN_SIMS, MAX_SIMS = 20, 100_000  # simulations per bisection step
sys.path.insert(0, str(Path(__file__).resolve().parent))

from probes import _cpu_name  # noqa: E402  (bench/probes.py: the CPU named beside every timing)


def _components(entry, table, attribute):
    """The headline gap's design with its variance components, estimated from the probes.

    Returns ``(blocks, s2_b, texts)``: per complete block (a family's rows crossed
    with one template set; a fully crossed family is one block) its family,
    template set, rows R, templates T, weight in the gap, and the family's row
    and residual variances (pooled over its blocks); and the template variance
    (pooled over the template sets); and the dataset families as ``(component
    centred on a zero gap, weight, se)``.
    """
    from dataclasses import replace

    from auditkit.probes._crossed import _template_blocks, _weights, crossed_estimate, variance_components
    from auditkit.probes._designs import attribute_components, paired_frame

    sub = table[(table["attribute"] == attribute) & table["family"].isin(entry["families_combined"])]
    everything = attribute_components(paired_frame(sub, *entry["gap_groups"]))
    weights = _weights(everything)
    comps = [c for c in everything if hasattr(c, "matrix")]
    texts = []
    for c, w in zip(everything, weights):
        if not hasattr(c, "matrix"):
            est = crossed_estimate([c])
            if est.se is not None:
                texts.append((replace(c, differences=c.differences - est.gap), w, est.se))
    sets = _template_blocks(comps, [w for c, w in zip(everything, weights) if hasattr(c, "matrix")])
    vc = variance_components(comps)  # the estimator's own moment estimates, pooled as it pools them
    s2_b = list(vc["templates"].values())
    blocks = []
    for key, members in sets.items():
        for b in members:
            r, t = b.matrix.shape
            family = vc["families"][b.component]
            blocks.append((comps[b.component].name, key, r, t, b.weight, family["rows"], family["residual"]))
    return blocks, float(np.mean(s2_b)), texts


def _redrawn(component, delta, rng):
    """A dataset family as another sample of its swapped terms (texts when unclustered) would give it."""
    from dataclasses import replace

    c = component
    if c.clusters is None:
        pick = rng.integers(len(c.differences), size=len(c.differences))
        return replace(c, differences=c.differences[pick] + delta, strata=c.strata[pick])
    terms = list(dict.fromkeys(c.clusters.tolist()))
    chosen = rng.integers(len(terms), size=len(terms))
    parts = [np.flatnonzero(c.clusters == terms[j]) for j in chosen]
    pick = np.concatenate(parts)
    clusters = np.concatenate([np.full(len(p), f"draw{k}", dtype=object) for k, p in enumerate(parts)])
    return replace(c, differences=c.differences[pick] + delta, strata=c.strata[pick], clusters=clusters)


def _rejection_rate(delta, blocks, s2_b, *, margin, level, sims, rng, texts=()):
    from scipy import stats

    from dataclasses import replace

    from auditkit.probes._crossed import TemplateComponent, crossed_estimate

    hits = 0
    for _ in range(sims):
        draws = {}  # one template draw per template set, shared by its blocks
        comps = []
        for _, key, r, t, w, s2_a, s2_e in blocks:
            b = draws.setdefault(key, rng.normal(0, np.sqrt(s2_b), (1, t)))
            comps.append(TemplateComponent(delta + b + rng.normal(0, np.sqrt(s2_a), (r, 1))
                                           + rng.normal(0, np.sqrt(s2_e), (r, t)), key, w))
        comps += [replace(_redrawn(c, delta, rng), weight=w) for c, w, _ in texts]
        est = crossed_estimate(comps)
        if est.se is None:
            continue
        hits += (abs(est.gap) - margin) / est.se > stats.t.ppf(1 - level / 2, est.df)
    return hits / sims


def _simulated_mde(blocks, s2_b, *, margin, level, sims, seed, texts=()):
    lo, hi = margin, margin + 0.2
    for _ in range(14):
        mid = (lo + hi) / 2
        rate = _rejection_rate(mid, blocks, s2_b, margin=margin, level=level, sims=sims, texts=texts,
                               rng=np.random.default_rng(seed))  # common random numbers: a monotone curve
        lo, hi = (mid, hi) if rate < 0.8 else (lo, mid)
    return (lo + hi) / 2


def _design(blocks, *, row_factor: float, n_templates: int, per_row: int):
    """The blocks of a hypothetical design with the same variance components (see the module docstring).

    Returns ``(blocks, relative_cost)``, or ``(None, reason)`` when a family would have fewer than 2 rows in
    a block.
    """
    n_blocks = n_templates // per_row
    families: dict[str, list] = {}
    for b in blocks:
        families.setdefault(b[0], []).append(b)
    out, cost_now, cost_new = [], 0.0, 0.0
    for name, mine in families.items():
        rows_now = sum(b[2] for b in mine)
        weight = sum(b[4] for b in mine)
        s2_a, s2_e = mine[0][5], mine[0][6]
        rows = int(round(rows_now * row_factor))
        if rows < 2 * n_blocks:
            return None, f"{name}: {rows} rows for {n_blocks} blocks"
        cost_now += sum(b[2] * b[3] for b in mine)
        cost_new += rows * per_row
        for j in range(n_blocks):
            r = rows // n_blocks + (j < rows % n_blocks)
            key = tuple(f"b{j}t{k}" for k in range(per_row))  # template ids: one set per block
            out.append((name, key, r, per_row, weight * r / rows, s2_a, s2_e))
    return out, cost_new / cost_now


WHAT_IF = ((1, 144, 36), (1, 288, 36), (1, 576, 36), (2, 144, 24), (2, 288, 24), (2, 576, 24), (3, 576, 24))


def _what_if(blocks, s2_b, *, level, sims, seed, texts=()) -> None:
    print(f"    {'what if: rows x':<22}{'templates':>10}{'per row':>9}{'cost':>7}{'sim mde':>9}")
    for factor, n_templates, per_row in WHAT_IF:
        design, cost = _design(blocks, row_factor=factor, n_templates=n_templates, per_row=per_row)
        if design is None:
            print(f"    {factor:<22}{n_templates:>10}{per_row:>9}   infeasible ({cost})")
            continue
        mde = _simulated_mde(design, s2_b, margin=0.0, level=level, sims=sims, seed=seed, texts=texts)
        print(f"    {factor:<22}{n_templates:>10}{per_row:>9}{cost:>6.2f}x{mde:>9.4f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(ROOT / "models" / "baseline"))
    parser.add_argument("--attributes", default="gender,race")
    parser.add_argument("--data", default=str(ROOT / "sample_data" / "reviews_test.csv"),
                        help="CSV whose 'text' column gives the dataset counterfactuals, as the demo's audit does "
                             "(default: the demo's test set); 'none' for the templates only")
    parser.add_argument("--sims", type=int, default=400)
    parser.add_argument("--min-effect", type=float, default=0.02)
    parser.add_argument("--what-if", action="store_true",
                        help="also simulate other designs: more rows, more templates, fewer templates per row")

    def one_line(message):  # argparse's usage block is not one line
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = one_line
    args = parser.parse_args(argv)
    from auditkit._bounds import check_option
    from auditkit.data import load_dataset
    from auditkit.errors import AuditkitError, ConfigError
    from auditkit.models import load_classifier
    from auditkit.probes import run_probes

    try:  # bad input: one line, exit 2, checked before the model loads
        check_option("min_effect", args.min_effect, shown="--min-effect")
        if not MIN_SIMS <= args.sims <= MAX_SIMS:
            raise ConfigError(f"--sims must be an integer from {MIN_SIMS} to {MAX_SIMS}, got {args.sims}")
        # the project's loader: CSV/TSV/JSONL/Parquet, UTF-8, no FIFOs or devices, a 'text' column
        texts = None if args.data == "none" else list(load_dataset(args.data, label_col=None).texts)
        if not Path(args.model).exists():
            raise ConfigError(f"no model at {args.model}; run `make demo` first (or pass a model directory)")
        clf = load_classifier(args.model)
        attributes = [a.strip() for a in args.attributes.split(",")]
        start = time.perf_counter()
        report = run_probes(clf, attributes=attributes, texts=texts, n_boot=200, min_effect=args.min_effect)
    except AuditkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    n_tests, alpha = report.summary["settings"]["n_tests"], report.summary["settings"]["alpha"]
    level = alpha / n_tests
    print(f"# {args.model} on {_cpu_name()} ({os.cpu_count()} cores): {report.summary['settings']['n_sentences']} "
          f"sentences, {seconds:.1f} s of probe time (scoring and statistics); {n_tests} tests in the Holm family, "
          f"strictest level {level:.4f}; {args.sims} simulations per step; dataset counterfactuals: "
          f"{'none' if texts is None else f'{len(texts)} texts of {args.data}'}")
    print(f"{'attribute':<20}{'gap':>9}{'se':>9}{'mde':>8}{'sim mde':>9}{'mde_bias':>10}{'sim bias':>10}  "
          f"variance of the gap (rows / templates / residual / dataset)")
    for i, a in enumerate(attributes):
        e = report.summary[a]
        blocks, s2_b, dataset = _components(e, report.table, a)
        sim0 = _simulated_mde(blocks, s2_b, margin=0.0, level=level, sims=args.sims, seed=i, texts=dataset)
        sim1 = _simulated_mde(blocks, s2_b, margin=args.min_effect, level=level, sims=args.sims, seed=i, texts=dataset)
        rows = sum(w ** 2 * s2_a / r for _, _, r, _, w, s2_a, _ in blocks)  # weights are the gap's own
        resid = sum(w ** 2 * s2_e / (r * t) for _, _, r, t, w, _, s2_e in blocks)
        sets: dict = {}
        for _, key, _, t, w, _, _ in blocks:
            sets[key] = (sets.get(key, (0.0, t))[0] + w, t)
        tmpl = sum(W ** 2 * s2_b / t for W, t in sets.values())
        data = sum(w ** 2 * se ** 2 for _, w, se in dataset)
        total = rows + tmpl + resid + data
        mix = f"{rows / total:.0%} / {tmpl / total:.0%} / {resid / total:.0%} / {data / total:.0%}"
        print(f"{a:<20}{e['gap']:>+9.4f}{e['se']:>9.4f}{e['mde']:>8.4f}{sim0:>9.4f}{e['mde_bias']:>10.4f}{sim1:>10.4f}  {mix}")
        for name in dict.fromkeys(b[0] for b in blocks):
            mine = [b for b in blocks if b[0] == name]
            n_rows = sum(b[2] for b in mine)
            n_templates = sum(b[3] for b in mine)
            print(f"    {name}: {n_rows} rows in {len(mine)} block(s), {n_templates} templates in all, "
                  f"row SD {np.sqrt(mine[0][5]):.4f}, residual SD {np.sqrt(mine[0][6]):.4f}")
        print(f"    template SD {np.sqrt(s2_b):.4f} over {len(sets)} template set(s) of "
              f"{sum(t for _, t in sets.values())} templates; target mde <= {TARGET}: "
              f"{'met' if e['mde'] <= TARGET else 'not met'}")
        if args.what_if:
            _what_if(blocks, s2_b, level=level, sims=max(args.sims // 2, 100), seed=i, texts=dataset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
