"""Plotly figures for the dashboard.

Each builder takes stored results (run.json sections, table columns) and
returns a ``plotly.graph_objects.Figure``; nothing here computes a metric.
Where ``auditkit.report`` offers the same figure it is used instead, so the
report and the dashboard draw the same charts.
"""

from __future__ import annotations

import plotly.graph_objects as go

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=360)


def _report_builder(name: str):
    """auditkit.report's figure builder ``name`` when that module provides it."""
    try:
        import auditkit.report as report
    except ImportError:
        return None
    return getattr(report, name, None)


def confusion_matrix_figure(labels, matrix) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix, x=[str(l) for l in labels], y=[str(l) for l in labels], colorscale="Blues",
            text=matrix, texttemplate="%{text}", hovertemplate="true %{y}<br>predicted %{x}<br>%{z}<extra></extra>",
        )
    )
    fig.update_layout(title="Confusion matrix", xaxis_title="predicted", yaxis_title="true", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def calibration_figure(bins: list[dict]) -> go.Figure:
    used = [b for b in bins if b.get("count") and b.get("confidence") is not None and b.get("accuracy") is not None]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line=dict(dash="dash", color="gray")))
    fig.add_trace(
        go.Scatter(
            x=[b["confidence"] for b in used], y=[b["accuracy"] for b in used], mode="lines+markers", name="model",
            text=[f"n={b['count']}" for b in used], hovertemplate="confidence %{x:.3f}<br>accuracy %{y:.3f}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(title="Reliability diagram", xaxis_title="mean confidence", yaxis_title="accuracy", **_LAYOUT)
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1])
    return fig


def group_metric_figure(column: str, groups: dict) -> go.Figure:
    names = list(groups)
    fig = go.Figure()
    for metric in ("accuracy", "macro_f1"):
        fig.add_trace(go.Bar(name=metric, x=names, y=[(groups[g] or {}).get(metric) for g in names]))
    fig.update_layout(title=f"By {column}", barmode="group", yaxis_title="score", **_LAYOUT)
    return fig


def group_means_figure(attribute: str, group_means: dict, group_cis: dict | None = None) -> go.Figure:
    names = list(group_means)
    values = [group_means[g] for g in names]
    error = None
    if group_cis and all(isinstance(group_cis.get(g), (list, tuple)) and len(group_cis[g]) == 2 for g in names):
        error = dict(
            type="data", symmetric=False,
            array=[group_cis[g][1] - v for g, v in zip(names, values)],
            arrayminus=[v - group_cis[g][0] for g, v in zip(names, values)],
        )
    fig = go.Figure(go.Bar(x=names, y=values, error_y=error, text=[f"{v:.3f}" for v in values], textposition="outside"))
    fig.update_layout(title=f"{attribute}: mean score per group", yaxis_title="mean target-label probability", **_LAYOUT)
    return fig


def paired_differences_figure(attribute: str, differences, label: str) -> go.Figure:
    fig = go.Figure(go.Histogram(x=list(differences), nbinsx=40, name=label))
    fig.add_vline(x=0, line_dash="dash", line_color="gray")
    fig.update_layout(title=f"{attribute}: paired differences ({label})", xaxis_title=label, yaxis_title="pairs", **_LAYOUT)
    return fig


def top_words_figure(label: str, words: list[str], scores: list[float]) -> go.Figure:
    fig = go.Figure(go.Bar(x=scores, y=words, orientation="h"))
    fig.update_layout(title=f"Top words toward {label}", xaxis_title="mean attribution", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def compare_bars_figure(frame, metrics: list[str], runs: list[str]) -> go.Figure:
    """Grouped bars: one group per metric, one bar per run (frame indexed by metric, columns runs)."""
    fig = go.Figure()
    for run in runs:
        fig.add_trace(go.Bar(name=run, x=metrics, y=[frame.loc[m, run] for m in metrics]))
    fig.update_layout(title="Runs side by side", barmode="group", **_LAYOUT)
    return fig


def radar_figure(frame, metrics: list[str], runs: list[str]) -> go.Figure:
    fig = go.Figure()
    for run in runs:
        values = [frame.loc[m, run] for m in metrics]
        fig.add_trace(go.Scatterpolar(r=values + values[:1], theta=metrics + metrics[:1], name=run, fill="toself", opacity=0.5))
    fig.update_layout(title="Quality profile", polar=dict(radialaxis=dict(range=[0, 1])), **_LAYOUT)
    return fig


def probabilities_figure(labels: list[str], probabilities: list[float], title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[str(l) for l in labels], y=probabilities, text=[f"{p:.3f}" for p in probabilities], textposition="outside"))
    fig.update_layout(title=title, yaxis=dict(range=[0, 1.1], title="probability"), **{**_LAYOUT, "height": 280})
    return fig


def variants_figure(names: list[str], scores: list[float], original: float, label: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=names, y=scores, text=[f"{s:.3f}" for s in scores], textposition="outside"))
    fig.add_hline(y=original, line_dash="dash", line_color="gray", annotation_text="original")
    fig.update_layout(title=f"P({label}) for counterfactual variants", yaxis=dict(range=[0, 1.1]), **{**_LAYOUT, "height": 300})
    return fig
