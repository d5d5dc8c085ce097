"""Public entry points: render a run (or a comparison) as HTML, Markdown or JSON."""

from __future__ import annotations

import json
import os

from auditkit.errors import ConfigError
from auditkit.report._build import report_data
from auditkit.report._html import render_comparison_html, render_html
from auditkit.report._markdown import cell, render_markdown, table
from auditkit.report._tables import comparison_tables
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
    tables = comparison_tables(data)
    if format == "html":
        return render_comparison_html(comparison, data)
    notes = [f"{p['run']} vs {p['reference']}: {p['note']}" for p in data["pairs"] if p.get("note")]
    L = [f"<!-- {GENERATOR_MARK} -->", f"# {cell('Comparison: ' + ' vs '.join(data['runs']))}", "",
         f"Reference: **{cell(data['runs'][0])}**. "
         f"Paired tests at α = {data['alpha']} (not corrected for multiplicity), {data['n_boot']} bootstrap resamples.", "",
         "## Summary", ""] + [f"- {cell(s)}" for s in data["summary"]] + [""]
    L += ["## Metrics", ""] + table(tables["metrics"].columns, tables["metrics"].rows)
    bias = tables["bias"]
    L += ["## Bias gaps", ""] + (table(bias.columns, bias.rows) if bias else ["_not measured_", ""])
    L += ["## Identity share", ""] + table(tables["identity_share"].columns, tables["identity_share"].rows)
    if notes:
        L += ["## Notes", ""] + [f"- {cell(n)}" for n in notes]
    return "\n".join(L) + "\n"


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
