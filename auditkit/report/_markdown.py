"""Markdown rendering of :func:`report_data`: the presentation core's tables (:mod:`auditkit.report._tables`) as pipe tables."""

from __future__ import annotations

import html

from auditkit._format import number as fmt_num
from auditkit._format import p_value as pval
from auditkit._text import printable
from auditkit.report import _tables as T

__all__ = ["cell", "table", "render_markdown", "fmt_num", "pval"]

NOT_MEASURED = "_not measured_"


def cell(value) -> str:
    """A Markdown table cell: printable (no escape sequences, one line), HTML-escaped (Markdown renders inline HTML), pipes neutralised."""
    if not isinstance(value, str):
        return T.cell_text(value)
    text = html.escape(printable(value), quote=False).replace("|", "\\|")
    # no links, images or code spans from data: "[x](javascript:...)" stays text
    for ch in ("`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def _table(t: T.Table, level: int = 3) -> list[str]:
    """A :class:`~auditkit.report._tables.Table`, its title as a heading."""
    return ([f"{'#' * level} {cell(t.title)}", ""] if t.title else []) + table(t.columns, t.rows)


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
    lines = ["## Verdict", ""] + [f"- {cell(h)}" for h in data["verdict"]["highlights"]] + [""]
    gate = data["verdict"]["gate"]
    if gate is None:
        return lines + ["No policy given (use `--policy POLICY.toml` for a pass/fail verdict).", ""]
    verdict = "**PASSED**" if gate["passed"] else "**FAILED**"
    return lines + [f"Release gate ({cell(gate['policy'])}): {verdict}", ""] + _table(T.gate_table(gate))


def _metrics_lines(data: dict) -> list[str]:
    m = data["metrics"]
    if data["task"] == "multi_label":
        return ["## Metrics", ""] + _table(T.metrics_table(data)) + [T.MULTI_LABEL_NOTE, ""]
    return ["## Metrics", ""] + _table(T.metrics_table(data)) + [f"ROC-AUC: {cell(m['roc_auc'])} · ECE: {cell(m['ece'])}", ""]


def _confusion_lines(data: dict) -> list[str]:
    if data["task"] == "multi_label":
        return []  # per-label scores stand in for the confusion matrix
    return ["## Confusion matrix", ""] + _table(T.confusion_table(data))


def _per_class_lines(data: dict) -> list[str]:
    title = "## Per-label scores" if data["task"] == "multi_label" else "## Per-class scores"
    return [title, ""] + _table(T.per_class_table(data))


def _calibration_lines(data: dict) -> list[str]:
    if data["task"] == "multi_label":
        return []  # each label's calibration error is in the per-label table
    return ["## Calibration", ""] + _table(T.calibration_table(data))


def _slices_lines(data: dict) -> list[str]:
    L = ["## Slices and observed-group fairness", ""]
    if data["slices"]:
        for col, groups in data["slices"].items():
            L += _table(T.slice_table(col, groups, data["task"]))
    else:
        L += ["Slices: " + NOT_MEASURED + " (no group columns).", ""]
    for col, by_label in (data["bias_aucs"] or {}).items():
        L += _table(T.bias_auc_table(col, by_label))
    obs = (data["bias"] or {}).get("observed_groups")
    if not obs:
        return L + ([] if data["bias_aucs"] else ["Observed-group fairness: " + NOT_MEASURED + ".", ""])
    for col, entry in obs.items():
        for t in T.fairness_tables(col, entry):
            L += _table(t)
    return L


def _bias_lines(data: dict) -> list[str]:
    L = ["## Bias probes", ""]
    bias = data["bias"]
    if not bias or not bias["attributes"]:  # no probes (the section may hold observed groups only)
        return L + ["Bias probes: " + NOT_MEASURED + " (audit run without probes).", ""]
    if bias["target_label"] is not None:
        L += [f"Score: probability of **{cell(bias['target_label'])}**.", ""]
    else:
        L += [cell(T.score_sentence(bias, data["task"])), ""]
    L += [cell(T.INTERVALS_SENTENCE), ""] + _table(T.bias_table(bias))
    if bias["classes"]:
        L += _table(T.class_table(bias, data["task"]))
    for attr, e in bias["attributes"].items():
        L += [f"### {cell(T.attribute_title(attr, e))}", ""]
        if e.get("headline_reason"):
            L += [f"Headline: {cell(e['headline_reason'])}.", ""]
        L += [f"Gap: {cell(e['gap_definition'])}." + (f" {cell(e['note'])}." if e["note"] else ""), ""]
        L += _table(T.group_means_table(e)) + _table(T.detail_table(e))
        d = e["paired_differences"]
        if d:
            L += [f"Paired differences ({cell(e['gap_definition'])}): n = {d['n']}, unweighted mean {fmt_num(d['mean'], signed=True)} "
                  f"(the gap above weighs families and templates equally, so it can differ), "
                  f"median {fmt_num(d['median'], signed=True)}, range {fmt_num(d['min'], signed=True)} to "
                  f"{fmt_num(d['max'], signed=True)}.", ""]
        influence = T.influence_table(e)
        if influence is not None:
            L += _table(influence, level=4)
        if e["worst_pairs"]:
            L += _table(T.worst_pairs_table(e), level=4)
    return L


def _attribution_lines(data: dict) -> list[str]:
    L = ["## Attributions", ""]
    att = data["attributions"]
    if not att:
        return L + ["Attributions: " + NOT_MEASURED + " (audit run with --attributions 0).", ""]
    for t in T.attribution_tables(att):
        L += _table(t)
    for note in att["notes"]:
        L += [f"_{cell(note)}_", ""]
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
