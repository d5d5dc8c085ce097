"""Side-by-side comparison of stored runs, with paired tests where they are valid.

The first run is the reference; every other run is compared with it. Paired
tests (McNemar's exact test on accuracy, paired bootstrap CIs on macro-F1 and
per-class recall) need the same examples in the same order, so they run only
when both runs carry the same ``dataset.fingerprint`` and the same true
labels row by row; otherwise the runs are shown side by side with a note.
Multi-label runs get McNemar's exact test on each label's decisions
(``label_accuracy[<label>]``), Holm-corrected across the labels, and paired
bootstrap CIs on every headline metric (subset accuracy, micro / macro /
samples F1, Hamming loss) and each label's recall. Per-class (per-label)
recall also gets a paired-bootstrap p-value, Holm-corrected across the
classes.

Bias gaps are compared on the probe sentences both runs scored, for every
class a per-class run stores: the signed change by the crossed t-test of
B - A, and the change of |gap| by an intersection-union test
(:func:`auditkit.probes._change.abs_change_test`), Holm-corrected across
every attribute and class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from auditkit._format import number, p_value
from auditkit.store import sections as S
from auditkit._bounds import check_option
from auditkit.errors import ConfigError
from auditkit.probes import holm_correction
from auditkit.probes._verdict import format_verdict
from auditkit.probes._change import gap_change
from auditkit.store import Run, read_run
from auditkit.store._run import to_jsonable

NOT_PAIRED_FINGERPRINT = (
    "not pair-tested: the runs were evaluated on different datasets (dataset fingerprints differ); "
    "differences are shown side by side without significance"
)
NOT_PAIRED_LABELS = (
    "not pair-tested: the dataset fingerprints match but the stored rows do not (different length or labels); "
    "differences are shown side by side without significance"
)
NOT_PAIRED_NO_PREDICTIONS = "not pair-tested: a run has no usable predictions table"
NOT_PAIRED_PRECISION = (
    "not pair-tested: the runs predicted at different precisions ({a} vs {b}); "
    "differences are shown side by side without significance — audit both at one --precision to test them"
)


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


def bootstrap_p_value(differences) -> float:
    """Two-sided paired-bootstrap p-value of no difference: twice the share of resamples on the far side of 0.

    ``(k + 1) / (n + 1)`` for ``k`` of ``n`` resamples, so never 0; below alpha about when the percentile
    interval at ``1 - alpha`` excludes 0.
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if not len(d):
        return 1.0
    far = min(int(np.sum(d <= 0)), int(np.sum(d >= 0)))
    return float(min(1.0, 2 * (far + 1) / (len(d) + 1)))


def paired_bootstrap(y, pred_a, pred_b, k: int, *, n_boot: int = 1000, seed: int = 0,
                     alpha: float = 0.05) -> dict:
    """Paired percentile-bootstrap CIs of B − A for macro-F1 and each class's recall.

    Both models are scored on the same resampled rows. A resample is drawn
    as counts of each (true, A's prediction, B's prediction) cell
    (:func:`auditkit.metrics._bootstrap.resample_counts`), so the cost does not grow
    with the number of rows; each resample's scores are scikit-learn's on
    those rows (:func:`auditkit.metrics._classification.scores_from_confusion`). Macro-F1
    averages over the classes each run's own audit averaged over (those in
    the data or predicted), so the point difference equals the difference of
    the two stored macro-F1s.
    """
    from auditkit.metrics._bootstrap import percentile_interval, resample_counts
    from auditkit.metrics._classification import scores_from_confusion

    y, pa, pb = (np.asarray(v, dtype=np.int64) for v in (y, pred_a, pred_b))
    classes = list(range(k))
    macro_a = sorted(set(y.tolist()) | set(pa.tolist()))
    macro_b = sorted(set(y.tolist()) | set(pb.tolist()))

    def differences(cells: np.ndarray) -> dict[str, np.ndarray]:
        """B − A per resample from joint counts of shape (..., k, k, k) = (true, A, B)."""
        a = scores_from_confusion(cells.sum(axis=-1), labels=classes)
        b = scores_from_confusion(cells.sum(axis=-2), labels=classes)
        out = {"macro_f1": b["f1"][..., macro_b].mean(axis=-1) - a["f1"][..., macro_a].mean(axis=-1)}
        out.update({f"recall{j}": b["recall"][..., j] - a["recall"][..., j] for j in classes})
        return out

    codes = (y * k + pa) * k + pb
    point = {name: float(v) for name, v in differences(np.bincount(codes, minlength=k**3).reshape(k, k, k)).items()}
    resampled = differences(resample_counts(codes, n_cells=k**3, n_boot=n_boot, seed=seed).reshape(n_boot, k, k, k))
    intervals = {name: tuple(float(x) for x in percentile_interval(v, confidence_level=1 - alpha))
                 for name, v in resampled.items()}
    support = np.bincount(y, minlength=k)

    def summary(name: str, defined: bool = True) -> dict:
        if not defined:  # a class absent from the data has no recall
            return {"diff": None, "ci_low": None, "ci_high": None, "significant": None, "p_value": None}
        lo, hi = intervals[name]
        return {"diff": point[name], "ci_low": lo, "ci_high": hi, "significant": bool(lo > 0 or hi < 0),
                "p_value": bootstrap_p_value(resampled[name])}

    return {"macro_f1": summary("macro_f1"), "recall": [summary(f"recall{j}", support[j] > 0) for j in classes]}


def paired_multilabel_bootstrap(y, pred_a, pred_b, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> dict:
    """Paired percentile-bootstrap CIs of B − A for the multi-label headline metrics and each label's recall.

    Both models' 0/1 decisions are scored on the same resampled rows. A
    resample is drawn as counts of each distinct (true, A's, B's labels)
    pattern (:func:`auditkit.metrics._multilabel_resample.resample_multilabel_scores`), so the cost
    grows with the number of patterns, not of rows; each resample's scores are
    scikit-learn's on those rows, as in the runs' own audits, so the point
    differences equal the differences of the two stored metrics.

    Parameters
    ----------
    y, pred_a, pred_b : array-like of int, shape (n, n_labels)
        True labels and the two runs' decisions on the same rows.
    n_boot : int, default 1000
    seed : int, default 0
    alpha : float, default 0.05
        The intervals are at 1 − alpha.

    Returns
    -------
    dict
        ``{metric: {diff, ci_low, ci_high, significant}}`` for each of
        :data:`auditkit.metrics._multilabel.MULTILABEL_HEADLINE_METRICS`, and ``recall``:
        one such dict per label (all None for a label absent from the data).
    """
    from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS
    from auditkit.metrics._bootstrap import percentile_interval
    from auditkit.metrics._multilabel_resample import resample_multilabel_scores

    (obs_a, obs_b), (res_a, res_b) = resample_multilabel_scores(y, pred_a, pred_b, n_boot=n_boot, seed=seed)

    def summary(point, samples) -> dict:
        lo, hi = (float(v) for v in percentile_interval(samples, confidence_level=1 - alpha))
        return {"diff": float(point), "ci_low": lo, "ci_high": hi, "significant": bool(lo > 0 or hi < 0),
                "p_value": bootstrap_p_value(samples)}

    out = {m: summary(obs_b[m] - obs_a[m], res_b[m] - res_a[m]) for m in MULTILABEL_HEADLINE_METRICS}
    undefined = {"diff": None, "ci_low": None, "ci_high": None, "significant": None, "p_value": None}  # no support
    support = np.asarray(y).sum(axis=0)
    out["recall"] = [summary(obs_b["recall"][k] - obs_a["recall"][k], res_b["recall"][:, k] - res_a["recall"][:, k])
                     if support[k] > 0 else dict(undefined) for k in range(len(support))]
    return out


def _bias_change(run_a: Run, run_b: Run, attribute: str, groups, *, cls: str | None, alpha: float) -> dict | None:
    """Paired change of an attribute's gap (of class ``cls``) on the probe sentences both runs scored."""
    table_a, table_b = _scores_of(run_a, attribute, cls), _scores_of(run_b, attribute, cls)
    if table_a is None or table_b is None:
        return None
    return gap_change(table_a, table_b, attribute=attribute, groups=tuple(groups), confidence_level=1 - alpha)


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
        One row per (attribute, class, run): gap, CI (and what it is), the
        run's verdict, and the change from the reference: the signed change
        with the t interval and p-value of its crossed test, and the |gap|
        change's test (p-value, Holm-adjusted p-value, direction).
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
    # runs written before --precision existed predicted in fp32; a model auditkit does not run itself (an endpoint,
    # a scikit-learn pipeline) records none, and is paired with any: the same rows and labels are what pairing needs
    pa_, pb_ = ((r.record.get("model") or {}).get("precision", "fp32") for r in (a, b))
    if pa_ is not None and pb_ is not None and pa_ != pb_:
        return None, NOT_PAIRED_PRECISION.format(a=pa_, b=pb_)
    arr_a, arr_b = ((S.multilabel_arrays(a), S.multilabel_arrays(b)) if S.multi_label(a)
                    else (S.predictions_arrays(a), S.predictions_arrays(b)))
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
        Significance level. Class recall and bias-gap changes are
        Holm-corrected (across classes; across attributes and classes); the
        headline metrics' tests are not corrected across metrics.

    Examples
    --------
    >>> cmp = compare_runs(["runs/baseline", "runs/augmented"])  # doctest: +SKIP
    >>> print("\\n".join(cmp.summary_lines))                        # doctest: +SKIP
    """
    runs = [_as_run(r) for r in runs]
    if len(runs) < 2:
        raise ConfigError(f"compare needs at least two runs, got {len(runs)}")
    check_option("alpha", alpha)
    check_option("n_boot", n_boot, bound="paired_n_boot")
    check_option("seed", seed)
    names = _unique_names(runs)
    ref, ref_name = runs[0], names[0]
    multi = S.multi_label(ref)
    mixed = [r.name for r in runs if S.multi_label(r) != multi]
    if mixed:
        raise ConfigError(f"cannot compare multi-label and single-label runs: {mixed[0]!r} is "
                          f"{'single' if multi else 'multi'}-label but the reference {ref.name!r} is not; compare runs of one kind")
    metric_rows, bias_rows, share_rows = _reference_rows(ref, ref_name)
    pairs, summary = [], []
    for other, name in zip(runs[1:], names[1:]):
        paired, note = _pairable(ref, other)
        pair = {"reference": ref_name, "run": name, "paired": paired is not None, "note": note}
        boot = None
        if paired is not None and multi:
            y, pa, pb, _ = paired
            pair["mcnemar_labels"] = _label_mcnemar(*paired)
            boot = paired_multilabel_bootstrap(y, pa, pb, n_boot=n_boot, seed=seed, alpha=alpha)
        elif paired is not None:
            y, pa, pb, labs = paired
            pair["mcnemar"] = mcnemar_exact(pa == y, pb == y)
            boot = paired_bootstrap(y, pa, pb, len(labs), n_boot=n_boot, seed=seed, alpha=alpha)
        pairs.append(pair)
        if note:
            summary.append(f"{name} vs {ref_name}: {note}.")
        metric_rows += _metric_rows(ref, other, name, ref_name, pair=pair, boot=boot, alpha=alpha, summary=summary)
        if paired is not None and multi:
            metric_rows += _label_accuracy_rows(paired, pair["mcnemar_labels"], name, ref_name, alpha=alpha, summary=summary)
        metric_rows += _recall_rows(ref, other, name, ref_name, boot=boot, alpha=alpha, summary=summary)
        bias_rows += _bias_rows(ref, other, name, ref_name, alpha=alpha, summary=summary)
        share_rows.append(_share_row(ref, other, name, ref_name, summary=summary))

    metrics = pd.DataFrame(metric_rows)
    for col in ("test", "p_value", "diff_ci_low", "diff_ci_high", "significant"):
        if col not in metrics:
            metrics[col] = None
    bias = pd.DataFrame(bias_rows, columns=_BIAS_COLUMNS) if bias_rows else pd.DataFrame(columns=_BIAS_COLUMNS)
    return Comparison(runs=names, metrics=metrics, bias=bias, identity_share=pd.DataFrame(share_rows),
                      pairs=pairs, summary_lines=summary, alpha=alpha, n_boot=n_boot, seed=seed,
                      records=[r.record for r in runs])


def _reference_rows(ref: Run, ref_name: str) -> tuple[list[dict], list[dict], list[dict]]:
    """The reference run's metric, bias and identity-share rows (no differences)."""
    metric_rows = [{"metric": m, "run": ref_name, **S.metric(ref, m), "diff": None} for m in S.headline_metrics(ref)]
    for label, pc in _per_score(ref).items():
        metric_rows.append({"metric": f"recall[{label}]", "run": ref_name, "value": S.finite(pc.get("recall")),
                            "ci_low": None, "ci_high": None, "diff": None})
    bias_rows = []
    for attr, entry in S.bias_attributes(ref).items():
        per_class = {cls: attrs[attr] for cls, attrs in S.bias_classes(ref).items() if attr in attrs}
        bias_rows += ([_bias_row(attr, ref_name, e, cls=cls) for cls, e in per_class.items()] if per_class
                      else [_bias_row(attr, ref_name, entry, cls=entry.get("headline_class"))])
    share_rows = [{"run": ref_name, "identity_share": _identity_share(ref), "diff": None}]
    return metric_rows, bias_rows, share_rows


def _metric_rows(ref: Run, other: Run, name: str, ref_name: str, *, pair: dict, boot: dict | None, alpha: float,
                 summary: list[str]) -> list[dict]:
    """Headline metrics of ``other`` against the reference: McNemar on accuracy, the paired bootstrap on the metrics
    ``boot`` holds (macro-F1; every headline metric of a multi-label run)."""
    rows = []
    for m in S.headline_metrics(ref):
        va, vb = S.metric(ref, m), S.metric(other, m)
        diff = None if va["value"] is None or vb["value"] is None else vb["value"] - va["value"]
        row = {"metric": m, "run": name, **vb, "diff": diff, "test": None, "p_value": None,
               "diff_ci_low": None, "diff_ci_high": None, "significant": None}
        if pair["paired"] and m == "accuracy":
            row.update(test="McNemar exact", p_value=pair["mcnemar"]["p_value"],
                       significant=pair["mcnemar"]["p_value"] < alpha)
        if boot is not None and m in boot:
            mf = boot[m]
            row.update(test="paired bootstrap", diff_ci_low=mf["ci_low"], diff_ci_high=mf["ci_high"],
                       significant=mf["significant"])
        rows.append(row)
        if m in ("accuracy", "macro_f1", "micro_f1"):
            summary.append(_metric_sentence(m.replace("_f1", "-F1"), name, ref_name, row, boot is not None, alpha))
    return rows


def _recall_rows(ref: Run, other: Run, name: str, ref_name: str, *, boot: dict | None, alpha: float,
                 summary: list[str]) -> list[dict]:
    """Each class's recall of ``other`` against the reference: its paired bootstrap interval and p-value when paired,
    the p-values Holm-corrected across the classes (a run has as many recall tests as classes)."""
    ref_pc, other_pc = _per_score(ref), _per_score(other)
    rows, tested = [], []
    for j, label in enumerate(S.labels(ref)):
        if label not in other_pc and label not in ref_pc:
            continue
        va = S.finite((ref_pc.get(label) or {}).get("recall"))
        vb = S.finite((other_pc.get(label) or {}).get("recall"))
        row = {"metric": f"recall[{label}]", "run": name, "value": vb, "ci_low": None, "ci_high": None,
               "diff": None if va is None or vb is None else vb - va, "test": None, "p_value": None,
               "diff_ci_low": None, "diff_ci_high": None, "significant": None}
        if boot is not None and j < len(boot["recall"]) and boot["recall"][j]["p_value"] is not None:
            r = boot["recall"][j]
            row.update(test="paired bootstrap, Holm across classes", diff_ci_low=r["ci_low"], diff_ci_high=r["ci_high"])
            tested.append((row, r["p_value"], label))
        rows.append(row)
    for (row, _, label), p_holm in zip(tested, holm_correction([p for _, p, _ in tested])):
        row.update(p_value=float(p_holm), significant=bool(p_holm < alpha))
        if row["significant"]:
            summary.append(_metric_sentence(f"recall of {label!r}", name, ref_name, row, True, alpha,
                                            test="paired bootstrap p (Holm across classes)"))
    return rows


def _scores_of(run: Run, attribute: str, cls: str | None) -> pd.DataFrame | None:
    """``run``'s probes table with class ``cls``'s probability as its ``score``; None when the run did not store it.

    Probe tables store every class's probability (``prob_<class>``) beside the score; older runs store only the
    class their ``score`` is (a per-class run's headline class, or the one target label).
    """
    if not run.has_table("probes"):
        return None
    table = run.table("probes")
    if cls is None or cls == S.scored_class(run, attribute):
        return table
    column = f"prob_{cls}"
    return table.assign(score=table[column]) if column in table else None


def _entry_of(run: Run, attribute: str, cls: str | None) -> dict | None:
    """``run``'s bias entry of ``attribute`` for class ``cls`` (its one entry for None); None when it has none."""
    per_class = S.bias_classes(run)
    if per_class:
        return (per_class.get(cls) or {}).get(attribute) if cls is not None else S.bias_attributes(run).get(attribute)
    entry = S.bias_attributes(run).get(attribute)
    return entry if cls is None or cls == S.scored_class(run, attribute) else None


def _bias_rows(ref: Run, other: Run, name: str, ref_name: str, *, alpha: float, summary: list[str]) -> list[dict]:
    """Each probed attribute (and, in per-class runs, each class) of ``other``: its gap and the paired change from
    the reference's, the |gap| change tested with Holm's correction across every attribute and class."""
    ref_attrs, other_attrs = S.bias_attributes(ref), S.bias_attributes(other)
    rows, sentences = [], []
    for attr, entry in other_attrs.items():
        base = ref_attrs.get(attr)
        per_class = "headline_class" in entry or (base is not None and "headline_class" in base)
        if base is None:
            rows.append(_bias_row(attr, name, entry, cls=entry.get("headline_class")))
            continue
        # every class the reference probed (its one target label when it probed one); the class is named when
        # either run probed every class
        for cls in list(S.bias_classes(ref)) or [S.scored_class(ref, attr)]:
            shown = cls if per_class else None
            base_e, own = _entry_of(ref, attr, cls), _entry_of(other, attr, cls)
            if own is None:
                if cls == S.scored_class(ref, attr):
                    rows.append({**_bias_row(attr, name, entry, cls=shown),
                                 "diff_method": f"not compared: {name} has no gap for {cls!r}"})
                continue
            row = _bias_row(attr, name, own, cls=shown)
            ga, gb = S.finite(base_e.get("gap")), row["gap"]
            if ga is not None and gb is not None:
                row["diff"], row["abs_diff"] = gb - ga, abs(gb) - abs(ga)
                change = _bias_change(ref, other, attr, S.gap_groups(own), cls=cls, alpha=alpha)
                if change is not None:
                    row.update({k: change[k] for k in ("diff_ci_low", "diff_ci_high", "diff_p_value", "abs_diff_p_value",
                                                       "abs_diff_direction")}, diff_method=change["method"])
                elif _scores_of(ref, attr, cls) is None or _scores_of(other, attr, cls) is None:
                    row["diff_method"] = (f"not tested: the runs' probe tables do not both hold {cls!r}'s scores "
                                          "(older runs store only each attribute's headline class)")
                else:
                    row["diff_method"] = "not tested: the runs share no probe sentences of this attribute"
                sentences.append((row, attr if shown is None else f"{attr} (on {cls})", ga))
            rows.append(row)
    tested = [r for r in rows if r.get("abs_diff_p_value") is not None]
    for row, p_holm in zip(tested, holm_correction([r["abs_diff_p_value"] for r in tested])):
        row["abs_diff_p_value_holm"] = float(p_holm)
        row["diff_significant"] = bool(p_holm < alpha)
    for row, label, ga in sentences:
        summary.append(_bias_sentence(label, name, ref_name, ga, row, alpha=alpha, n_tests=len(tested)))
    for attr in ref_attrs:
        if attr not in other_attrs:
            summary.append(f"{name}: the {attr} probe was not run, so its bias cannot be compared with {ref_name}.")
    return rows


def _identity_share(run: Run) -> float | None:
    return S.finite((S.section(run, "attributions") or {}).get("identity_share"))


def _share_row(ref: Run, other: Run, name: str, ref_name: str, *, summary: list[str]) -> dict:
    """``other``'s identity share beside the reference's (descriptive, not tested)."""
    share_a, share_b = _identity_share(ref), _identity_share(other)
    if share_a is not None and share_b is not None:
        word = "less than" if share_b < share_a else "more than" if share_b > share_a else "the same as"
        summary.append(f"{name} puts {share_b:.1%} of its attribution on identity words "
                       f"({word} {ref_name}'s {share_a:.1%}; descriptive, not tested).")
    return {"run": name, "identity_share": share_b,
            "diff": None if share_a is None or share_b is None else share_b - share_a}


_BIAS_COLUMNS = ["attribute", "run", "gap", "ci_low", "ci_high", "ci_kind", "p_value_holm", "verdict", "flip_rate",
                 "ctf_gap", "n_rows", "diff", "abs_diff", "diff_ci_low", "diff_ci_high", "diff_p_value",
                 "abs_diff_p_value", "abs_diff_p_value_holm", "abs_diff_direction", "diff_significant", "diff_method",
                 "class"]


def _bias_row(attr: str, name: str, entry: dict, *, cls: str | None = None) -> dict:
    """``cls``: in a per-class run, the class whose gap this is (None for a run with one target label)."""
    row = dict.fromkeys(_BIAS_COLUMNS)
    row.update(attribute=attr, run=name, **{"class": cls})
    for key in ("gap", "ci_low", "ci_high", "flip_rate", "ctf_gap", "p_value_holm"):
        row[key] = S.finite(entry.get(key))
    row["verdict"], row["ci_kind"] = entry["verdict"], entry["ci_kind"]
    row["n_rows"] = entry["n_rows"]
    return row


def _unique_names(runs: list[Run]) -> list[str]:
    names, seen = [], {}
    for r in runs:
        n = r.name
        seen[n] = seen.get(n, 0) + 1
        names.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return names


def _per_score(run: Run) -> dict[str, dict]:
    """Recall and the other scores per class, or per label of a multi-label run."""
    return S.per_label(run) if S.multi_label(run) else S.per_class(run)


def _label_mcnemar(y, pred_a, pred_b, labels) -> dict[str, dict]:
    """McNemar's exact test on each label's decisions (0/1 matrices), with ``p_value_holm`` across the labels."""
    tests = [mcnemar_exact(pred_a[:, k] == y[:, k], pred_b[:, k] == y[:, k]) for k in range(len(labels))]
    for test, p_holm in zip(tests, holm_correction([t["p_value"] for t in tests])):
        test["p_value_holm"] = float(p_holm)
    return dict(zip(labels, tests))


def _label_accuracy_rows(paired, tests: dict[str, dict], name: str, ref_name: str, *, alpha: float,
                         summary: list[str]) -> list[dict]:
    """The share of right decisions on each label of a multi-label run, tested per label (Holm across labels)."""
    y, pa, pb, labels = paired
    rows = []
    for k, label in enumerate(labels):
        va, vb = (float((arr[:, k] == y[:, k]).mean()) for arr in (pa, pb))
        p_holm = tests[label]["p_value_holm"]
        row = {"metric": f"label_accuracy[{label}]", "run": name, "value": vb, "ci_low": None, "ci_high": None,
               "diff": vb - va, "test": "McNemar exact, Holm across labels", "p_value": p_holm,
               "diff_ci_low": None, "diff_ci_high": None, "significant": p_holm < alpha}
        rows.append(row)
        summary.append(_metric_sentence(f"the decisions on {label!r}", name, ref_name, row, True, alpha,
                                        test="McNemar exact p (Holm across labels)"))
    return rows


def _metric_sentence(label, name, ref_name, row, tested, alpha, *, test: str = "McNemar exact p") -> str:
    diff = row.get("diff")
    if diff is None:
        return f"{name}: {label} is not measured in one of the runs."
    direction = "improved" if diff > 0 else "worsened" if diff < 0 else "did not change"
    base = f"{name}: {label} {direction} by {number(abs(diff))} vs {ref_name}" if diff else f"{name}: {label} did not change vs {ref_name}"
    if not tested:
        return base + " (not tested)."
    if row.get("p_value") is not None:
        verdict = "significant" if row["significant"] else "not significant"
        return base + f" — {verdict} ({test} = {p_value(row['p_value'])}, α = {alpha})."
    if row.get("diff_ci_low") is not None:
        verdict = "significant" if row["significant"] else "not significant"
        return base + (f" — {verdict} (paired bootstrap {1 - alpha:.0%} CI of the difference "
                       f"[{number(row['diff_ci_low'], signed=True)}, {number(row['diff_ci_high'], signed=True)}]).")
    return base + "."


def _bias_sentence(attr, name, ref_name, gap_ref, row, *, alpha: float, n_tests: int) -> str:
    gb = row["gap"]
    smaller = abs(gb) < abs(gap_ref)
    change = "shrank" if smaller else "grew" if abs(gb) > abs(gap_ref) else "stayed"
    text = f"{name}: the {attr} gap {change} from {number(gap_ref, signed=True)} to {number(gb, signed=True)} (|gap| {'−' if smaller else '+'}{number(abs(abs(gb) - abs(gap_ref)))})"
    if row.get("abs_diff_p_value_holm") is not None:
        sig = row["diff_significant"]
        verdict = (f"significant: |gap| {row['abs_diff_direction']}" if sig else "not significant")
        text += (f" — {verdict} (|gap| change test p = {p_value(row['abs_diff_p_value_holm'])}, Holm across "
                 f"{n_tests} attribute{'s' if n_tests != 1 else ''} and classes, α = {alpha}; signed change "
                 f"{number(row['diff'], signed=True)}, {1 - alpha:.0%} CI [{number(row['diff_ci_low'], signed=True)}, "
                 f"{number(row['diff_ci_high'], signed=True)}])")
    else:
        text += f" — not tested ({row.get('diff_method') or 'the runs share no probe sentences'})"
    text += f"; {name}'s own verdict: {format_verdict(row['verdict'])}"
    return text + "."
