"""Markdown rendering of :func:`report_data` — the same findings as tables."""

from __future__ import annotations

import html

from auditkit._text import printable

NOT_MEASURED = "_not measured_"


def fmt_num(value: float, *, signed: bool = False) -> str:
    """Three decimals; values too small to show that way in scientific notation (a 3e-05 gap is not 0.000)."""
    if value != 0 and abs(value) < 0.0005:
        return f"{value:+.2e}" if signed else f"{value:.2e}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def pval(value):
    """p-values in scientific notation, three significant digits (1.23e-06, never 0.000)."""
    return None if value is None else f"{value:.2e}"


BIAS_HEAD = ("scope", "gap", "CI low", "CI high", "CI level", "p (Holm)", "p (equivalence)", "verdict", "why",
             "rows", "templates", "flip rate", "placebo flip rate", "CTF gap")


def bias_rows(bias: dict) -> list[tuple]:
    """One row per attribute and per family: the verdict with the numbers it rests on."""
    rows = []
    for attr, e in bias["attributes"].items():
        for scope, v in [(attr, e), *((f"{attr} / {f}", fv) for f, fv in e["families"].items())]:
            rows.append((scope, v["gap"], v["ci_low"], v["ci_high"], v["ci_level"], pval(v["p_value_holm"]),
                         pval(v["p_value_equivalence"]), v["verdict"].replace("_", " "), v["verdict_reason"],
                         v["n_rows"], v["n_templates"], v["flip_rate"], v["placebo_flip_rate"], v["ctf_gap"]))
    return rows


def detail_rows(e: dict) -> list[tuple]:
    """An attribute's gap by template valence and on the logit scale (descriptive, not corrected)."""
    rows = [(f"valence: {v}", d["gap"], d["ci_low"], d["ci_high"], pval(d["p_value"])) for v, d in e["by_valence"].items()]
    lg = e["logit"]
    rows.append(("logit scale", lg["gap"], lg["ci_low"], lg["ci_high"], pval(lg["p_value"])))
    return rows


DETAIL_HEAD = ("subset", "gap", "CI low", "CI high", "p (uncorrected)")

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


def p_header(bias: dict) -> str:
    return "p (Holm)" if bias.get("correction") == "holm" else "p"


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
               [(k, m[k]["value"], m[k]["ci_low"], m[k]["ci_high"]) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")])
    L += [f"ROC-AUC: {cell(m.get('roc_auc'))} · ECE: {cell(m.get('ece'))}", ""]

    L += ["## Confusion matrix", ""]
    cm = data.get("confusion_matrix") or {}
    if cm.get("matrix"):
        L += table(["true \\ predicted"] + list(cm["labels"]), [[lab] + list(row) for lab, row in zip(cm["labels"], cm["matrix"])])
    else:
        L += [NOT_MEASURED, ""]

    L += ["## Per-class scores", ""]
    pc = data.get("per_class") or {}
    L += table(("class", "precision", "recall", "f1", "support"),
               [(lab, v.get("precision"), v.get("recall"), v.get("f1"), v.get("support")) for lab, v in pc.items()]) if pc else [NOT_MEASURED, ""]

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
            L += table(("group", "n", "small", "accuracy", "macro_f1", "roc_auc", "ece"),
                       [(g, v.get("n"), v.get("small"), v.get("accuracy"), v.get("macro_f1"), v.get("roc_auc"), v.get("ece"))
                        for g, v in groups.items() if isinstance(v, dict)])
    else:
        L += ["Slices: " + NOT_MEASURED + " (no group columns).", ""]
    obs = (data.get("bias") or {}).get("observed_groups")
    if obs:
        for col, entry in obs.items():
            if not isinstance(entry, dict):
                continue
            L += [f"### Fairness by {cell(col)}", ""] + table(FAIRNESS_HEAD, fairness_rows(entry))
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
        L += [f"Score: probability of **{cell(bias.get('target_label'))}**.", ""]
        L += table(BIAS_HEAD, bias_rows(bias))
        for attr, e in bias["attributes"].items():
            L += [f"### {cell(attr)}", "", f"Gap: {cell(e['gap_definition'])}." + (f" {cell(e['note'])}." if e.get("note") else ""), ""]
            L += table(("group", "mean score"), [(g["group"], g["mean"]) for g in e["group_means"]])
            L += table(DETAIL_HEAD, detail_rows(e))
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
