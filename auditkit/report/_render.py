"""Public entry points: render a run (or a comparison) as HTML, Markdown or JSON."""

from __future__ import annotations

import json
import os

from auditkit.errors import ConfigError
from auditkit.report._build import report_data
from auditkit.report._html import esc, page
from auditkit.report._html import render_html
from auditkit.report._markdown import cell, pval, render_markdown, table
from auditkit.report._output import GENERATOR_MARK
from auditkit.store import Run, read_run

FORMATS = ("html", "md", "json")


def _check_format(format: str) -> None:
    if format not in FORMATS:
        raise ConfigError(f"unknown report format {format!r}; expected one of {', '.join(FORMATS)}")


def render_report(run, *, format: str = "html", policy=None, baseline=None) -> str:
    """Render the audit report of a stored run.

    Parameters
    ----------
    run : Run or path
        A run directory written by ``auditkit audit``.
    format : {"html", "md", "json"}, default "html"
        HTML is one self-contained offline file; Markdown has the same
        findings as tables; JSON is the underlying data.
    policy : Policy, dict or path, optional
        Evaluate the release gate and put its verdict first.
    baseline : Run or path, optional
        Baseline for the policy's ``no_regression`` check.

    Returns
    -------
    str

    Examples
    --------
    >>> from auditkit.report import render_report
    >>> html = render_report("runs/baseline", policy="policy.example.toml")  # doctest: +SKIP
    """
    _check_format(format)
    run = run if isinstance(run, Run) else read_run(run)
    gate = None
    if policy is not None:
        from auditkit.gate import evaluate_gate
        gate = evaluate_gate(run, policy, baseline=baseline)
    data = report_data(run, gate=gate)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if format == "md":
        return render_markdown(data)
    return render_html(run, data)


def render_comparison(comparison, *, format: str = "html") -> str:
    """Render a :class:`~auditkit.compare.Comparison` as HTML, Markdown or JSON."""
    _check_format(format)
    data = comparison.to_dict()
    data["generator"] = GENERATOR_MARK
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    metric_rows = [(r["metric"], r["run"], r["value"], r["ci_low"], r["ci_high"], r["diff"], r.get("test"),
                    pval(r.get("p_value")), r.get("diff_ci_low"), r.get("diff_ci_high"), r.get("significant"))
                   for r in data["metrics"]]
    metric_head = ("metric", "run", "value", "CI low", "CI high", "Δ vs ref", "test", "p", "Δ CI low", "Δ CI high", "significant")
    bias_rows = [(r["attribute"], r["run"], r["gap"], r["ci_low"], r["ci_high"], (r["verdict"] or "").replace("_", " "),
                  r["diff"], r.get("diff_ci_low"), r.get("diff_ci_high"), pval(r.get("diff_p_value")), r.get("abs_diff"),
                  r.get("abs_diff_ci_low"), r.get("abs_diff_ci_high"), r.get("diff_significant"))
                 for r in data["bias"]]
    bias_head = ("attribute", "run", "gap", "CI low", "CI high", "verdict in run", "Δ gap", "Δ CI low", "Δ CI high",
                 "Δ p", "Δ |gap|", "Δ |gap| CI low", "Δ |gap| CI high", "|gap| change significant")
    share_rows = [(r["run"], r["identity_share"], r["diff"]) for r in data["identity_share"]]
    notes = [f"{p['run']} vs {p['reference']}: {p['note']}" for p in data["pairs"] if p.get("note")]
    title = "Comparison: " + " vs ".join(data["runs"])
    if format == "md":
        L = [f"<!-- {GENERATOR_MARK} -->", f"# {cell(title)}", "", f"Reference: **{cell(data['runs'][0])}**. "
             f"Paired tests at α = {data['alpha']} (not corrected for multiplicity), {data['n_boot']} bootstrap resamples.", "",
             "## Summary", ""] + [f"- {cell(s)}" for s in data["summary"]] + [""]
        L += ["## Metrics", ""] + table(metric_head, metric_rows)
        L += ["## Bias gaps", ""] + (table(bias_head, bias_rows) if bias_rows else ["_not measured_", ""])
        L += ["## Identity share", ""] + table(("run", "identity share", "Δ vs ref"), share_rows)
        if notes:
            L += ["## Notes", ""] + [f"- {cell(n)}" for n in notes]
        return "\n".join(L) + "\n"
    from auditkit.report import figures as F
    from auditkit.report._html import _Figures, _table
    figs = _Figures()
    body = (f'<p class="muted">Reference: {esc(data["runs"][0])}. Paired tests at α = {esc(data["alpha"])} '
            f"(not corrected for multiplicity), {esc(data['n_boot'])} bootstrap resamples.</p>"
            '<section id="summary"><h2>Summary</h2><ul>' + "".join(f"<li>{esc(s)}</li>" for s in data["summary"]) + "</ul></section>"
            '<section id="metrics"><h2>Metrics</h2>' + _table(metric_head, metric_rows)
            + figs.div(F.comparison_metrics_figure(comparison)) + "</section>"
            '<section id="bias"><h2>Bias gaps</h2>' + (_table(bias_head, bias_rows) if bias_rows else '<p class="nm">not measured</p>')
            + "</section>"
            '<section id="identity-share"><h2>Identity share</h2>' + _table(("run", "identity share", "Δ vs ref"), share_rows)
            + "</section>")
    if notes:
        body += '<section id="notes"><h2>Notes</h2><ul>' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></section>"
    nav = [("summary", "Summary"), ("metrics", "Metrics"), ("bias", "Bias gaps"), ("identity-share", "Identity share")]
    return page(title, body, nav, generator=GENERATOR_MARK)


def export_figures(run, out_dir: str | os.PathLike, *, format: str = "png") -> list:
    """Write every figure of the report as PNG or SVG into ``out_dir`` (needs kaleido; see :func:`figures.export_figure`)."""
    from pathlib import Path

    from auditkit.store import sections as S
    from auditkit.report import figures as F

    run = run if isinstance(run, Run) else read_run(run)
    if format not in ("png", "svg"):
        raise ConfigError(f"unknown image format {format!r}; expected png or svg")
    out = Path(out_dir)
    figs = {"metrics": F.metrics_figure(run), "confusion_matrix": F.confusion_matrix_figure(run),
            "per_class": F.per_class_figure(run), "reliability": F.reliability_figure(run)}
    for attr in S.bias_attributes(run):
        figs[f"bias_{attr}_gap"] = F.bias_gap_figure(run, attr)
        figs[f"bias_{attr}_paired_differences"] = F.paired_differences_figure(run, attr)
    figs = {name: fig for name, fig in figs.items() if fig is not None}
    paths = [out / f"{name}.{format}" for name in figs]
    taken = [p for p in paths if p.exists()]
    if taken:
        raise ConfigError(f"{str(taken[0])!r} already exists; export images into an empty or new folder")
    F.check_image_export()
    out.mkdir(parents=True, exist_ok=True)
    return F.export_figures_batch(list(figs.values()), paths)
