"""Markdown rendering of :func:`report_data` — the same findings as tables."""

from __future__ import annotations

import html

from auditkit._format import VERDICT_WORDS
from auditkit._format import number as fmt_num
from auditkit._format import p_value as pval

NOT_MEASURED = "_not measured_"


def share_rows(att: dict) -> list[tuple]:
    """(attribute, group, share) rows from ``identity_share_by_group`` ({attribute: {group: share}})."""
    return [(attr, g, v) for attr, groups in (att["identity_share_by_group"] or {}).items() for g, v in groups.items()]


def top_word_rows(att: dict, k: int = 10) -> list[tuple]:
    """(class, "word (+0.12), ...") from ``top_words`` ({class: [[word, mean, count], ...]})."""
    return [(cls, ", ".join(f"{w} ({fmt_num(m, signed=True)})" for w, m, _ in words[:k])) for cls, words in att["top_words"].items()]


def p_header(bias: dict) -> str:
    return "p (Holm)" if bias["correction"] == "holm" else "p"


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
        L += [f"Score: probability of **{cell(bias.get('target_label'))}**.", ""]
        L += table(("attribute", "gap", "definition", "CI low", "CI high", p_header(bias), "verdict", "flip rate", "CTF gap", "pairs"),
                   [(a, e["gap"], e["gap_definition"], e["ci_low"], e["ci_high"], pval(e["p_value"]), VERDICT_WORDS[e["verdict"]],
                     e["flip_rate"], e["ctf_gap"], e["n_pairs"]) for a, e in bias["attributes"].items()])
        for attr, e in bias["attributes"].items():
            L += [f"### {cell(attr)}", ""]
            L += table(("group", "mean score"), [(g["group"], g["mean"]) for g in e["group_means"]])
            if e["families"]:
                L += table(("family", "gap", "CI low", "CI high", p_header(bias), "verdict", "flip rate", "pairs"),
                           [(f, v["gap"], v["ci_low"], v["ci_high"], pval(v["p_value"]), VERDICT_WORDS[v["verdict"]], v["flip_rate"], v["n_pairs"])
                            for f, v in e["families"].items()])
            d = e.get("paired_differences")
            if d:
                L += [f"Paired differences ({cell(e['gap_definition'])}): n = {d['n']}, mean {fmt_num(d['mean'], signed=True)}, "
                      f"median {fmt_num(d['median'], signed=True)}, range {fmt_num(d['min'], signed=True)} to "
                      f"{fmt_num(d['max'], signed=True)}.", ""]
            if e["worst_pairs"]:
                L += ["Worst pairs:", ""]
                L += table(("text A", "score A", "text B", "score B", "difference"),
                           [(p["text_a"], p["score_a"], p["text_b"], p["score_b"], p["difference"]) for p in e["worst_pairs"]])

    L += ["## Attributions", ""]
    att = data.get("attributions")
    if not att:
        L += ["Attributions: " + NOT_MEASURED + " (audit run with --attributions 0).", ""]
    else:
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
        L += [""]

    mc = data["model_card"]
    L += ["## Model card", "", f"- **Model:** {cell(mc['model'].get('name'))} ({cell(mc['model'].get('source'))}), "
          f"labels {cell(', '.join(map(str, mc['model'].get('labels') or [])))}",
          f"- **Data:** {cell(mc['data'].get('source'))}, {cell(mc['data'].get('n_examples'))} examples, "
          f"fingerprint {cell(mc['data'].get('fingerprint'))}",
          f"- **Intended use:** {cell(mc['intended_use'])}", "- **Limitations:**"]
    L += [f"  - {cell(n)}" for n in mc["limitations"]]
    return "\n".join(L) + "\n"
