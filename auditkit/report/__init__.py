"""Audit reports of stored runs: self-contained HTML, Markdown and JSON, plus reusable plotly figures."""

from auditkit.report import figures
from auditkit.report._build import report_data
from auditkit.report._html import heatmap_html
from auditkit.report._render import FORMATS, export_figures, render_comparison, render_report

__all__ = ["FORMATS", "export_figures", "figures", "heatmap_html", "render_comparison", "render_report", "report_data"]
