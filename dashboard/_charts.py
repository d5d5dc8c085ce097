"""Plotly figures the report does not draw (the rest come from ``auditkit.report.figures``).

Each builder arranges stored or just-computed numbers into a figure;
nothing here computes a metric. Strings that reach a figure go through
``plot_text``, since plotly.js renders a subset of HTML in labels.
"""

from __future__ import annotations

import plotly.graph_objects as go

from auditkit._format import number
from auditkit.report.figures import plot_text

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=360, template="plotly_white")


_e = plot_text  # the one rule for run/dataset strings in a chart (see auditkit.report.figures)


def top_words_figure(label: str, words: list[str], scores: list[float]) -> go.Figure:
    fig = go.Figure(go.Bar(x=scores, y=[_e(w) for w in words], orientation="h",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(title=f"Top words toward {_e(label)}", xaxis_title="mean attribution", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def grouped_bars_figure(frame, rows: list[str], runs: list[str], *, title: str) -> go.Figure:
    """One group of bars per row of ``frame`` (indexed by row name, one column per run)."""
    fig = go.Figure([go.Bar(name=_e(run), x=[_e(r) for r in rows], y=[frame.loc[r, run] for r in rows]) for run in runs])
    fig.update_layout(title=title, barmode="group", **_LAYOUT)
    return fig


def radar_figure(frame, metrics: list[str], runs: list[str]) -> go.Figure:
    names = [_e(m.replace("_", " ")) for m in metrics]
    fig = go.Figure()
    for run in runs:
        values = [float(frame.loc[m, run]) for m in metrics]
        fig.add_trace(go.Scatterpolar(r=values + values[:1], theta=names + names[:1], name=_e(run), fill="toself", opacity=0.5))
    fig.update_layout(title="Quality profile", polar=dict(radialaxis=dict(range=[0, 1])), **_LAYOUT)
    return fig


def probabilities_figure(labels: list[str], probabilities: list[float], title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[_e(l) for l in labels], y=probabilities, text=[number(p) for p in probabilities],
                           textposition="outside"))
    fig.update_layout(title=title, yaxis=dict(range=[0, 1.15], title="probability"), **{**_LAYOUT, "height": 280})
    return fig


def variants_figure(names: list[str], scores: list[float], original: float, label: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[_e(n) for n in names], y=scores, text=[number(s) for s in scores], textposition="outside"))
    fig.add_hline(y=original, line_dash="dash", line_color="gray", annotation_text="original")
    fig.update_layout(title=f"P({_e(label)}) for counterfactual variants", yaxis=dict(range=[0, 1.15]),
                      **{**_LAYOUT, "height": 300})
    return fig


def deletion_curve_figure(faithfulness: dict) -> go.Figure:
    """Explained probability as top-scored words are deleted, against random deletion."""
    fractions = list(faithfulness.get("fractions") or [])
    fig = go.Figure()
    for key, name, dash in (("curve", "by attribution", "solid"), ("random_curve", "random words", "dash")):
        curve = list(faithfulness.get(key) or [])
        if curve:
            x = fractions[: len(curve)] if len(fractions) >= len(curve) else list(range(len(curve)))
            fig.add_trace(go.Scatter(x=x, y=curve, mode="lines+markers", name=name, line=dict(dash=dash)))
    fig.update_layout(title="Deletion curve", xaxis_title="fraction of words deleted", yaxis_title="explained probability",
                      **_LAYOUT)
    return fig
