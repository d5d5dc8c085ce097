"""Markdown rendering of :func:`report_data` — the same findings as tables."""

from __future__ import annotations

import html

from auditkit._text import printable
from auditkit.probes import format_verdict
from auditkit._format import number as fmt_num
from auditkit._format import p_value as pval

NOT_MEASURED = "_not measured_"


BIAS_HEAD = ("scope", "gap", "CI low", "CI high", "CI level", "p (Holm)", "p (equivalence)", "verdict", "why",
             "rows", "templates", "flip rate", "placebo flip rate", "CTF gap")


def bias_rows(bias: dict) -> list[tuple]:
    """One row per attribute and per family: the verdict with the numbers it rests on."""
    rows = []
    for attr, e in bias["attributes"].items():
        for scope, v in [(attr, e), *((f"{attr} / {f}", fv) for f, fv in e["families"].items())]:
            rows.append((scope, v["gap"], v["ci_low"], v["ci_high"], v["ci_level"], pval(v["p_value_holm"]),
                         pval(v["p_value_equivalence"]), format_verdict(v["verdict"]), v["verdict_reason"],
                         v["n_rows"], v["n_templates"], v["flip_rate"], v["placebo_flip_rate"], v["ctf_gap"]))
    return rows


def detail_rows(e: dict) -> list[tuple]:
    """An attribute's gap by template valence and on the logit scale (descriptive, not corrected)."""
    rows = [(f"valence: {v}", d["gap"], d["ci_low"], d["ci_high"], pval(d["p_value"])) for v, d in e["by_valence"].items()]
    lg = e["logit"]
    rows.append(("logit scale", lg["gap"], lg["ci_low"], lg["ci_high"], pval(lg["p_value"])))
    return rows


DETAIL_HEAD = ("subset", "gap", "CI low", "CI high", "p (uncorrected)")

CLASS_HEAD = ("class", "attribute", "gap", "CI low", "CI high", "p (Holm)", "verdict", "why", "flip rate")


def class_rows(bias: dict) -> list[tuple]:
    """A per-class run's class x attribute table (empty for one target label)."""
    return [(r["class"], r["attribute"], r["gap"], r["ci_low"], r["ci_high"], pval(r["p_value_holm"]),
             format_verdict(r["verdict"]), r["verdict_reason"], r["flip_rate"]) for r in bias["classes"]]


def score_sentence(bias: dict, task: str = "single_label") -> str:
    """What the probe score is, as plain text (callers escape it)."""
    if bias["target_label"] is not None:
        return f"Score: probability of {bias['target_label']}."
    if task == "multi_label":
        return ("Score: the sigmoid probability of each label in turn (every label probed, a flip is a change of the "
                "label's decision at its threshold, one Holm correction across every label x attribute test); each "
                "attribute below shows its headline label.")
    return ("Score: the probability of each class in turn (every class probed, one Holm correction across every "
            "class x attribute test); each attribute below shows its headline class.")


def metric_rows(data: dict) -> list[tuple]:
    """(metric, value, CI low, CI high) of the run's headline metrics."""
    m = data["metrics"]
    return [(k, m[k]["value"], m[k]["ci_low"], m[k]["ci_high"]) for k in m if isinstance(m[k], dict) and "value" in m[k]]


LABEL_HEAD = ("label", "threshold", "precision", "recall", "f1", "support", "ROC-AUC", "ECE")


def label_rows(data: dict) -> list[tuple]:
    """A multi-label run's per-label scores."""
    return [(lab, v["threshold"], v["precision"], v["recall"], v["f1"], v["support"], v["roc_auc"], v["ece"])
            for lab, v in data["per_label"].items()]


SLICE_HEAD = {"single_label": ("accuracy", "macro_f1", "roc_auc", "ece"),
              "multi_label": ("subset_accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss")}


def slice_rows(data: dict, groups: dict) -> list[tuple]:
    """One row per group of a group column: n, small, then the task's slice metrics (``SLICE_HEAD``)."""
    return [(g, v["n"], v["small"], *(v[k] for k in SLICE_HEAD[data["task"]])) for g, v in groups.items()]


def attribute_title(attr: str, e: dict) -> str:
    """An attribute's heading: its name, and in a per-class run the class it is shown on."""
    return attr if e.get("headline_class") is None else f"{attr} (on {e['headline_class']})"

FAIRNESS_HEAD = ("measure", "value", "CI low", "CI high", "between", "fairlearn (all groups)", "left out")


def fairness_rows(entry: dict) -> list[tuple]:
    """Observed-group differences over eligible groups, their intervals, and fairlearn's raw value beside them."""
    rows = []
    for measure, ci in entry["intervals"].items():
        between = entry["between"].get(measure)
        left_out = entry["excluded_groups"].get(measure) or {}
        rows.append((measure, entry.get(measure), ci.get("ci_low"), ci.get("ci_high"),
                     " vs ".join(map(str, between)) if between else None, entry["fairlearn"].get(measure),
                     "; ".join(f"{g}: {why}" for g, why in left_out.items()) or None))
    return rows


def share_rows(att: dict) -> list[tuple]:
    """(attribute, group, share) rows from ``identity_share_by_group`` ({attribute: {group: share}})."""
    return [(attr, g, v) for attr, groups in (att["identity_share_by_group"] or {}).items() for g, v in groups.items()]


def top_word_rows(att: dict, k: int = 10) -> list[tuple]:
    """(class, "word (+0.12), ...") from ``top_words`` ({class: [[word, mean, count], ...]})."""
    return [(cls, ", ".join(f"{w} ({fmt_num(m, signed=True)})" for w, m, _ in words[:k])) for cls, words in att["top_words"].items()]


def cell(value) -> str:
    """A Markdown table cell: printable (no escape sequences, one line), HTML-escaped (Markdown renders inline HTML), pipes neutralised."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt_num(value)
    text = html.escape(printable(value), quote=False).replace("|", "\\|")
    # no links, images or code spans from data: "[x](javascript:...)" stays text
    for ch in ("`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def _gate_lines(gate: dict | None) -> list[str]:
    if gate is None:
        return ["No policy given (use `--policy POLICY.toml` for a pass/fail verdict).", ""]
    verdict = "**PASSED**" if gate["passed"] else "**FAILED**"
    lines = [f"Release gate ({cell(gate['policy'])}): {verdict}", ""]
    rows = [(c["name"], "skip" if c.get("skipped") else "pass" if c["passed"] else "FAIL",
             c["observed"], c["threshold"], c["detail"]) for c in gate["checks"]]
    return lines + table(("check", "result", "observed", "threshold", "detail"), rows)


def render_markdown(data: dict) -> str:
    """Markdown report of one run: one function per section, in report order."""
    lines = []
    for section in (_header_lines, _verdict_lines, _metrics_lines, _confusion_lines, _per_class_lines, _calibration_lines,
                    _slices_lines, _bias_lines, _attribution_lines, _model_card_lines):
        lines += section(data)
    return "\n".join(lines) + "\n"


def _header_lines(data: dict) -> list[str]:
    return [f"<!-- {data['generator']} -->", f"# Audit report: {cell(data['run']['name'])}", "",
            f"Model **{cell(data['model']['name'])}** on **{cell(data['dataset']['source'])}** "
            f"({cell(data['dataset']['n_examples'])} examples), run {cell(data['run']['run_id'])} "
            f"created {cell(data['run']['created_at'])}.", ""]


def _verdict_lines(data: dict) -> list[str]:
    return ["## Verdict", ""] + [f"- {cell(h)}" for h in data["verdict"]["highlights"]] + [""] + _gate_lines(data["verdict"]["gate"])


def _metrics_lines(data: dict) -> list[str]:
    m = data["metrics"]
    level = f"{m['bootstrap']['confidence_level']:.0%}"
    lines = ["## Metrics", ""] + table(("metric", "value", f"{level} CI low", f"{level} CI high"), metric_rows(data))
    if data["task"] == "multi_label":
        return lines + ["Multi-label: each label is decided at its threshold; subset accuracy counts examples whose whole "
                        "label set is right, Hamming loss the share of wrong label decisions (lower is better).", ""]
    return lines + [f"ROC-AUC: {cell(m['roc_auc'])} · ECE: {cell(m['ece'])}", ""]


def _confusion_lines(data: dict) -> list[str]:
    if data["task"] == "multi_label":
        return []  # per-label scores stand in for the confusion matrix
    cm = data["confusion_matrix"]
    return ["## Confusion matrix", ""] + table(["true \\ predicted"] + list(cm["labels"]),
                                               [[lab] + list(row) for lab, row in zip(cm["labels"], cm["matrix"])])


def _per_class_lines(data: dict) -> list[str]:
    if data["task"] == "multi_label":
        return ["## Per-label scores", ""] + table(LABEL_HEAD, label_rows(data))
    return ["## Per-class scores", ""] + table(("class", "precision", "recall", "f1", "support"),
                                               [(lab, v["precision"], v["recall"], v["f1"], v["support"])
                                                for lab, v in data["per_class"].items()])


def _calibration_lines(data: dict) -> list[str]:
    if data["task"] == "multi_label":
        return []  # each label's calibration error is in the per-label table
    return ["## Calibration", ""] + table(("bin", "count", "mean confidence", "accuracy"),
                                          [(f"{b['lower']:.2f}–{b['upper']:.2f}", b["count"], b["confidence"], b["accuracy"])
                                           for b in data["calibration"]["bins"]])


def _slices_lines(data: dict) -> list[str]:
    L = ["## Slices and observed-group fairness", ""]
    if data["slices"]:
        for col, groups in data["slices"].items():
            L += [f"### By {cell(col)}", ""]
            L += table(("group", "n", "small", *SLICE_HEAD[data["task"]]), slice_rows(data, groups))
    else:
        L += ["Slices: " + NOT_MEASURED + " (no group columns).", ""]
    obs = (data["bias"] or {}).get("observed_groups")
    if not obs:
        return L + ["Observed-group fairness: " + NOT_MEASURED + ".", ""]
    for col, entry in obs.items():
        L += [f"### Fairness by {cell(col)}", ""] + table(FAIRNESS_HEAD, fairness_rows(entry))
        if entry["groups"]:
            cols = list(next(iter(entry["groups"].values())))
            L += table(["group"] + cols, [[g] + [v[c] for c in cols] for g, v in entry["groups"].items()])
    return L


def _bias_lines(data: dict) -> list[str]:
    L = ["## Bias probes", ""]
    bias = data["bias"]
    if not bias or not bias["attributes"]:  # no probes (the section may hold observed groups only)
        return L + ["Bias probes: " + NOT_MEASURED + " (audit run without probes).", ""]
    if bias["target_label"] is not None:
        L += [f"Score: probability of **{cell(bias['target_label'])}**.", ""]
    else:
        L += [cell(score_sentence(bias, data["task"])), ""]
    L += table(BIAS_HEAD, bias_rows(bias))
    if bias["classes"]:
        multi = data["task"] == "multi_label"
        L += [f"### Every {'label' if multi else 'class'}", ""] + table(("label",) + CLASS_HEAD[1:] if multi else CLASS_HEAD,
                                                                         class_rows(bias))
    for attr, e in bias["attributes"].items():
        L += [f"### {cell(attribute_title(attr, e))}", ""]
        if e.get("headline_reason"):
            L += [f"Headline: {cell(e['headline_reason'])}.", ""]
        L += [f"Gap: {cell(e['gap_definition'])}." + (f" {cell(e['note'])}." if e["note"] else ""), ""]
        L += table(("group", "mean score"), [(g["group"], g["mean"]) for g in e["group_means"]])
        L += table(DETAIL_HEAD, detail_rows(e))
        d = e["paired_differences"]
        if d:
            L += [f"Paired differences ({cell(e['gap_definition'])}): n = {d['n']}, unweighted mean {fmt_num(d['mean'], signed=True)} "
                  f"(the gap above weighs families and templates equally, so it can differ), "
                  f"median {fmt_num(d['median'], signed=True)}, range {fmt_num(d['min'], signed=True)} to "
                  f"{fmt_num(d['max'], signed=True)}.", ""]
        if e["worst_pairs"]:
            L += ["Worst pairs:", ""]
            L += table(("text A", "score A", "text B", "score B", "difference"),
                       [(p["text_a"], p["score_a"], p["text_b"], p["score_b"], p["difference"]) for p in e["worst_pairs"]])
    return L


def _attribution_lines(data: dict) -> list[str]:
    L = ["## Attributions", ""]
    att = data["attributions"]
    if not att:
        return L + ["Attributions: " + NOT_MEASURED + " (audit run with --attributions 0).", ""]
    L += table(("method", "examples", "identity share", "mean |convergence delta|"),
               [(att["method"], att["n_examples"], att["identity_share"], att["mean_abs_convergence_delta"])])
    if share_rows(att):
        L += table(("attribute", "group", "identity share"), share_rows(att))
    if top_word_rows(att):
        L += table(("class", "top words (mean attribution)"), top_word_rows(att))
    for ex in att["examples"]:
        top = sorted(zip(ex["words"], ex["scores"]), key=lambda t: -abs(t[1]))[:5]
        L += [f"- {cell(ex['text'])} → target {cell(ex['target'])}; top words: "
              + ", ".join(f"{cell(w)} ({fmt_num(s, signed=True)})" for w, s in top)]
    if att["pairs"]:
        L += ["", "Counterfactual pairs:", ""]
        L += table(("pair", "attribute", "side 1", "side 2"),
                   [(p["pair_id"], p["sides"][0]["attribute"],
                     f"{p['sides'][0]['text']} [{p['sides'][0]['group']}]",
                     f"{p['sides'][1]['text']} [{p['sides'][1]['group']}]") for p in att["pairs"]])
    return L + [""]


def _model_card_lines(data: dict) -> list[str]:
    mc = data["model_card"]
    return (["## Model card", "", f"- **Model:** {cell(mc['model']['name'])} ({cell(mc['model']['source'])}), "
             f"labels {cell(', '.join(mc['model']['labels']))}",
             f"- **Data:** {cell(mc['data']['source'])}, {cell(mc['data']['n_examples'])} examples, "
             f"fingerprint {cell(mc['data']['fingerprint'])}",
             f"- **Intended use:** {cell(mc['intended_use'])}", "- **Limitations:**"]
            + [f"  - {cell(n)}" for n in mc["limitations"]])
