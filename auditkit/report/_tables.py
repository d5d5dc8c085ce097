"""The presentation core: every table a document shows, described once as (title, columns, rows).

The HTML report and comparison (Jinja2 templates) and the Markdown ones render
the same :class:`Table` objects, so the formats cannot disagree on what a
table holds; how a cell reads (a number, a p-value, "–" for not measured) is
:func:`cell_text`, built on :mod:`auditkit._format`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditkit._format import MISSING
from auditkit._format import number as fmt_num
from auditkit._format import p_value as pval
from auditkit.probes._verdict import format_verdict
from auditkit.store.sections import influence_rows

__all__ = ["Table", "Status", "cell_text", "HEADLINE", "INTERVALS_SENTENCE"]

#: How to read a bias scope's numbers, said once beside the table that shows them.
INTERVALS_SENTENCE = (
    "Verdicts: bias when |gap| is shown to exceed the minimum effect (Holm-corrected across every test of the run), "
    "no material bias when the gap is shown inside ±minimum effect (two one-sided tests), inconclusive otherwise or "
    "when leaving out one template, lexicon row or swapped term changes the verdict. CI low / CI high is the "
    "unadjusted t interval of the crossed test; the Holm-adjusted interval is the same at the level Holm's "
    "correction tested the gap at (it clears ±minimum effect exactly when the verdict is bias); the equivalence "
    "interval (1 - 2α) lies inside ±minimum effect exactly when the verdict is no material bias.")
#: The headline metrics, in the order every document lists them.
HEADLINE = ("accuracy", "macro_precision", "macro_recall", "macro_f1")


@dataclass(frozen=True)
class Status:
    """A pass / FAIL / skip cell: ``kind`` ("pass", "fail", "skip") styles it in HTML."""

    text: str
    kind: str

    @classmethod
    def of_check(cls, check: dict) -> "Status":
        if check.get("inconclusive"):  # never a pass; the policy says whether it blocks
            return cls("INCONCLUSIVE" + ("" if check["passed"] else " (blocks)"), "skip" if check["passed"] else "fail")
        if check.get("skipped"):
            return cls("skip", "skip")
        return cls("PASS", "pass") if check["passed"] else cls("FAIL", "fail")


@dataclass(frozen=True)
class Table:
    """One table: an optional title, column headers and rows of plain values (str, int, float, bool, None, Status)."""

    title: str | None
    columns: tuple
    rows: list = field(default_factory=list)


def cell_text(value) -> str:
    """How a non-text cell reads in every format; text is returned as is (each renderer escapes it)."""
    if value is None:
        return MISSING
    if isinstance(value, Status):
        return value.text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt_num(value)
    return str(value)


# ---------------------------------------------------------------- one run's report (from report_data)

def metrics_table(data: dict) -> Table:
    m = data["metrics"]
    level = f"{m['bootstrap']['confidence_level']:.0%}"
    # the run's headline metrics (HEADLINE, or the multi-label ones): every {value, ci_low, ci_high} entry, in order
    return Table(None, ("metric", "value", f"{level} CI low", f"{level} CI high"),
                 [(k, m[k]["value"], m[k]["ci_low"], m[k]["ci_high"]) for k in m if isinstance(m[k], dict) and "value" in m[k]])


#: What a multi-label run's headline metrics mean (shown under the metrics table).
MULTI_LABEL_NOTE = ("Multi-label: each label is decided at its threshold; subset accuracy counts examples whose "
                    "whole label set is right, Hamming loss the share of wrong label decisions (lower is better).")


def confusion_table(data: dict) -> Table:
    cm = data["confusion_matrix"]
    return Table(None, ("true \\ predicted", *cm["labels"]), [(lab, *row) for lab, row in zip(cm["labels"], cm["matrix"])])


def per_class_table(data: dict) -> Table:
    if data["task"] == "multi_label":
        return Table(None, ("label", "threshold", "precision", "recall", "f1", "support", "ROC-AUC", "ECE"),
                     [(lab, v["threshold"], v["precision"], v["recall"], v["f1"], v["support"], v["roc_auc"], v["ece"])
                      for lab, v in data["per_label"].items()])
    return Table(None, ("class", "precision", "recall", "f1", "support"),
                 [(lab, v["precision"], v["recall"], v["f1"], v["support"]) for lab, v in data["per_class"].items()])


def calibration_table(data: dict) -> Table:
    return Table(None, ("bin", "count", "mean confidence", "accuracy"),
                 [(f"{fmt_num(b['lower'], digits=2)}–{fmt_num(b['upper'], digits=2)}", b["count"], b["confidence"], b["accuracy"])
                  for b in data["calibration"]["bins"]])


#: The per-group metrics of a slice table, per task.
SLICE_METRICS = {"single_label": ("accuracy", "macro_f1", "roc_auc", "ece"),
                 "multi_label": ("subset_accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss")}


def slice_table(column: str, groups: dict, task: str = "single_label") -> Table:
    names = SLICE_METRICS[task]
    return Table(f"By {column}", ("group", "n", "small", *names),
                 [(g, v["n"], v["small"], *(v[k] for k in names)) for g, v in groups.items()])


def fairness_tables(column: str, entry: dict) -> list[Table]:
    """Observed-group differences over eligible groups with their intervals and fairlearn's raw value; then per group."""
    rows = []
    for measure, ci in entry["intervals"].items():
        between = entry["between"].get(measure)
        left_out = entry["excluded_groups"].get(measure) or {}
        rows.append((measure, entry.get(measure), ci.get("ci_low"), ci.get("ci_high"),
                     " vs ".join(map(str, between)) if between else None, entry["fairlearn"].get(measure),
                     "; ".join(f"{g}: {why}" for g, why in left_out.items()) or None))
    out = [Table(f"Observed-group fairness by {column}",
                 ("measure", "value", "CI low", "CI high", "between", "fairlearn (all groups)", "left out"), rows)]
    if entry["groups"]:
        cols = list(next(iter(entry["groups"].values())))
        out.append(Table(None, ("group", *cols), [(g, *(v[c] for c in cols)) for g, v in entry["groups"].items()]))
    return out


def bias_auc_table(column: str, by_label: dict) -> Table:
    """A multi-label run's Jigsaw bias AUCs by ``column``: per label, each identity and the power mean."""
    rows = []
    for label, entry in by_label.items():
        rows += [(label, g, v["n"], v["small"], v["subgroup_auc"], v["bpsn_auc"], v["bnsp_auc"]) for g, v in entry["groups"].items()]
        pm = entry["power_mean"]
        over = entry.get("power_mean_over")  # runs written before it was recorded averaged every identity
        rows.append((label, f"power mean (p = {fmt_num(entry['p'], digits=0)}"
                            + ("" if over is None else f", over {len(over)} identities not small") + ")", None, None,
                     pm["subgroup_auc"], pm["bpsn_auc"], pm["bnsp_auc"]))
    return Table(f"Bias AUCs by {column} (Borkan et al. 2019)",
                 ("label", "identity", "n", "small", "subgroup AUC", "BPSN AUC", "BNSP AUC"), rows)


def _interval(low, high) -> str | None:
    return None if low is None or high is None else f"[{fmt_num(low, signed=True)}, {fmt_num(high, signed=True)}]"


def bias_table(bias: dict) -> Table:
    """One row per attribute and per family: the verdict with the numbers it rests on.

    Each interval is named for what it is: the t interval of the crossed test (unadjusted, at ``CI level``),
    the same at the level Holm's correction tested the gap at (it clears ±min-effect exactly when the verdict
    is bias), and the 1 - 2 alpha interval the equivalence test reads (inside ±min-effect: no material bias).
    """
    rows = []
    for attr, e in bias["attributes"].items():
        for scope, v in [(attr, e), *((f"{attr} / {f}", fv) for f, fv in e["families"].items())]:
            kind = "t" if v["ci_kind"] == "crossed_t" else "pigeonhole bootstrap"
            rows.append((scope, v["gap"], v["ci_low"], v["ci_high"], f"{v['ci_level']:.0%} {kind}",
                         _interval(v["holm_ci_low"], v["holm_ci_high"]), _interval(v["tost_low"], v["tost_high"]),
                         pval(v["p_value_holm"]), pval(v["p_value_min_effect_holm"]), pval(v["p_value_equivalence"]),
                         format_verdict(v["verdict"]), v["verdict_reason"], v["n_rows"], v["n_templates"],
                         v["flip_rate"], v["placebo_flip_rate"], v["ctf_gap"]))
    return Table(None, ("scope", "gap", "CI low", "CI high", "interval (unadjusted)", "Holm-adjusted interval",
                        "equivalence interval (1 - 2α)", "p (Holm, gap = 0)", "p (Holm, |gap| > min effect)",
                        "p (equivalence)", "verdict", "why", "rows", "templates", "flip rate", "placebo flip rate",
                        "CTF gap"), rows)


def influence_table(e: dict) -> Table | None:
    """An attribute's and its families' leave-one-out influence: the unit whose removal moves each gap most."""
    rows = [(r["scope"], r["unit"], r["key"], r["text"], r["gap"], r["gap_without"], r["gap_min"], r["gap_max"],
             format_verdict(r["verdict_without"]), r["carries"]) for r in influence_rows(e)]
    if not rows:
        return None
    return Table("Most influential template, row and term (each left out in turn)",
                 ("scope", "unit", "id", "text", "gap", "gap without it", "lowest leave-one-out gap",
                  "highest leave-one-out gap", "verdict without it", "carries the verdict"), rows)


def class_table(bias: dict, task: str = "single_label") -> Table:
    """A per-class run's class x attribute table (every label of a multi-label run; no rows for one target label)."""
    kind = "label" if task == "multi_label" else "class"
    return Table(f"Every {kind}", (kind, "attribute", "gap", "CI low", "CI high", "p (Holm)", "verdict", "why", "flip rate"),
                 [(r["class"], r["attribute"], r["gap"], r["ci_low"], r["ci_high"], pval(r["p_value_holm"]),
                   format_verdict(r["verdict"]), r["verdict_reason"], r["flip_rate"]) for r in bias["classes"]])


def score_sentence(bias: dict, task: str = "single_label") -> str:
    """What the probe score is, as plain text (renderers escape it)."""
    if bias["target_label"] is not None:
        return f"Score: probability of {bias['target_label']}."
    if task == "multi_label":
        return ("Score: the sigmoid probability of each label in turn (every label probed, a flip is a change of the "
                "label's decision at its threshold, one Holm correction across every label x attribute test); each "
                "attribute below shows its headline label.")
    return ("Score: the probability of each class in turn (every class probed, one Holm correction across every "
            "class x attribute test); each attribute below shows its headline class.")


def attribute_title(attr: str, e: dict) -> str:
    """An attribute's heading: its name, and in a per-class run the class it is shown on."""
    return attr if e.get("headline_class") is None else f"{attr} (on {e['headline_class']})"


def group_means_table(e: dict) -> Table:
    return Table(None, ("group", "mean score"), [(g["group"], g["mean"]) for g in e["group_means"]])


def detail_table(e: dict) -> Table:
    """An attribute's gap by template valence and on the logit scale (descriptive, not corrected)."""
    rows = [(f"valence: {v}", d["gap"], d["ci_low"], d["ci_high"], pval(d["p_value"])) for v, d in e["by_valence"].items()]
    lg = e["logit"]
    rows.append(("logit scale", lg["gap"], lg["ci_low"], lg["ci_high"], pval(lg["p_value"])))
    return Table(None, ("subset", "gap", "CI low", "CI high", "p (uncorrected)"), rows)


def worst_pairs_table(e: dict) -> Table:
    return Table("Worst pairs", ("text A", "score A", "text B", "score B", "difference"),
                 [(p["text_a"], p["score_a"], p["text_b"], p["score_b"], p["difference"]) for p in e["worst_pairs"]])


def attribution_tables(att: dict) -> list[Table]:
    """The method summary, identity share by group, faithfulness and top words by class (empty ones left out)."""
    out = [Table(None, ("method", "examples", "identity share", "mean |convergence delta|"),
                 [(att["method"], att["n_examples"], att["identity_share"], att["mean_abs_convergence_delta"])])]
    shares = [(attr, g, v) for attr, groups in (att["identity_share_by_group"] or {}).items() for g, v in groups.items()]
    if shares:
        out.append(Table(None, ("attribute", "group", "identity share"), shares))
    faithfulness = [(k, v) for k, v in (att["faithfulness"] or {}).items() if not isinstance(v, (dict, list))]
    if faithfulness:
        out.append(Table(None, ("faithfulness measure", "value"), faithfulness))
    top = [(cls, ", ".join(f"{w} ({fmt_num(m, signed=True)})" for w, m, _ in words[:10])) for cls, words in att["top_words"].items()]
    if top:
        out.append(Table("Top words by class", ("class", "words (mean attribution)"), top))
    return out


def gate_table(gate: dict) -> Table:
    return Table(None, ("check", "result", "observed", "threshold", "detail"),
                 [(c["name"], Status.of_check(c), c["observed"], c["threshold"], c["detail"]) for c in gate["checks"]])


def model_card_table(data: dict) -> Table:
    mc = data["model_card"]
    mod, dat = mc["model"], mc["data"]
    rows = [("model", mod["name"]), ("kind", mod["kind"]), ("source", mod["source"]),
            ("fingerprint", mod["fingerprint"])]
    if mod["kind"] == "endpoint":  # no weights to hash: the fingerprint is its answers on a fixed probe set
        rows += [("declared version", mod["version"] or "none declared")]
    rows += [("labels", ", ".join(map(str, mod["labels"]))), ("evaluation data", dat["source"]),
            ("examples", dat["n_examples"]), ("data fingerprint", dat["fingerprint"]),
            ("group columns", ", ".join(map(str, dat["group_cols"])) or "none")]
    m = data["metrics"]
    shown = ("micro_f1", "macro_f1", "subset_accuracy") if data["task"] == "multi_label" else ("accuracy", "macro_f1")
    rows += [(k, m[k]["value"]) for k in shown if m[k]["value"] is not None]
    return Table(None, ("field", "value"), rows)


# ---------------------------------------------------------------- a comparison (from Comparison.to_dict)

def comparison_tables(data: dict) -> dict[str, Table | None]:
    """The comparison's metrics, bias-gap and identity-share tables (bias None when no run has probes)."""
    metrics = Table(None, ("metric", "run", "value", "CI low", "CI high", "Δ vs ref", "test", "p", "Δ CI low", "Δ CI high",
                           "significant"),
                    [(r["metric"], r["run"], r["value"], r["ci_low"], r["ci_high"], r["diff"], r.get("test"),
                      pval(r.get("p_value")), r.get("diff_ci_low"), r.get("diff_ci_high"), r.get("significant"))
                     for r in data["metrics"]])
    bias_rows = [(r["attribute"], r.get("class"), r["run"], r["gap"], r["ci_low"], r["ci_high"],
                  (r["verdict"] or "").replace("_", " "), r["diff"], r.get("diff_ci_low"), r.get("diff_ci_high"),
                  pval(r.get("diff_p_value")), r.get("abs_diff"), pval(r.get("abs_diff_p_value_holm")),
                  r.get("abs_diff_direction"), r.get("diff_significant"))
                 for r in data["bias"]]
    bias = Table(None, ("attribute", "class", "run", "gap", "CI low", "CI high", "verdict in run", "Δ gap",
                        "Δ CI low (t)", "Δ CI high (t)", "Δ p", "Δ |gap|", "|gap| change p (Holm)", "direction",
                        "|gap| change significant"), bias_rows)
    share = Table(None, ("run", "identity share", "Δ vs ref"), [(r["run"], r["identity_share"], r["diff"]) for r in data["identity_share"]])
    return {"metrics": metrics, "bias": bias if bias_rows else None, "identity_share": share}
