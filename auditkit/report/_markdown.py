"""Markdown rendering of :func:`report_data` — the same findings as tables."""

from __future__ import annotations

import html

NOT_MEASURED = "_not measured_"


def fmt_num(value: float, *, signed: bool = False) -> str:
    """Three decimals; values too small to show that way in scientific notation (a 3e-05 gap is not 0.000)."""
    if value != 0 and abs(value) < 0.0005:
        return f"{value:+.2e}" if signed else f"{value:.2e}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def pval(value):
    """p-values keep three significant digits (1.2e-06, not 0.000)."""
    return None if value is None else f"{value:.3g}"


def share_rows(att: dict) -> list[tuple]:
    """(attribute, group, share) rows from ``identity_share_by_group`` (nested or flat)."""
    rows = []
    for key, value in (att.get("identity_share_by_group") or {}).items():
        if isinstance(value, dict):
            rows += [(key, g, v) for g, v in value.items()]
        else:
            rows.append(("", key, value))
    return rows


def top_word_rows(att: dict, k: int = 10) -> list[tuple]:
    """(class, "word (+0.12), ...") from ``top_words`` ({class: [[word, mean, count], ...]})."""
    rows = []
    top = att.get("top_words") or {}
    if not isinstance(top, dict):
        return rows
    for cls, words in top.items():
        items = list(words.items()) if isinstance(words, dict) else list(words or [])
        shown = []
        for item in items[:k]:
            if isinstance(item, (list, tuple)) and len(item) >= 2 and isinstance(item[1], (int, float)):
                shown.append(f"{item[0]} ({fmt_num(float(item[1]), signed=True)})")
            elif isinstance(item, dict):
                shown.append(f"{item.get('word')} ({float(item.get('score', item.get('mean', 0)) or 0):+.2f})")
            else:
                shown.append(str(item[0] if isinstance(item, (list, tuple)) and item else item))
        rows.append((cls, ", ".join(shown)))
    return rows


def attribute_label(attribute: str, entry: dict) -> str:
    """``gender`` or, for a per-class probe run, ``gender (on anger)``."""
    return attribute if entry.get("class") is None else f"{attribute} (on {entry['class']})"


def class_table(bias: dict) -> tuple[tuple, list]:
    """(header, rows) of the class x attribute probe results."""
    header = ("class", "attribute", "gap", "CI low", "CI high", p_header(bias), "significant", "flip rate", "pairs")
    return header, [(r["class"], r["attribute"], r["gap"], r["ci_low"], r["ci_high"], pval(r["p_value"]), r["significant"],
                     r["flip_rate"], r["n_pairs"]) for r in bias["classes"]]


def bias_auc_table(bias: dict) -> tuple[tuple, list]:
    """(header, rows) of the Jigsaw bias AUCs, each label's power means last."""
    header = ("label", "group column", "identity", "n", "small", "subgroup AUC", "BPSN AUC", "BNSP AUC")
    return header, [(r["label"], r["column"], r["group"], r["n"], r["small"], r["subgroup_auc"], r["bpsn_auc"], r["bnsp_auc"])
                    for r in bias["bias_auc"]]


def p_header(bias: dict) -> str:
    return "p (Holm)" if str(bias.get("correction") or "").startswith("holm") else "p"


def cell(value) -> str:
    """A Markdown table cell: HTML-escaped (Markdown renders inline HTML), pipes and newlines neutralised."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt_num(value)
    text = html.escape(str(value), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")
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
    """Markdown report of one run."""
    L = [f"<!-- {data['generator']} -->", f"# Audit report: {cell(data['run']['name'])}", "",
         f"Model **{cell(data['model'].get('name'))}** on **{cell(data['dataset'].get('source'))}** "
         f"({cell(data['dataset'].get('n_examples'))} examples), run {cell(data['run']['run_id'])} "
         f"created {cell(data['run']['created_at'])}.", ""]
    L += ["## Verdict", ""] + [f"- {cell(h)}" for h in data["verdict"]["highlights"]] + [""]
    L += _gate_lines(data["verdict"]["gate"])

    m = data["metrics"]
    L += ["## Metrics", ""]
    L += table(("metric", "value", "95% CI low", "95% CI high"),
               [(k, m[k]["value"], m[k]["ci_low"], m[k]["ci_high"]) for k in data["metric_names"]])
    if not data["multi_label"]:  # a multi-label run has them per label
        L += [f"ROC-AUC: {cell(m.get('roc_auc'))} · ECE: {cell(m.get('ece'))}", ""]

    L += ["## Confusion matrix", ""]
    cm = data.get("confusion_matrix") or {}
    if cm.get("matrix"):
        L += table(["true \\ predicted"] + list(cm["labels"]), [[lab] + list(row) for lab, row in zip(cm["labels"], cm["matrix"])])
    else:
        L += [NOT_MEASURED, ""]

    L += ["## Per-label scores" if data["multi_label"] else "## Per-class scores", ""]
    pc = data.get("per_class") or {}
    cols = data["per_class_columns"]
    L += table(["label" if data["multi_label"] else "class", *cols],
               [(lab, *(v.get(c) for c in cols)) for lab, v in pc.items()]) if pc else [NOT_MEASURED, ""]

    L += ["## Calibration", ""]
    cal = data.get("calibration") or {}
    if cal.get("bins"):
        L += table(("bin", "count", "mean confidence", "accuracy"),
                   [(f"{b['lower']:.2f}–{b['upper']:.2f}", b.get("count"), b.get("confidence"), b.get("accuracy")) for b in cal["bins"]])
    else:
        L += [NOT_MEASURED, ""]

    L += ["## Slices and observed-group fairness", ""]
    if data.get("slices"):
        for col, groups in data["slices"].items():
            L += [f"### By {cell(col)}", ""]
            L += table(["group", *data["slice_columns"]],
                       [(g, *(v.get(c) for c in data["slice_columns"])) for g, v in groups.items() if isinstance(v, dict)])
    else:
        L += ["Slices: " + NOT_MEASURED + " (no group columns).", ""]
    obs = (data.get("bias") or {}).get("observed_groups")
    if obs:
        for col, entry in obs.items():
            if not isinstance(entry, dict):
                continue
            scalars = [(k, v) for k, v in entry.items() if not isinstance(v, (dict, list))]
            if scalars:
                L += [f"### Fairness by {cell(col)}", ""] + table(("measure", "value"), scalars)
            per_group = entry.get("groups") if isinstance(entry.get("groups"), dict) else None
            if per_group:
                cols = sorted({k for v in per_group.values() if isinstance(v, dict) for k in v})
                L += table(["group"] + cols, [[g] + [v.get(c) for c in cols] for g, v in per_group.items() if isinstance(v, dict)])
    else:
        L += ["Observed-group fairness: " + NOT_MEASURED + ".", ""]

    L += ["## Bias probes", ""]
    bias = data.get("bias")
    if not bias or not bias.get("attributes"):
        L += ["Bias probes: " + NOT_MEASURED + " (audit run without probes).", ""]
    else:
        if bias.get("target_label") is not None:
            L += [f"Score: probability of **{cell(bias.get('target_label'))}**.", ""]
        else:
            L += ["Score: probability of each class in turn; each attribute's row is its headline class "
                  "(the largest |gap| among findings, else the largest |gap|).", ""]
        L += table(("attribute", "gap", "definition", "95% CI low", "95% CI high", p_header(bias), "significant", "flip rate", "CTF gap", "pairs"),
                   [(attribute_label(a, e), e["gap"], e["gap_definition"], e["ci_low"], e["ci_high"], pval(e["p_value"]), e["significant"],
                     e["flip_rate"], e["ctf_gap"], e["n_pairs"]) for a, e in bias["attributes"].items()])
        if bias.get("classes"):
            L += ["### Every class", ""]
            L += table(*class_table(bias))
        if bias.get("bias_auc"):
            L += ["### Bias AUCs (subgroup, BPSN, BNSP) per label and identity", ""]
            L += table(*bias_auc_table(bias))
        for attr, e in bias["attributes"].items():
            L += [f"### {cell(attr)}", ""]
            L += table(("group", "mean score", "CI low", "CI high"), [(g["group"], g["mean"], g["ci_low"], g["ci_high"]) for g in e["group_means"]])
            if e["families"]:
                L += table(("family", "gap", "CI low", "CI high", p_header(bias), "significant", "flip rate", "pairs"),
                           [(f, v["gap"], v["ci_low"], v["ci_high"], pval(v["p_value"]), v["significant"], v["flip_rate"], v["n_pairs"])
                            for f, v in e["families"].items()])
            d = e.get("paired_differences")
            if d:
                L += [f"Paired differences ({cell(e['gap_definition'])}): n = {d['n']}, mean {fmt_num(d['mean'], signed=True)}, "
                      f"median {fmt_num(d['median'], signed=True)}, range {fmt_num(d['min'], signed=True)} to "
                      f"{fmt_num(d['max'], signed=True)}.", ""]
            if e["worst_pairs"]:
                L += ["Worst pairs:", ""]
                L += table(("text A", "score A", "text B", "score B", "difference"),
                           [(p["text_a"], p["score_a"], p["text_b"], p["score_b"], p["diff"]) for p in e["worst_pairs"]])

    L += ["## Attributions", ""]
    att = data.get("attributions")
    if not att:
        L += ["Attributions: " + NOT_MEASURED + " (audit run with --attributions 0).", ""]
    else:
        L += table(("method", "examples", "identity share", "mean |convergence delta|"),
                   [(att.get("method"), att.get("n_examples"), att.get("identity_share"), att.get("mean_abs_convergence_delta"))])
        if share_rows(att):
            L += table(("attribute", "group", "identity share"), share_rows(att))
        if top_word_rows(att):
            L += table(("class", "top words (mean attribution)"), top_word_rows(att))
        for ex in att.get("examples", []):
            top = sorted(zip(ex["words"], ex["scores"]), key=lambda t: -abs(t[1]))[:5]
            L += [f"- {cell(ex['text'])} → target {cell(ex['target'])}; top words: "
                  + ", ".join(f"{cell(w)} ({fmt_num(s, signed=True)})" for w, s in top)]
        if att.get("pairs"):
            L += ["", "Counterfactual pairs:", ""]
            L += table(("pair", "attribute", "side 1", "side 2"),
                       [(p["pair_id"], p["sides"][0].get("attribute"),
                         f"{p['sides'][0]['text']} [{p['sides'][0].get('group') or p['sides'][0].get('side')}]",
                         f"{p['sides'][1]['text']} [{p['sides'][1].get('group') or p['sides'][1].get('side')}]") for p in att["pairs"]])
        L += [""]

    mc = data["model_card"]
    L += ["## Model card", "", f"- **Model:** {cell(mc['model'].get('name'))} ({cell(mc['model'].get('source'))}), "
          f"labels {cell(', '.join(map(str, mc['model'].get('labels') or [])))}",
          f"- **Data:** {cell(mc['data'].get('source'))}, {cell(mc['data'].get('n_examples'))} examples, "
          f"fingerprint {cell(mc['data'].get('fingerprint'))}",
          f"- **Intended use:** {cell(mc['intended_use'])}", "- **Limitations:**"]
    L += [f"  - {cell(n)}" for n in mc["limitations"]]
    return "\n".join(L) + "\n"
