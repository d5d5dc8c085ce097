"""Calibration of the bias verdicts: on a real model, and on simulated crossed data with and without outlier templates.

    python bench/calibration.py models/baseline [--splits 200] [--draws 1000] [--alpha 0.05] [--axis-splits 40]
    python bench/calibration.py models/baseline --axes-only [--axis-splits 40]
    python bench/calibration.py --simulated-only [--draws 1000]

On the model (the demo baseline from ``make demo-runs``):

1. Null splits. Name pools of one gender AND one race (from the built-in
   lexicons' names and extra names) are split at random into two halves,
   "a" and "b", paired row by row: groups that mean nothing. Each split is
   run through ``run_probes`` (templates_names family) and should be flagged
   "bias" in at most alpha (+ 0.02) of the splits; the spread of the null gaps
   should equal the reported standard error (ratio near 1). The iid analysis
   the first probes used (every sentence pair an independent sample) is
   printed for contrast.
1b. Null splits on every axis. For every attribute of every pack, each
   group's rows of each template family with at least 10 rows (the
   descriptor families of religion, disability, age...) are split at random
   into two halves paired row by row: "this Muslim person" against "my
   Muslim neighbor" mean nothing on average. Per axis: the share flagged
   "bias" (goal <= alpha + 0.025) and SD of the null gaps / mean SE (goal
   0.7-1.5).
2. Template split-half. On the built-in families, the templates (144 in 4
   blocks for English: each half keeps each row's share of its block) are split
   at random into halves; the estimate from one half should fall inside the
   other half's shown interval (the t interval of its crossed test) about as
   often as the variance components imply. The old pigeonhole percentile
   interval is printed beside it.

On simulated crossed designs ``D[i, j] = gap + a_i + b_j + e_ij`` (R = 5, 8,
20 rows x 16 templates), each drawn ``--draws`` times:

3. Verdict size and interval coverage, without and with outlier templates
   (each template, with probability 1/8, carries an extra shift of 4
   template SDs in one direction -- a sentence pattern the model reads
   differently for one group; the gap of every other template is 0, so a
   "bias" verdict is a few templates' doing).
4. P("bias") at a true gap of min-effect / 2 and of min-effect, per scope and
   per attribute (two families and their combination, Holm over the three
   tests, "bias" when any scope is), with the variance components of the demo
   baseline's gender families.
5. The |gap|-change test behind compare and the gate's no_regression[bias]:
   both gaps 0 with model B noisier (the gate should call a regression in at
   most 2.5%), and a true growth 0 -> 0.02 (found in at least 90% at R = 20),
   beside the percentile interval of |B| - |A| this test replaced.

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

from auditkit.probes import holm_correction, run_probes  # noqa: E402
from auditkit.probes._change import abs_change_test  # noqa: E402
from auditkit.probes._crossed import TemplateComponent, crossed_bootstrap, crossed_estimate, percentile_interval  # noqa: E402
from auditkit.probes._gap import estimate_components, judge_gap  # noqa: E402
from auditkit.probes._designs import family_component, paired_frame  # noqa: E402
from auditkit.probes._packs import builtin_lexicon, lexicon_from_dict  # noqa: E402

T = 16
TEMPLATES = tuple(f"t{j:02d}" for j in range(T))
ROWS = (5, 8, 20)


def _flag(ok: bool) -> str:
    return "ok" if ok else "MISSED"


class CachedClassifier:
    """Scores each distinct sentence once across all splits."""

    def __init__(self, classifier):
        self.inner = classifier
        self.labels = classifier.labels
        self.cache: dict[str, np.ndarray] = {}
        self.scored = 0

    def predict_proba(self, texts, *, batch_size=64, progress=None):
        from auditkit.models import Predictions

        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            probs = self.inner.predict_proba(new, batch_size=batch_size, progress=progress).probabilities
            self.cache.update(zip(new, probs))
            self.scored += len(new)
        return Predictions(np.stack([self.cache[t] for t in texts]), 0)


# ------------------------------------------------------------------ the real model

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
                                alpha=alpha, min_effect=min_effect, n_boot=100, seed=k, progress=False)
            out[min_effect] = report.summary["null"]["families"]["templates_names"]
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
    goal = alpha + 0.02
    bias0, bias005 = np.mean([r["bias0"] for r in rows]), np.mean([r["bias005"] for r in rows])
    print(f"\n== 1. null splits on the model: {splits} lexicons whose groups mean nothing "
          f"({rows[0]['n_rows']}-{max(r['n_rows'] for r in rows)} rows x 16 templates), alpha = {alpha}")
    print(f"verdict 'bias', min-effect 0      : {bias0:.1%}   (goal <= {goal:.0%}) {_flag(bias0 <= goal)}")
    print(f"verdict 'bias', min-effect 0.005  : {bias005:.1%}   (goal <= {goal:.0%}) {_flag(bias005 <= goal)}")
    print(f"'no material bias', min-effect .005: {np.mean([r['nmb005'] for r in rows]):.1%}")
    print(f"crossed t-test p < alpha (raw)    : {np.mean(p < alpha):.1%}")
    print(f"t interval excludes 0             : {np.mean([r['ci_low'] > 0 or r['ci_high'] < 0 for r in rows]):.1%}")
    print(f"SD of null gaps / mean reported SE: {np.std(gaps, ddof=1) / ses.mean():.2f}   (goal 0.7-1.5)")
    print(f"iid analysis (old), p < alpha     : {np.mean(np.array([r['iid_p'] for r in rows]) < alpha):.1%}   (for contrast)")


def axis_pools() -> dict[str, list[str]]:
    """Per attribute, group and template family with at least 2 x MIN_ROWS rows: that group's phrases."""
    from auditkit.probes._packs import resolve_lexicons
    from auditkit.probes._verdict import MIN_ROWS

    pools: dict[str, list[str]] = {}
    for name, lex in resolve_lexicons(None).items():
        for family in lex.families:
            rows = getattr(family, "rows", ())
            if len(rows) < 2 * MIN_ROWS:
                continue
            for g in lex.groups:
                phrases = list(dict.fromkeys(row[g] for row in rows))
                if len(phrases) >= 2 * MIN_ROWS:
                    pools[f"{name}/{family.name}/{g}"] = phrases
    return pools


def axis_null_calibration(clf, *, splits: int, alpha: float, seed: int, min_effect: float = 0.02) -> None:
    """Null splits on every axis: one group's rows of a family split into two halves paired row by row."""
    pools = axis_pools()
    by_axis: dict[str, list[str]] = {}
    for key in pools:
        by_axis.setdefault(key.split("/")[0], []).append(key)
    rng = np.random.default_rng(seed)
    print(f"\n== 1b. null splits on every axis: one group's rows of a family (>= 10 rows) halved at random, "
          f"{splits} splits per axis (cycling over its groups and families), alpha = {alpha}")
    print(f"{'axis':<20}{'pools':>6}{'rows':>7}{'bias, me 0':>12}{'bias, me .02':>14}{'SD/SE':>7}  goal <= {alpha + 0.025:.1%}, 0.7-1.5")
    totals = []
    for axis, keys in by_axis.items():
        rows = []
        for k in range(splits):
            phrases = list(rng.permutation(pools[keys[k % len(keys)]]))
            half = len(phrases) // 2
            lex = lexicon_from_dict({"attribute": "null", "groups": ["a", "b"], "person_phrases": {
                "rows": [{"a": x, "b": y} for x, y in zip(phrases[:half], phrases[half:2 * half])]}},
                where=f"<null split {axis} {k}>")
            out = {}
            for me in (0.0, min_effect):
                report = run_probes(clf, attributes=["null"], lexicon_files=[lex], alpha=alpha, min_effect=me,
                                    n_boot=100, seed=k, progress=False)
                out[me] = report.summary["null"]
            e = out[0.0]
            rows.append((e["gap"], e["se"], out[0.0]["verdict"] == "bias", out[min_effect]["verdict"] == "bias",
                         e["n_rows"]))
        gaps = np.array([r[0] for r in rows])
        ses = np.array([r[1] for r in rows if r[1] is not None])
        b0, b2 = np.mean([r[2] for r in rows]), np.mean([r[3] for r in rows])
        ratio = np.std(gaps, ddof=1) / ses.mean()
        ok = b0 <= alpha + 0.025 and 0.7 <= ratio <= 1.5
        totals.append(b0)
        print(f"{axis:<20}{len(keys):>6}{rows[0][4]:>7}{b0:>12.1%}{b2:>14.1%}{ratio:>7.2f}  {_flag(ok)}")
    print(f"all axes: 'bias' (min-effect 0) in {np.mean(totals):.1%} of {splits * len(totals)} null splits")


def _split_half_rates(D: np.ndarray, templates: tuple, *, alpha: float, rng, n_splits: int) -> tuple:
    """(observed, implied) for the t interval and (observed, implied) for the pigeonhole interval."""
    n_templates = D.shape[1]
    hits, implied, boot_hits, boot_implied = [], [], [], []
    for k in range(n_splits):
        perm = rng.permutation(n_templates)
        ia, ib = np.sort(perm[: n_templates // 2]), np.sort(perm[n_templates // 2:])
        ca = [TemplateComponent(D[:, ia], tuple(np.array(templates)[ia]))]
        cb = [TemplateComponent(D[:, ib], tuple(np.array(templates)[ib]))]
        ea, eb = crossed_estimate(ca), crossed_estimate(cb)
        # rows are shared by both halves, so only template and residual parts separate the estimates
        sep = np.sqrt(ea.components["templates"] + ea.components["residual"]
                      + eb.components["templates"] + eb.components["residual"])
        lo, hi = eb.t_interval(1 - alpha)
        hits.append(lo <= ea.gap <= hi)
        implied.append(2 * stats.norm.cdf((hi - lo) / 2 / sep) - 1 if sep > 0 else 1.0)
        blo, bhi = percentile_interval(crossed_bootstrap([cb], n_boot=500, seed=k)[0], 1 - alpha)
        boot_hits.append(blo <= ea.gap <= bhi)
        boot_implied.append(2 * stats.norm.cdf((bhi - blo) / 2 / sep) - 1 if sep > 0 else 1.0)
    return (np.mean(hits), np.mean(implied)), (np.mean(boot_hits), np.mean(boot_implied))


def split_half(clf, *, alpha: float, seed: int, n_splits: int = 800) -> None:
    rng = np.random.default_rng(seed)
    print(f"\n== 2. template split-half on the model ({n_splits} random splits of each family's templates into halves; "
          "Monte Carlo SE of a rate near 90 %: about 1 point), "
          f"interval level {1 - alpha:.0%}; second line: the family without its most influential template")
    print(f"{'family':52s} {'t interval: observed':>21s} {'implied':>8s}  {'gap':>6s}   "
          f"{'(pigeonhole: observed':>22s} {'implied)':>9s}")
    for attribute, family in (("gender", "templates_names"), ("gender", "templates_nouns"),
                              ("race", "templates_names"), ("race", "templates_identity_terms")):
        report = run_probes(clf, attributes=[attribute], families=[family], n_boot=100, progress=False)
        lex = builtin_lexicon(attribute)
        comp = family_component(paired_frame(report.table, *lex.gap))
        influence = report.summary[attribute]["families"][family]["influence"]
        worst = influence["templates"]["most_influential"]
        keep = [j for j, t in enumerate(comp.templates) if t != worst["key"]]
        designs = ((f"{attribute}/{family} ({comp.matrix.shape[0]} rows)", comp.matrix, comp.templates),
                   (f"  without {worst['key']} ({worst['text']})"[:52], comp.matrix[:, keep],
                    tuple(comp.templates[j] for j in keep)))
        for label, D, templates in designs:
            (obs, imp), (bobs, bimp) = _split_half_rates(D, templates, alpha=alpha, rng=rng, n_splits=n_splits)
            gap = 100 * (obs - imp)
            print(f"{label:52s} {obs:>21.1%} {imp:>8.1%}  {gap:+5.1f}pt {_flag(abs(gap) <= 5):6s} ({bobs:>6.1%} {bimp:>9.1%})")


# ------------------------------------------------------------------ simulated crossed data

#: Outlier templates: each template is one with this probability, shifted by OUTLIER_SHIFT template SDs.
OUTLIER_RATE, OUTLIER_SHIFT = 1 / 8, 4.0


def simulate(rng, n, rows, *, gap=0.0, sd=(1.0, 1.0, 1.0), outliers=False):
    """n designs D = gap + a_i + b_j + e_ij (row, template, cell SDs ``sd``); with ``outliers``, each template is
    shifted by OUTLIER_SHIFT template SDs with probability OUTLIER_RATE, all in one direction."""
    sd_row, sd_tpl, sd_cell = sd
    D = (gap + rng.normal(0, sd_row, (n, rows, 1)) + rng.normal(0, sd_tpl, (n, 1, T))
         + rng.normal(0, sd_cell, (n, rows, T)))
    if outliers:
        D = D + OUTLIER_SHIFT * sd_tpl * (rng.random((n, 1, T)) < OUTLIER_RATE)
    return D


def size_and_coverage(*, draws: int, alpha: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    goal = alpha + 0.02
    print(f"\n== 3. simulated crossed data: {draws} designs per row count x {T} templates, unit SDs, alpha = {alpha}, "
          "min-effect 0 (bias = the test of a zero gap)")
    print(f"   outlier templates: each template with probability {OUTLIER_RATE:g} shifted by {OUTLIER_SHIFT:g} template SDs, "
          "one direction; every other template's gap is 0")
    print(f"{'design':30s} {'t-test size':>11s} {'verdict size':>13s} {'(goal)':>7s}   {'coverage of the t interval':>26s} "
          f"{'(0.93-0.97)':>11s}   {'pigeonhole coverage':>19s}")
    for outlier in (False, True):
        for rows in ROWS:
            D = simulate(rng, draws, rows, outliers=outlier)
            raw = flagged = covered = boot_covered = 0
            for k in range(draws):
                comps = [TemplateComponent(D[k], TEMPLATES)]
                est = estimate_components(comps, ("a", "b"), influence=True)
                raw += est.p_value < alpha
                flagged += judge_gap(est, alpha=alpha, min_effect=0.0)["verdict"] == "bias"
                covered += est.ci_low <= 0.0 <= est.ci_high  # the gap of the regular templates: 0
                if k < 300:  # the bootstrap is slow; 300 draws show its undercoverage
                    lo, hi = percentile_interval(crossed_bootstrap([comps], n_boot=400, seed=k)[0], 1 - alpha)
                    boot_covered += lo <= 0.0 <= hi
            label = f"R = {rows:2d}" + (", outlier templates" if outlier else "")
            cov = covered / draws
            cov_flag = "(of 0)" if outlier else _flag(0.93 <= cov <= 0.97)
            print(f"{label:30s} {raw / draws:>11.1%} {flagged / draws:>13.1%} {_flag(flagged / draws <= goal):>7s}   "
                  f"{cov:>26.1%} {cov_flag:>11s}   {boot_covered / min(draws, 300):>19.1%}")
    print("   With outlier templates the mean over templates is not 0 (a few carry a shift), so the t-test and its")
    print("   interval, right about that mean, call it; the verdict, which asks that no one template carries the")
    print("   finding, does not.")


def min_effect_rate(*, draws: int, alpha: float, seed: int, min_effect: float = 0.02) -> None:
    """P("bias") when the true gap is min_effect/2 or min_effect, with the demo baseline's variance components."""
    rng = np.random.default_rng(seed)
    # row / template / cell SDs of the demo baseline's gender families (templates_names: 20 rows, nouns: 10)
    names_sd, nouns_sd = (0.020, 0.018, 0.025), (0.022, 0.024, 0.025)
    print(f"\n== 4. P('bias') at a true gap below or at the minimum effect ({min_effect}): {draws} attributes, "
          "two families (20 and 10 rows x 16 templates, the demo baseline's variance components) and their "
          "combination, Holm over the three tests")
    print(f"{'true gap':>12s} {'per scope':>10s} {'per attribute':>14s}  (goal at min-effect/2: <= 5%; larger gaps: power)")
    for multiple in (0.5, 1, 2, 3):
        true = multiple * min_effect
        names = simulate(rng, draws, 20, gap=true, sd=names_sd)
        nouns = simulate(rng, draws, 10, gap=true, sd=nouns_sd)
        scope_flags = attribute_flags = 0
        for k in range(draws):
            designs = [[TemplateComponent(names[k], TEMPLATES)], [TemplateComponent(nouns[k], TEMPLATES)],
                       [TemplateComponent(names[k], TEMPLATES), TemplateComponent(nouns[k], TEMPLATES)]]
            ests = [estimate_components(c, ("a", "b"), min_effect=min_effect, influence=True) for c in designs]
            p0 = holm_correction([e.p_value for e in ests])
            pm = holm_correction([e.p_value_min_effect for e in ests])
            verdicts = [judge_gap(e, alpha=alpha, min_effect=min_effect, p_value_holm=a, p_value_min_effect_holm=b)["verdict"]
                        for e, a, b in zip(ests, p0, pm)]
            scope_flags += verdicts[0] == "bias"
            attribute_flags += "bias" in verdicts
        label = {0.5: "min-effect/2", 1: "min-effect", 2: "2 x min-effect", 3: "3 x min-effect"}[multiple]
        ok = f" {_flag(attribute_flags / draws <= 0.05)}" if multiple < 1 else ""
        print(f"{label:>12s} {scope_flags / draws:>8.1%} {attribute_flags / draws:>14.1%}{ok}")


def gap_change_rates(*, draws: int, alpha: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sd, own = 0.005, 0.01
    print(f"\n== 5. the |gap|-change test (compare, gate no_regression[bias]): {draws} pairs of runs per row count; "
          f"A's row, template and cell effects SD {sd} each; B noisier: A's effects plus its own of SD {own} "
          f"(a retrained model), or its own alone (an unrelated one)")
    print(f"{'design':36s} {'gate: regression':>17s} {'(goal)':>7s}  {'old |B|-|A| interval':>21s}  {'signed t-test':>13s}")
    for growth in (0.0, 0.02):
        for shared in (True, False):
            for rows in ROWS:
                A = simulate(rng, draws, rows, sd=(sd, sd, sd))
                B = (A if shared else 0.0) + simulate(rng, draws, rows, gap=growth, sd=(own, own, own))
                regress = old = signed = 0
                for k in range(draws):
                    difference = crossed_estimate([TemplateComponent(B[k] - A[k], TEMPLATES)])
                    total = crossed_estimate([TemplateComponent(B[k] + A[k], TEMPLATES)])
                    p, direction = abs_change_test(difference, total)
                    regress += p < alpha and direction == "grew"
                    signed += difference.t_test() < alpha and difference.gap > 0
                    if k < 300:
                        reps = crossed_bootstrap([[TemplateComponent(A[k], TEMPLATES)],
                                                  [TemplateComponent(B[k], TEMPLATES)]], n_boot=400, seed=k)
                        lo, _ = percentile_interval(np.abs(reps[1]) - np.abs(reps[0]), 1 - alpha)
                        old += lo > 0
                rate = regress / draws
                kind = "retrained" if shared else "unrelated"
                if growth == 0:
                    label, ok = f"null, {kind}, R = {rows}", _flag(rate <= 0.025 + 2 * np.sqrt(0.025 * 0.975 / draws))
                else:
                    label, ok = f"0 -> {growth}, {kind}, R = {rows}", (_flag(rate >= 0.90) if rows == 20 else "")
                print(f"{label:36s} {rate:>17.1%} {ok:>7s}  {old / min(draws, 300):>21.1%}  {signed / draws:>13.1%}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help="model directory (e.g. models/baseline from make demo-runs)")
    parser.add_argument("--splits", type=int, default=200, help="null lexicon splits on the model")
    parser.add_argument("--draws", type=int, default=1000, help="simulated designs per setting")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--simulated-only", action="store_true", help="skip the model (sections 3-5 only)")
    parser.add_argument("--axes-only", action="store_true", help="only the null splits on every axis (1b)")
    parser.add_argument("--axis-splits", type=int, default=40, help="null splits per axis (1b)")
    args = parser.parse_args(argv)
    if not args.simulated_only and not args.model:
        parser.error("give a model directory, or --simulated-only")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; alpha {args.alpha}")
    if not args.simulated_only:
        from auditkit.models import load_classifier

        clf = CachedClassifier(load_classifier(args.model, device=args.device))
        print(f"model {args.model}")
        axis_null_calibration(clf, splits=args.axis_splits, alpha=args.alpha, seed=args.seed)
        if args.axes_only:
            print(f"\nsentences scored by the model: {clf.scored}")
            return 0
        null_calibration(clf, splits=args.splits, alpha=args.alpha, seed=args.seed)
        split_half(clf, alpha=args.alpha, seed=args.seed)
        print(f"\nsentences scored by the model: {clf.scored}")
    size_and_coverage(draws=args.draws, alpha=args.alpha, seed=args.seed)
    min_effect_rate(draws=args.draws, alpha=args.alpha, seed=args.seed)
    gap_change_rates(draws=args.draws, alpha=args.alpha, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
