"""Self-contained HTML rendering: one file, plotly.js inlined once, every data string escaped."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from auditkit.report import figures as F
from auditkit.report._markdown import (BIAS_HEAD, CLASS_HEAD, DETAIL_HEAD, FAIRNESS_HEAD, LABEL_HEAD, SLICE_HEAD, attribute_title,
                                       bias_rows, class_rows, detail_rows, fairness_rows, fmt_num, label_rows, metric_rows,
                                       score_sentence, share_rows, slice_rows, top_word_rows)
from auditkit.store import Run

SECTIONS = (
    ("verdict", "Verdict"),
    ("metrics", "Metrics"),
    ("confusion-matrix", "Confusion matrix"),
    ("per-class", "Per-class scores"),
    ("calibration", "Calibration"),
    ("slices", "Slices and observed-group fairness"),
    ("bias", "Bias probes"),
    ("attributions", "Attribution gallery"),
    ("model-card", "Model card"),
)

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1rem 2rem 4rem}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 2rem;font-size:.9rem;z-index:10}
nav a{margin-right:1rem;color:#1f5fa8;text-decoration:none}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1rem 1.5rem;margin:1.2rem 0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#17803d;font-weight:600}.fail{color:#b3261e;font-weight:600}.skip{color:#777}
.verdict-pass{border-left:6px solid #17803d}.verdict-fail{border-left:6px solid #b3261e}
.muted{color:#777}.nm{color:#777;font-style:italic}
.words span{padding:1px 2px;margin:1px;border-radius:3px;display:inline-block}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem;border-top:1px dashed #ddd;padding-top:.5rem}
.figure{min-height:360px}
"""

NOT_MEASURED = '<p class="nm">not measured</p>'


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value) -> str:
    if value is None:
        return '<td class="num nm">–</td>'
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, float):
        return f'<td class="num">{esc(fmt_num(value))}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    return f"<td>{esc(value)}</td>"


def _fmt(value) -> str:
    return esc(fmt_num(value))


def _table(header, rows) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_num(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Figures:
    """Collects figure divs; plotly.js itself is emitted once by the page."""

    def __init__(self):
        self.count = 0

    def div(self, fig: go.Figure | None) -> str:
        if fig is None:
            return NOT_MEASURED
        self.count += 1
        # plotly JSON-escapes '<', '>' and '/' inside the embedded data, so a "</script>" in a text cannot end the script
        return '<div class="figure">' + fig.to_html(full_html=False, include_plotlyjs=False,
                                                     config={"displaylogo": False, "responsive": True}) + "</div>"


def _color(score: float, bound: float) -> str:
    t = min(abs(score) / bound, 1.0) if bound else 0.0
    rgb = "214,39,40" if score > 0 else "31,119,180"
    return f"rgba({rgb},{0.08 + 0.72 * t:.2f})"


def words_html(words, scores) -> str:
    """Escaped words, each shaded by its signed attribution (red toward the target, blue against)."""
    bound = max((abs(s) for s in scores), default=0.0)
    spans = [f'<span style="background:{_color(s, bound)}" title="{esc(f"{s:+.3f}")}">{esc(w)}</span>' for w, s in zip(words, scores)]
    return '<div class="words">' + " ".join(spans) + "</div>"


def _gate_html(gate: dict | None) -> str:
    if gate is None:
        return '<p class="muted">No policy given: run <code>auditkit report RUN --policy POLICY.toml</code> for a pass/fail verdict.</p>'
    cls = "pass" if gate["passed"] else "fail"
    rows = "".join(
        f"<tr><td>{esc(c['name'])}</td><td class=\"{'skip' if c.get('skipped') else 'pass' if c['passed'] else 'fail'}\">"
        f"{'skip' if c.get('skipped') else 'PASS' if c['passed'] else 'FAIL'}</td>{_num(c['observed'])}{_num(c['threshold'])}"
        f"<td>{esc(c['detail'])}</td></tr>"
        for c in gate["checks"])
    return (f'<p class="{cls}">Release gate ({esc(gate["policy"])}): {"PASSED" if gate["passed"] else "FAILED"}</p>'
            f"<table><thead><tr><th>check</th><th>result</th><th>observed</th><th>threshold</th><th>detail</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def page(title: str, body: str, nav: list[tuple[str, str]], *, generator: str) -> str:
    """A complete offline HTML page with plotly.js inlined once."""
    from plotly.offline import get_plotlyjs

    links = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in nav)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta name="generator" content="{esc(generator)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<nav>{links}</nav><main><h1>{esc(title)}</h1>{body}</main></body></html>\n"
    )


def render_html(run: Run, data: dict) -> str:
    """The HTML report of ``run`` from its :func:`report_data`."""
    figs = _Figures()
    parts = {}
    gate = data["verdict"]["gate"]
    verdict_cls = "" if gate is None else (" verdict-pass" if gate["passed"] else " verdict-fail")
    parts["verdict"] = ("<ul>" + "".join(f"<li>{esc(h)}</li>" for h in data["verdict"]["highlights"]) + "</ul>"
                        + _gate_html(gate))
    m = data["metrics"]
    multi = data["task"] == "multi_label"
    level = f"{m['bootstrap']['confidence_level']:.0%}"
    parts["metrics"] = (_table(("metric", "value", f"{level} CI low", f"{level} CI high"), metric_rows(data))
                        + ("<p>Multi-label: each label is decided at its threshold; subset accuracy counts examples whose whole "
                           "label set is right, Hamming loss the share of wrong label decisions (lower is better).</p>" if multi
                           else f"<p>ROC-AUC {_fmt(m.get('roc_auc'))} · ECE {_fmt(m.get('ece'))}</p>")
                        + figs.div(F.metrics_figure(run)))
    cm = data.get("confusion_matrix") or {}
    parts["confusion-matrix"] = (figs.div(F.confusion_matrix_figure(run))
                                 + (_table(["true \\ predicted"] + list(cm["labels"]),
                                           [[lab] + list(row) for lab, row in zip(cm["labels"], cm["matrix"])]) if cm.get("matrix") else ""))
    pc = data.get("per_class") or {}
    parts["per-class"] = (_table(("class", "precision", "recall", "f1", "support"),
                                 [(lab, v.get("precision"), v.get("recall"), v.get("f1"), v.get("support")) for lab, v in pc.items()])
                          + figs.div(F.per_class_figure(run))) if pc else NOT_MEASURED
    if multi:
        parts["per-class"] = _table(LABEL_HEAD, label_rows(data)) + figs.div(F.per_class_figure(run))
        parts["confusion-matrix"] = '<p class="nm">not shown for a multi-label model: see the per-label scores.</p>'
        parts["calibration"] = '<p class="nm">per label: the ECE column of the per-label scores.</p>'
    cal = data.get("calibration") or {}
    parts["calibration"] = figs.div(F.reliability_figure(run)) + (
        _table(("bin", "count", "mean confidence", "accuracy"),
               [(f"{b['lower']:.2f}–{b['upper']:.2f}", b.get("count"), b.get("confidence"), b.get("accuracy")) for b in cal["bins"]])
        if cal.get("bins") else "")
    parts["slices"] = _slices_html(run, data, figs)
    parts["bias"] = _bias_html(run, data, figs)
    parts["attributions"] = _attributions_html(data)
    parts["model-card"] = _model_card_html(data)

    body = ""
    titles = dict(SECTIONS) | ({"per-class": "Per-label scores"} if multi else {})
    for sid, title in ((sid, titles[sid]) for sid, _ in SECTIONS):
        cls = verdict_cls if sid == "verdict" else ""
        body += f'<section id="{sid}" class="{cls.strip()}"><h2>{esc(title)}</h2>{parts[sid]}</section>'
    sub = (f'<p class="muted">Model {esc(data["model"].get("name"))} on {esc(data["dataset"].get("source"))} '
           f'({esc(data["dataset"].get("n_examples"))} examples) · run {esc(data["run"]["run_id"])} · '
           f'{esc(data["run"]["created_at"])}</p>')
    return page(f"Audit report: {data['run']['name']}", sub + body, list(SECTIONS), generator=data["generator"])


def _slices_html(run, data, figs) -> str:
    out = ""
    if data.get("slices"):
        for col, groups in data["slices"].items():
            head = SLICE_HEAD[data["task"]]
            out += f"<h3>By {esc(col)}</h3>" + _table(("group", "n", "small", *head), slice_rows(data, groups)) + figs.div(
                F.group_metrics_figure(run, col, metric=head[0]))
    else:
        out += '<p class="nm">Slices: not measured (the audit had no group columns).</p>'
    obs = (data.get("bias") or {}).get("observed_groups")
    if obs:
        for col, entry in obs.items():
            if not isinstance(entry, dict):
                continue
            out += f"<h3>Observed-group fairness by {esc(col)}</h3>"
            out += _table(FAIRNESS_HEAD, fairness_rows(entry))
            per_group = entry.get("groups") if isinstance(entry.get("groups"), dict) else None
            if per_group:
                cols = sorted({k for v in per_group.values() if isinstance(v, dict) for k in v})
                out += _table(["group"] + cols, [[g] + [v.get(c) for c in cols] for g, v in per_group.items() if isinstance(v, dict)])
    else:
        out += '<p class="nm">Observed-group fairness: not measured.</p>'
    return out


def _bias_html(run, data, figs) -> str:
    bias = data.get("bias")
    if not bias or not bias.get("attributes"):
        return '<p class="nm">not measured — the audit ran without bias probes (use --probes gender,race).</p>'
    if bias["target_label"] is not None:
        out = f"<p>Score: the model's probability of <b>{esc(bias['target_label'])}</b>. Gap = first group − second.</p>"
    else:
        out = f"<p>{esc(score_sentence(bias, data['task']))} Gap = first group − second.</p>"
    out += _table(BIAS_HEAD, bias_rows(bias))
    if bias["classes"] and data["task"] == "multi_label":
        out += '<h3 id="bias-every-class">Every label</h3>' + _table(("label",) + CLASS_HEAD[1:], class_rows(bias))
    elif bias["classes"]:
        out += '<h3 id="bias-every-class">Every class</h3>' + _table(CLASS_HEAD, class_rows(bias))
    for attr, e in bias["attributes"].items():
        out += f'<h3 id="bias-{esc(attr)}">{esc(attribute_title(attr, e))}</h3>'
        if e.get("headline_reason"):
            out += f"<p>Headline: {esc(e['headline_reason'])}.</p>"
        out += f"<p>Gap: {esc(e['gap_definition'])}." + (f" {esc(e['note'])}." if e.get("note") else "") + "</p>"
        out += _table(("group", "mean score"), [(g["group"], g["mean"]) for g in e["group_means"]])
        out += figs.div(F.bias_gap_figure(run, attr))
        out += _table(DETAIL_HEAD, detail_rows(e))
        out += figs.div(F.paired_differences_figure(run, attr))
        if e["worst_pairs"]:
            out += "<h4>Worst pairs</h4>" + _table(("text A", "score A", "text B", "score B", "difference"),
                                                  [(p["text_a"], p["score_a"], p["text_b"], p["score_b"], p["difference"]) for p in e["worst_pairs"]])
    return out


def _attributions_html(data) -> str:
    att = data.get("attributions")
    if not att:
        return '<p class="nm">not measured — the audit ran with --attributions 0.</p>'
    out = _table(("method", "examples", "identity share", "mean |convergence delta|"),
                 [(att["method"], att["n_examples"], att["identity_share"], att["mean_abs_convergence_delta"])])
    if share_rows(att):
        out += _table(("attribute", "group", "identity share"), share_rows(att))
    if att["faithfulness"]:
        out += _table(("faithfulness measure", "value"), [(k, v) for k, v in att["faithfulness"].items() if not isinstance(v, (dict, list))])
    if top_word_rows(att):
        out += "<h3>Top words by class</h3>" + _table(("class", "words (mean attribution)"), top_word_rows(att))
    for note in att["notes"]:
        out += f'<p class="muted">{esc(note)}</p>'
    out += "<h3>Examples</h3><p class=\"muted\">Red: pushes toward the target class; blue: against.</p>"
    for ex in att["examples"]:
        out += (f"<div><p class=\"muted\">{esc(ex['kind'])} · target {esc(ex['target'])}"
                + (f" · delta {ex['delta']:+.3f}" if ex.get("delta") is not None else "") + "</p>"
                + words_html(ex["words"], ex["scores"]) + "</div>")
    if not att["examples"]:
        out += '<p class="nm">no per-example attributions stored.</p>'
    if att["pairs"]:
        out += "<h3>Counterfactual pairs</h3>"
        for p in att["pairs"]:
            a, b = p["sides"]
            out += (f'<div class="pair"><div><p class="muted">{esc(a["attribute"])} {esc(p["pair_id"])} · '
                    f'{esc(a["group"])} ({esc(a["side"])})</p>{words_html(a["words"], a["scores"])}</div>'
                    f'<div><p class="muted">{esc(b["group"])} ({esc(b["side"])})</p>'
                    f'{words_html(b["words"], b["scores"])}</div></div>')
    return out


def _model_card_html(data) -> str:
    mc = data["model_card"]
    mod, dat = mc["model"], mc["data"]
    rows = [("model", mod.get("name")), ("source", mod.get("source")), ("fingerprint", mod.get("fingerprint")),
            ("labels", ", ".join(map(str, mod.get("labels") or []))), ("evaluation data", dat.get("source")),
            ("examples", dat.get("n_examples")), ("data fingerprint", dat.get("fingerprint")),
            ("group columns", ", ".join(map(str, dat.get("group_cols") or [])) or "none")]
    m = data["metrics"]
    for k in (("micro_f1", "macro_f1", "subset_accuracy") if data["task"] == "multi_label" else ("accuracy", "macro_f1")):
        if m[k]["value"] is not None:
            rows.append((k, m[k]["value"]))
    out = _table(("field", "value"), rows)
    out += f"<h3>Intended use</h3><p>{esc(mc['intended_use'])}</p>"
    out += "<h3>Limitations</h3><ul>" + "".join(f"<li>{esc(n)}</li>" for n in mc["limitations"]) + "</ul>"
    return out
