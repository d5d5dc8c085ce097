"""Side-by-side comparison of stored runs, with paired tests where they are valid.

The first run is the reference; every other run is compared with it. Paired
tests (McNemar's exact test on accuracy, paired bootstrap CIs on macro-F1 and
per-class recall) need the same examples in the same order, so they run only
when both runs carry the same ``dataset.fingerprint`` and the same true
labels row by row; otherwise the runs are shown side by side with a note.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from auditkit.store import sections as S
from auditkit.errors import ConfigError
from auditkit.store import Run, read_run, to_jsonable

NOT_PAIRED_FINGERPRINT = (
    "not pair-tested: the runs were evaluated on different datasets (dataset fingerprints differ); "
    "differences are shown side by side without significance"
)
NOT_PAIRED_LABELS = (
    "not pair-tested: the dataset fingerprints match but the stored rows do not (different length or labels); "
    "differences are shown side by side without significance"
)
NOT_PAIRED_NO_PREDICTIONS = "not pair-tested: a run has no usable predictions table"


def mcnemar_exact(correct_a, correct_b) -> dict:
    """McNemar's exact test on paired correctness vectors.

    Uses the discordant counts only: ``b`` = A right & B wrong, ``c`` = A wrong
    & B right; the two-sided p-value is a binomial test of ``min(b, c)`` out of
    ``b + c`` at 0.5 (equal to statsmodels' ``mcnemar(table, exact=True)``).
    """
    a = np.asarray(correct_a, dtype=bool)
    b_ = np.asarray(correct_b, dtype=bool)
    both = int(np.sum(a & b_))
    b = int(np.sum(a & ~b_))
    c = int(np.sum(~a & b_))
    neither = int(np.sum(~a & ~b_))
    n = b + c
    p = 1.0 if n == 0 else float(binomtest(min(b, c), n, 0.5, alternative="two-sided").pvalue)
    return {"table": [[both, b], [c, neither]], "a_only_correct": b, "b_only_correct": c,
            "statistic": min(b, c), "p_value": min(1.0, p)}


def paired_bootstrap(y, pred_a, pred_b, k: int, *, n_boot: int = 1000, seed: int = 0,
                     alpha: float = 0.05) -> dict:
    """Paired percentile-bootstrap CIs of B − A for macro-F1 and each class's recall.

    Both models are scored on the same resampled rows with scikit-learn (via
    :func:`auditkit.metrics.bootstrap_ci`); macro-F1 averages over the classes
    each run's own audit averaged over (those in the data or predicted), so
    the point difference equals the difference of the two stored macro-F1s.
    """
    from sklearn.metrics import precision_recall_fscore_support

    from auditkit.metrics import bootstrap_ci

    y, pa, pb = (np.asarray(v, dtype=int) for v in (y, pred_a, pred_b))
    classes = list(range(k))
    macro_a = sorted(set(y.tolist()) | set(pa.tolist()))
    macro_b = sorted(set(y.tolist()) | set(pb.tolist()))

    def differences(t: np.ndarray, p: np.ndarray) -> dict[str, float]:
        _, rec_a, f1_a, _ = precision_recall_fscore_support(t, p[:, 0], labels=classes, average=None, zero_division=0)
        _, rec_b, f1_b, _ = precision_recall_fscore_support(t, p[:, 1], labels=classes, average=None, zero_division=0)
        out = {"macro_f1": float(f1_b[macro_b].mean() - f1_a[macro_a].mean())}
        out.update({f"recall{j}": float(rec_b[j] - rec_a[j]) for j in classes})
        return out

    pairs = np.column_stack([pa, pb])
    point = differences(y, pairs)
    intervals = bootstrap_ci(y, pairs, statistic=differences, n_boot=n_boot, confidence_level=1 - alpha, seed=seed)
    support = np.bincount(y, minlength=k)

    def summary(name: str, defined: bool = True) -> dict:
        if not defined:  # a class absent from the data has no recall
            return {"diff": None, "ci_low": None, "ci_high": None, "significant": None}
        lo, hi = intervals[name]
        return {"diff": point[name], "ci_low": lo, "ci_high": hi, "significant": bool(lo > 0 or hi < 0)}

    return {"macro_f1": summary("macro_f1"), "recall": [summary(f"recall{j}", support[j] > 0) for j in classes]}


def paired_bootstrap_multilabel(y, pred_a, pred_b, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> dict:
    """Paired percentile-bootstrap CIs of B − A for macro-F1 and each label's recall (0/1 indicator matrices).

    Same shape of result as :func:`paired_bootstrap`; both models are scored
    on the same resampled rows with scikit-learn.
    """
    from sklearn.metrics import precision_recall_fscore_support

    from auditkit.metrics import bootstrap_ci

    y, pa, pb = (np.asarray(v, dtype=int) for v in (y, pred_a, pred_b))
    k = y.shape[1]

    def differences(t: np.ndarray, p: np.ndarray) -> dict[str, float]:
        _, rec_a, f1_a, _ = precision_recall_fscore_support(t, p[:, :k], average=None, zero_division=0)
        _, rec_b, f1_b, _ = precision_recall_fscore_support(t, p[:, k:], average=None, zero_division=0)
        return {"macro_f1": float(f1_b.mean() - f1_a.mean()), **{f"recall{j}": float(rec_b[j] - rec_a[j]) for j in range(k)}}

    both = np.hstack([pa, pb])
    point = differences(y, both)
    intervals = bootstrap_ci(y, both, statistic=differences, n_boot=n_boot, confidence_level=1 - alpha, seed=seed)
    support = y.sum(axis=0)

    def summary(name: str, defined: bool = True) -> dict:
        if not defined:
            return {"diff": None, "ci_low": None, "ci_high": None, "significant": None}
        lo, hi = intervals[name]
        return {"diff": point[name], "ci_low": lo, "ci_high": hi, "significant": bool(lo > 0 or hi < 0)}

    return {"macro_f1": summary("macro_f1"), "recall": [summary(f"recall{j}", support[j] > 0) for j in range(k)]}


def mcnemar_per_label(y, pred_a, pred_b, labels: Sequence[str]) -> dict[str, dict]:
    """McNemar's exact test of each label's correctness (A vs B), Holm-corrected across labels.

    Returns ``{label: {**mcnemar_exact(...), "p_value_holm": float}}``.
    """
    from auditkit.probes import holm_correction

    y, pa, pb = (np.asarray(v, dtype=int) for v in (y, pred_a, pred_b))
    tests = {str(name): mcnemar_exact(pa[:, j] == y[:, j], pb[:, j] == y[:, j]) for j, name in enumerate(labels)}
    for test, p_adj in zip(tests.values(), holm_correction([t["p_value"] for t in tests.values()])):
        test["p_value_holm"] = float(p_adj)
    return tests


def _bias_gap_bootstrap(run_a: Run, run_b: Run, attribute: str, *, n_boot: int, seed: int,
                        alpha: float, class_: str | None = None) -> dict | None:
    """Paired bootstrap over matched probe instances of ``|gap_B| − |gap_A|`` and ``gap_B − gap_A``."""
    da = S.paired_differences(run_a, attribute, class_=class_)
    db = S.paired_differences(run_b, attribute, class_=class_)
    if da is None or db is None:
        return None
    # match on the texts too: dataset counterfactuals of different datasets share ids, not sentences
    keys = ["family", "instance", "text_a", "text_b"]
    merged = da.merge(db, on=keys, suffixes=("_a", "_b"))
    if len(merged) < 10:
        return None
    xa, xb = merged["diff_a"].to_numpy(float), merged["diff_b"].to_numpy(float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(merged), size=(n_boot, len(merged)))
    ga, gb = xa[idx].mean(axis=1), xb[idx].mean(axis=1)
    q = (100 * alpha / 2, 100 * (1 - alpha / 2))
    lo, hi = np.percentile(gb - ga, q)
    alo, ahi = np.percentile(np.abs(gb) - np.abs(ga), q)
    return {"n_matched": int(len(merged)), "diff_ci_low": float(lo), "diff_ci_high": float(hi),
            "abs_diff": float(abs(xb.mean()) - abs(xa.mean())),
            "abs_diff_ci_low": float(alo), "abs_diff_ci_high": float(ahi),
            "method": "paired bootstrap over matched probe instances"}


def _gap_se(entry: dict) -> float | None:
    lo, hi = S.finite(entry.get("ci_low")), S.finite(entry.get("ci_high"))
    return None if lo is None or hi is None else (hi - lo) / (2 * 1.959964)


@dataclass
class Comparison:
    """The result of :func:`compare_runs`.

    Attributes
    ----------
    runs : list of str
        Run names, reference first.
    metrics : DataFrame
        One row per (metric, run): value, CI, difference from the reference,
        and the paired test when one ran (``test``, ``p_value``, ``diff_ci_low``,
        ``diff_ci_high``, ``significant``).
    bias : DataFrame
        One row per (attribute, run): gap, CI, significance in that run,
        difference from the reference with its CI.
    identity_share : DataFrame
        One row per run: identity share and difference from the reference.
    pairs : list of dict
        Per compared run: whether it was pair-tested, the note why not, and
        McNemar's table.
    summary_lines : list of str
        Plain-language findings: what got better or worse, and whether it is
        significant.
    """

    runs: list[str]
    metrics: pd.DataFrame
    bias: pd.DataFrame
    identity_share: pd.DataFrame
    pairs: list[dict]
    summary_lines: list[str]
    alpha: float = 0.05
    n_boot: int = 1000
    seed: int = 0
    records: list[dict] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (NaN → null)."""
        def rows(frame):
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        return to_jsonable({
            "runs": self.runs, "alpha": self.alpha, "n_boot": self.n_boot, "seed": self.seed,
            "metrics": rows(self.metrics), "bias": rows(self.bias),
            "identity_share": rows(self.identity_share), "pairs": self.pairs,
            "summary": self.summary_lines,
        })


def _as_run(item) -> Run:
    if isinstance(item, Run):
        return item
    if isinstance(item, (str, os.PathLike)):
        return read_run(item)
    raise ConfigError(f"compare_runs takes Run objects or run directories, got {type(item).__name__}")


def _pairable(a: Run, b: Run):
    fa = (a.record.get("dataset") or {}).get("fingerprint")
    fb = (b.record.get("dataset") or {}).get("fingerprint")
    if not fa or fa != fb:
        return None, NOT_PAIRED_FINGERPRINT
    read = S.label_matrices if S.is_multi_label(a) else S.predictions_arrays
    arr_a, arr_b = read(a), read(b)
    if arr_a is None or arr_b is None:
        return None, NOT_PAIRED_NO_PREDICTIONS
    (ya, pa, la), (yb, pb, lb) = arr_a, arr_b
    if la != lb or ya.shape != yb.shape or not np.array_equal(ya, yb):
        return None, NOT_PAIRED_LABELS
    return (ya, pa, pb, la), None


def compare_runs(runs: Sequence, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> Comparison:
    """Compare stored runs; the first is the reference.

    Parameters
    ----------
    runs : sequence of Run or path
        At least two runs.
    n_boot : int, default 1000
        Bootstrap resamples for paired CIs.
    seed : int, default 0
    alpha : float, default 0.05
        Significance level (tests are not corrected for multiplicity; read
        several borderline results with care).

    Examples
    --------
    >>> cmp = compare_runs(["runs/baseline", "runs/augmented"])  # doctest: +SKIP
    >>> print("\\n".join(cmp.summary_lines))                        # doctest: +SKIP
    """
    runs = [_as_run(r) for r in runs]
    if len(runs) < 2:
        raise ConfigError(f"compare needs at least two runs, got {len(runs)}")
    if not (0 < alpha < 1):
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    if n_boot < 100:
        raise ConfigError(f"n_boot must be at least 100, got {n_boot}")
    names = _unique_names(runs)
    ref, ref_name = runs[0], names[0]
    kinds = {S.is_multi_label(r) for r in runs}
    if len(kinds) > 1:
        mixed = ", ".join(f"{n} ({'multi-label' if S.is_multi_label(r) else 'single-label'})" for r, n in zip(runs, names))
        raise ConfigError(f"compare needs runs of one kind; got {mixed} — compare multi-label runs with multi-label runs only")
    multi = S.is_multi_label(ref)
    headline = S.headline_metrics(ref)
    accuracy = S.accuracy_metric(ref)
    metric_rows, bias_rows, share_rows, pairs, summary = [], [], [], [], []

    # reference rows
    for m in headline:
        metric_rows.append({"metric": m, "run": ref_name, **S.metric(ref, m), "diff": None})
    for label, pc in S.per_class_or_label(ref).items():
        metric_rows.append({"metric": f"recall[{label}]", "run": ref_name, "value": S.finite(pc.get("recall")),
                            "ci_low": None, "ci_high": None, "diff": None})
    for attr, entry in S.bias_attributes(ref).items():
        bias_rows.append(_bias_row(attr, ref_name, entry))
    share_rows.append({"run": ref_name, "identity_share": S.finite((S.section(ref, "attributions") or {}).get("identity_share")),
                       "diff": None})

    for other, name in zip(runs[1:], names[1:]):
        paired, note = _pairable(ref, other)
        pair = {"reference": ref_name, "run": name, "paired": paired is not None, "note": note}
        boot = None
        per_label_tests = {}
        if paired is not None:
            y, pa, pb, labs = paired
            if multi:  # subset accuracy: an example is right when every label is
                pair["mcnemar"] = mcnemar_exact((pa == y).all(axis=1), (pb == y).all(axis=1))
                per_label_tests = mcnemar_per_label(y, pa, pb, labs)
                pair["mcnemar_per_label"] = per_label_tests
                boot = paired_bootstrap_multilabel(y, pa, pb, n_boot=n_boot, seed=seed, alpha=alpha)
            else:
                pair["mcnemar"] = mcnemar_exact(pa == y, pb == y)
                boot = paired_bootstrap(y, pa, pb, len(labs), n_boot=n_boot, seed=seed, alpha=alpha)
        pairs.append(pair)
        if note:
            summary.append(f"{name} vs {ref_name}: {note}.")

        for m in headline:
            va, vb = S.metric(ref, m), S.metric(other, m)
            diff = None if va["value"] is None or vb["value"] is None else vb["value"] - va["value"]
            row = {"metric": m, "run": name, **vb, "diff": diff, "test": None, "p_value": None,
                   "diff_ci_low": None, "diff_ci_high": None, "significant": None}
            if paired is not None and m == accuracy:
                row.update(test="McNemar exact", p_value=pair["mcnemar"]["p_value"],
                           significant=pair["mcnemar"]["p_value"] < alpha)
            if boot is not None and m == "macro_f1":
                mf = boot["macro_f1"]
                row.update(test="paired bootstrap", diff_ci_low=mf["ci_low"], diff_ci_high=mf["ci_high"],
                           significant=mf["significant"])
            metric_rows.append(row)
            if m in (accuracy, "macro_f1"):
                summary.append(_metric_sentence("macro-F1" if m == "macro_f1" else m.replace("_", " "), name, ref_name, row,
                                                paired is not None, alpha))
        for label, test in per_label_tests.items():
            (both, a_only), (b_only, neither) = test["table"]
            n_rows = both + a_only + b_only + neither
            # a label's accuracy: the share of examples whose decision on that label is right
            va, vb = (both + a_only) / n_rows, (both + b_only) / n_rows
            row = {"metric": f"label_accuracy[{label}]", "run": name, "value": vb, "ci_low": None, "ci_high": None,
                   "diff": vb - va, "test": "McNemar exact, Holm across labels",
                   "p_value": test["p_value_holm"], "diff_ci_low": None, "diff_ci_high": None,
                   "significant": test["p_value_holm"] < alpha}
            metric_rows.append(row)
            if row["significant"]:
                summary.append(_metric_sentence(f"accuracy on label {label!r}", name, ref_name, row, True, alpha))
        ref_pc, other_pc = S.per_class_or_label(ref), S.per_class_or_label(other)
        labs = S.labels(ref)
        for j, label in enumerate(labs):
            if label not in other_pc and label not in ref_pc:
                continue
            va = S.finite((ref_pc.get(label) or {}).get("recall"))
            vb = S.finite((other_pc.get(label) or {}).get("recall"))
            row = {"metric": f"recall[{label}]", "run": name, "value": vb, "ci_low": None, "ci_high": None,
                   "diff": None if va is None or vb is None else vb - va, "test": None, "p_value": None,
                   "diff_ci_low": None, "diff_ci_high": None, "significant": None}
            if boot is not None and j < len(boot["recall"]):
                r = boot["recall"][j]
                row.update(test="paired bootstrap", diff_ci_low=r["ci_low"], diff_ci_high=r["ci_high"],
                           significant=r["significant"])
                if r["significant"]:
                    summary.append(_metric_sentence(f"recall of {label!r}", name, ref_name, row, True, alpha))
            metric_rows.append(row)

        ref_attrs, other_attrs = S.bias_attributes(ref), S.bias_attributes(other)
        other_classes = S.bias_classes(other)
        for attr, entry in other_attrs.items():
            base = ref_attrs.get(attr)
            # per-class probes: compare the reference's headline class, whatever the other run's headline is
            class_ = (base or {}).get("class")
            if class_ is not None and attr in other_classes.get(class_, {}):
                entry = {**other_classes[class_][attr], "class": class_}
            row = _bias_row(attr, name, entry)
            if base is not None and row["gap"] is not None and S.finite(base.get("gap")) is not None:
                ga = S.finite(base.get("gap"))
                row["diff"] = row["gap"] - ga
                row["abs_diff"] = abs(row["gap"]) - abs(ga)
                boot_gap = _bias_gap_bootstrap(ref, other, attr, n_boot=n_boot, seed=seed, alpha=alpha, class_=class_)
                if boot_gap is not None:
                    row.update(diff_ci_low=boot_gap["diff_ci_low"], diff_ci_high=boot_gap["diff_ci_high"],
                               abs_diff_ci_low=boot_gap["abs_diff_ci_low"], abs_diff_ci_high=boot_gap["abs_diff_ci_high"],
                               diff_method=boot_gap["method"])
                else:
                    sa, sb = _gap_se(base), _gap_se(entry)
                    if sa is not None and sb is not None:
                        half = 1.959964 * math.hypot(sa, sb)
                        row.update(diff_ci_low=row["diff"] - half, diff_ci_high=row["diff"] + half,
                                   diff_method="normal approximation from each run's CI (probe sets not matched)")
                # "Significant" is about |gap| (did the bias shrink or grow?), as the summary and
                # the gate read it; the signed change only stands in when |gap| has no interval.
                lo, hi = (("abs_diff_ci_low", "abs_diff_ci_high") if row.get("abs_diff_ci_low") is not None
                          else ("diff_ci_low", "diff_ci_high"))
                if row.get(lo) is not None:
                    row["diff_significant"] = bool(row[lo] > 0 or row[hi] < 0)
                summary.append(_bias_sentence(attr, name, ref_name, ga, row))
            bias_rows.append(row)
        for attr in ref_attrs:
            if attr not in other_attrs:
                summary.append(f"{name}: the {attr} probe was not run, so its bias cannot be compared with {ref_name}.")

        share_a = S.finite((S.section(ref, "attributions") or {}).get("identity_share"))
        share_b = S.finite((S.section(other, "attributions") or {}).get("identity_share"))
        share_rows.append({"run": name, "identity_share": share_b,
                           "diff": None if share_a is None or share_b is None else share_b - share_a})
        if share_a is not None and share_b is not None:
            word = "less than" if share_b < share_a else "more than" if share_b > share_a else "the same as"
            summary.append(f"{name} puts {share_b:.1%} of its attribution on identity words "
                           f"({word} {ref_name}'s {share_a:.1%}; descriptive, not tested).")

    metrics = pd.DataFrame(metric_rows)
    for col in ("test", "p_value", "diff_ci_low", "diff_ci_high", "significant"):
        if col not in metrics:
            metrics[col] = None
    bias = pd.DataFrame(bias_rows, columns=_BIAS_COLUMNS) if bias_rows else pd.DataFrame(columns=_BIAS_COLUMNS)
    return Comparison(runs=names, metrics=metrics, bias=bias, identity_share=pd.DataFrame(share_rows),
                      pairs=pairs, summary_lines=summary, alpha=alpha, n_boot=n_boot, seed=seed,
                      records=[r.record for r in runs])


_BIAS_COLUMNS = ["attribute", "class", "run", "gap", "ci_low", "ci_high", "p_value", "significant", "flip_rate",
                 "ctf_gap", "n_pairs", "diff", "abs_diff", "diff_ci_low", "diff_ci_high", "abs_diff_ci_low",
                 "abs_diff_ci_high", "diff_significant", "diff_method"]


def _bias_row(attr: str, name: str, entry: dict) -> dict:
    row = dict.fromkeys(_BIAS_COLUMNS)
    row.update(attribute=attr, run=name, **{"class": entry.get("class")})
    for key in ("gap", "ci_low", "ci_high", "flip_rate", "ctf_gap"):
        row[key] = S.finite(entry.get(key))
    row["p_value"] = S.p_value(entry)
    sig = entry.get("significant")
    row["significant"] = None if sig is None else bool(sig)
    n = entry.get("n_pairs")
    row["n_pairs"] = int(n) if isinstance(n, (int, float)) and not isinstance(n, bool) else None
    return row


def _unique_names(runs: list[Run]) -> list[str]:
    names, seen = [], {}
    for r in runs:
        n = r.name
        seen[n] = seen.get(n, 0) + 1
        names.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return names


def _metric_sentence(label, name, ref_name, row, tested, alpha) -> str:
    diff = row.get("diff")
    if diff is None:
        return f"{name}: {label} is not measured in one of the runs."
    direction = "improved" if diff > 0 else "worsened" if diff < 0 else "did not change"
    base = f"{name}: {label} {direction} by {abs(diff):.3f} vs {ref_name}" if diff else f"{name}: {label} did not change vs {ref_name}"
    if not tested:
        return base + " (not tested)."
    if row.get("p_value") is not None:
        verdict = "significant" if row["significant"] else "not significant"
        return base + f" — {verdict} (McNemar exact p = {row['p_value']:.3g}, α = {alpha})."
    if row.get("diff_ci_low") is not None:
        verdict = "significant" if row["significant"] else "not significant"
        return base + (f" — {verdict} (paired bootstrap {1 - alpha:.0%} CI of the difference "
                       f"[{row['diff_ci_low']:+.3f}, {row['diff_ci_high']:+.3f}]).")
    return base + "."


def _bias_sentence(attr, name, ref_name, gap_ref, row) -> str:
    gb = row["gap"]
    smaller = abs(gb) < abs(gap_ref)
    change = "shrank" if smaller else "grew" if abs(gb) > abs(gap_ref) else "stayed"
    text = f"{name}: the {attr} gap {change} from {gap_ref:+.3f} to {gb:+.3f} (|gap| {'−' if smaller else '+'}{abs(abs(gb) - abs(gap_ref)):.3f})"
    if row.get("abs_diff_ci_low") is not None:
        lo, hi = row["abs_diff_ci_low"], row["abs_diff_ci_high"]
        sig = lo > 0 or hi < 0
        text += f" — {'significant' if sig else 'not significant'} (paired bootstrap CI of the |gap| change [{lo:+.3f}, {hi:+.3f}])"
    elif row.get("diff_ci_low") is not None:
        text += (f" — {'significant' if row['diff_significant'] else 'not significant'} "
                 f"(approximate CI of the gap change [{row['diff_ci_low']:+.3f}, {row['diff_ci_high']:+.3f}])")
    if row.get("significant") is not None:
        text += f"; on its own, {name}'s {attr} gap is {'significant' if row['significant'] else 'not significant'} (as stored by its audit)"
    return text + "."
