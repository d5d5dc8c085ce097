"""Audit reports of stored runs: self-contained HTML, Markdown and JSON, plus reusable plotly figures."""

from auditkit.report._render import FORMATS, export_figures, render_comparison, render_report

__all__ = [
    "render_report",
    "render_comparison",
    "export_figures",
    "FORMATS",
]
