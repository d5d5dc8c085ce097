"""Plotly figures built from a stored run — shared by the HTML report and the dashboard.

Every function is pure: a :class:`~auditkit.store.Run` (or its record) in, a
``plotly.graph_objects.Figure`` out, or None when the run did not measure
what the figure shows. Dataset-derived strings (labels, group names, texts,
words) are HTML-escaped before they enter a figure, because plotly.js renders
a subset of HTML in labels and hover text.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from auditkit._format import number
from auditkit._text import printable
from auditkit.store import sections as S
from auditkit.store import Run

__all__ = [
    "plot_text",
    "metrics_figure",
    "confusion_matrix_figure",
    "per_class_figure",
    "reliability_figure",
    "group_metrics_figure",
    "bias_gap_figure",
    "paired_differences_figure",
    "word_attribution_figure",
    "comparison_metrics_figure",
    "check_image_export",
    "export_figure",
    "export_figures_batch",
]

#: Plotly's own font list, with CJK fonts before the generic family, so that Chinese words and labels draw in
#: exported images (kaleido's Chromium picks the first installed font that has the glyphs).
FONT_FAMILY = ('"Open Sans", verdana, arial, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
               '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')
_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), height=360, font=dict(family=FONT_FAMILY))


def plot_text(value) -> str:
    """A string from a run or dataset as literal text in a plotly label, title or hover text.

    plotly.js reads a few HTML tags (``<a href>``, ``<b>``...) in these, so
    ``<``, ``>`` and ``&`` are escaped; quotes are left alone, because
    plotly.js decodes only a few entities and would show ``&quot;`` as is.
    Control characters are removed (:func:`auditkit._text.printable`).
    """
    return html.escape(printable(value), quote=False)


_e = plot_text


def _record(run):
    return run.record if isinstance(run, Run) else run


def metrics_figure(run: Run | dict) -> go.Figure | None:
    """Headline metrics with their bootstrap confidence intervals."""
    names, values, lo, hi = [], [], [], []
    for m in S.headline_metrics(_record(run)):
        entry = S.metric(_record(run), m)
        if entry["value"] is None:
            continue
        names.append(m.replace("_", " "))
        values.append(entry["value"])
        lo.append(entry["value"] - entry["ci_low"] if entry["ci_low"] is not None else 0)
        hi.append(entry["ci_high"] - entry["value"] if entry["ci_high"] is not None else 0)
    if not names:
        return None
    fig = go.Figure(go.Bar(x=names, y=values, error_y=dict(type="data", array=hi, arrayminus=lo),
                           text=[number(v) for v in values], textposition="outside",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    level = _record(run)["metrics"]["bootstrap"]["confidence_level"]
    fig.update_layout(title=f"Metrics with {level:.0%} confidence intervals", yaxis=dict(range=[0, 1.08]), **_LAYOUT)
    return fig


def confusion_matrix_figure(run: Run | dict, *, normalize: bool = False) -> go.Figure | None:
    """Confusion matrix heat map (rows: true label, columns: predicted); None for a multi-label run."""
    if S.multi_label(_record(run)):
        return None
    cm = _record(run)["metrics"]["confusion_matrix"]
    matrix, labels = cm["matrix"], cm["labels"]
    z = np.asarray(matrix, dtype=float)
    shown = z / np.maximum(z.sum(axis=1, keepdims=True), 1) if normalize else z
    names = [_e(l) for l in labels]
    text = [[f"{int(c)}" + (f" ({s:.0%})" if normalize else "") for c, s in zip(rc, rs)] for rc, rs in zip(z, shown)]
    fig = go.Figure(go.Heatmap(z=shown, x=names, y=names, colorscale="Blues", text=text, texttemplate="%{text}",
                               hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>", showscale=False))
    fig.update_layout(title="Confusion matrix", xaxis_title="predicted", yaxis_title="true",
                      yaxis=dict(autorange="reversed"), **_LAYOUT)
    return fig


def per_class_figure(run: Run | dict) -> go.Figure | None:
    """Precision, recall and F1 per class (per label of a multi-label run)."""
    multi = S.multi_label(_record(run))
    per_class = S.per_label(_record(run)) if multi else S.per_class(_record(run))
    if not per_class:
        return None
    names = [_e(l) for l in per_class]
    fig = go.Figure([go.Bar(name=k, x=names, y=[v[k] for v in per_class.values()])
                     for k in ("precision", "recall", "f1")])
    fig.update_layout(title="Per-label scores" if multi else "Per-class scores", barmode="group", yaxis=dict(range=[0, 1.05]),
                      **_LAYOUT)
    return fig


def reliability_figure(run: Run | dict) -> go.Figure | None:
    """Reliability diagram: accuracy against confidence per bin, with bin counts; None for a multi-label run."""
    if S.multi_label(_record(run)):
        return None
    metrics = _record(run)["metrics"]
    used = [b for b in metrics["calibration"]["bins"] if b["confidence"] is not None and b["accuracy"] is not None]
    if not used:
        return None
    conf = [b["confidence"] for b in used]
    acc = [b["accuracy"] for b in used]
    counts = [b["count"] for b in used]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                             line=dict(dash="dash", color="grey")))
    fig.add_trace(go.Scatter(x=conf, y=acc, mode="lines+markers", name="model",
                             marker=dict(size=[6 + 18 * c / max(max(counts), 1) for c in counts]),
                             customdata=counts,
                             hovertemplate="confidence %{x:.3f}<br>accuracy %{y:.3f}<br>%{customdata} examples<extra></extra>"))
    ece = metrics["ece"]
    title = "Reliability diagram" + (f" (ECE {number(ece)})" if ece is not None else "")
    fig.update_layout(title=title, xaxis=dict(title="mean confidence", range=[0, 1]),
                      yaxis=dict(title="accuracy", range=[0, 1.02]), **_LAYOUT)
    return fig


def group_metrics_figure(run: Run | dict, column: str, *, metric: str = "accuracy") -> go.Figure | None:
    """One metric per observed group of ``column``; small groups are marked."""
    groups = _record(run)["metrics"]["by_group"].get(column) or {}
    rows = [(g, v) for g, v in groups.items() if v[metric] is not None]
    if not rows:
        return None
    names = [_e(g) + (" (small)" if v["small"] else "") for g, v in rows]
    fig = go.Figure(go.Bar(x=names, y=[v[metric] for _, v in rows], customdata=[v["n"] for _, v in rows],
                           marker_color=["#bbb" if v["small"] else "#1f77b4" for _, v in rows],
                           hovertemplate="%{x}: %{y:.3f} (n=%{customdata})<extra></extra>"))
    fig.update_layout(title=f"{metric.replace('_', ' ')} by {_e(column)}", yaxis=dict(range=[0, 1.05]), **_LAYOUT)
    return fig


def bias_gap_figure(run: Run, attribute: str) -> go.Figure | None:
    """The attribute's gap with its intervals, overall, per family and per template valence.

    Each scope shows two intervals of its crossed t statistic: the thin bar is the ``1 - alpha`` t interval
    (unadjusted), the thick one the ``1 - 2 alpha`` interval the equivalence test reads. The shaded band is
    ±min_effect. "No material bias" is exactly the thick bar inside the band; "bias" is the gap shown to lie
    beyond the band: the interval at the level Holm's correction tested it at (stored, shown in the hover)
    clears the band -- wider than the thin bar whenever the run holds several tests. Valence subsets are
    descriptive (untested, no verdict).
    """
    bias = S.section(_record(run), "bias") or {}
    entry = S.bias_attributes(run).get(attribute)
    if entry is None or entry.get("gap") is None:
        return None
    scopes = [("all families", entry)] + list(entry["families"].items())
    scopes += [(f"valence: {v}", d) for v, d in entry["by_valence"].items()]
    scopes = [(name, e) for name, e in scopes if e.get("gap") is not None][::-1]
    names = [_e(n) for n, _ in scopes]
    gaps = [e["gap"] for _, e in scopes]

    def arms(low_key, high_key):
        hi = [(e[high_key] - e["gap"]) if e.get(high_key) is not None else 0 for _, e in scopes]
        lo = [(e["gap"] - e[low_key]) if e.get(low_key) is not None else 0 for _, e in scopes]
        return dict(type="data", array=hi, arrayminus=lo)

    def hover(e):
        verdict = _e((e.get("verdict") or "descriptive").replace("_", " "))
        holm = (f"<br>Holm-adjusted [{number(e['holm_ci_low'], signed=True)}, {number(e['holm_ci_high'], signed=True)}]"
                if e.get("holm_ci_low") is not None else "")
        return f"{verdict}{holm}"

    level = S.finite(entry.get("ci_level")) or 0.95
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=gaps, y=names, mode="markers", marker=dict(size=11), name=f"{level:.0%} t interval",
                             customdata=[hover(e) for _, e in scopes], error_x=arms("ci_low", "ci_high"),
                             hovertemplate="%{y}: %{x:+.4f} (%{customdata})<extra></extra>"))
    if any(e.get("tost_low") is not None for _, e in scopes):
        fig.add_trace(go.Scatter(x=gaps, y=names, mode="markers", marker=dict(size=1, color="rgba(0,0,0,0)"),
                                 name=f"{2 * level - 1:.0%} interval (equivalence test)", hoverinfo="skip",
                                 error_x=dict(**arms("tost_low", "tost_high"), thickness=6, width=0, color="#1f77b4")))
    min_effect = S.finite((bias.get("settings") or {}).get("min_effect"))
    if min_effect:
        fig.add_vrect(x0=-min_effect, x1=min_effect, fillcolor="grey", opacity=0.15, line_width=0)
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    a, b = entry["gap_groups"]
    kind = "t" if entry.get("ci_kind") == "crossed_t" else "pigeonhole bootstrap"
    fig.update_layout(title=f"{_e(attribute)}: gap {_e(a)} − {_e(b)} with {level:.0%} {kind} intervals",
                      xaxis_title=f"difference in P({_e(entry.get('headline_class') or bias['target_label'])})",
                      legend=dict(orientation="h", y=-0.25), **_LAYOUT)
    return fig


def paired_differences_figure(run: Run, attribute: str) -> go.Figure | None:
    """Histogram of per-instance paired differences (first group minus second), per family."""
    diffs = S.paired_differences(run, attribute)
    if diffs is None or diffs.empty:
        return None
    a, b = diffs["group_a"].iloc[0], diffs["group_b"].iloc[0]
    fig = go.Figure([go.Histogram(x=part["diff"], name=_e(fam), opacity=0.7, nbinsx=40)
                     for fam, part in diffs.groupby("family", sort=False)])
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    fig.update_layout(title=f"{_e(attribute)}: paired differences {_e(a)} − {_e(b)}", barmode="overlay",
                      xaxis_title="score difference", yaxis_title="pairs", **_LAYOUT)
    return fig


def word_attribution_figure(words, scores, *, title: str = "") -> go.Figure:
    """Signed word attributions as a one-row heat map (red: toward the target, blue: against)."""
    words = [_e(w) for w in words]
    scores = [float(s) for s in scores]
    bound = max((abs(s) for s in scores), default=1.0) or 1.0
    fig = go.Figure(go.Heatmap(z=[scores], x=list(range(len(words))), text=[words], texttemplate="%{text}",
                               colorscale="RdBu", reversescale=True, zmin=-bound, zmax=bound,
                               hovertemplate="%{text}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=_e(title), xaxis=dict(showticklabels=False), yaxis=dict(showticklabels=False),
                      template="plotly_white", height=160, margin=dict(l=10, r=10, t=40, b=10), font=dict(family=FONT_FAMILY))
    return fig


def comparison_metrics_figure(comparison) -> go.Figure | None:
    """Headline metrics of compared runs side by side, with each run's CI."""
    frame = comparison.metrics
    frame = frame[frame["metric"].isin(S.HEADLINE_METRICS + S.MULTILABEL_HEADLINE_METRICS)]
    if frame.empty:
        return None
    fig = go.Figure()
    for run_name, part in frame.groupby("run", sort=False):
        v = part["value"].astype(float)
        fig.add_trace(go.Bar(name=_e(run_name), x=[m.replace("_", " ") for m in part["metric"]], y=v,
                             error_y=dict(type="data", array=(part["ci_high"].astype(float) - v).fillna(0),
                                          arrayminus=(v - part["ci_low"].astype(float)).fillna(0))))
    fig.update_layout(title="Metrics by run (95% CIs)", barmode="group", yaxis=dict(range=[0, 1.08]), **_LAYOUT)
    return fig


KALEIDO_MISSING = ("image export needs the optional 'kaleido' package and a Chrome/Chromium it can drive "
                   "(pip install kaleido); the HTML report's charts have a camera button for PNGs instead")


def check_image_export() -> None:
    """Raise :class:`~auditkit.errors.ConfigError` now when kaleido is not installed."""
    from auditkit.errors import ConfigError

    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ConfigError(KALEIDO_MISSING) from None


def export_figure(fig: go.Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` as PNG or SVG (by suffix) with kaleido, when it is installed and works offline.

    Raises
    ------
    auditkit.errors.ConfigError
        Unsupported suffix, or kaleido is missing or cannot start a browser.
    """
    from auditkit.errors import ConfigError

    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ConfigError(f"cannot export {p.name!r}: use a .png or .svg file name")
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ConfigError(KALEIDO_MISSING) from None
    try:
        fig.write_image(str(p), format=fmt)
    except Exception as exc:  # kaleido's failures (no Chrome, sandbox) are varied
        raise ConfigError(f"image export failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                          "kaleido needs a Chrome/Chromium — set BROWSER_PATH or use the HTML report") from None
    return p


def export_figures_batch(figs: list, paths: list) -> list[Path]:
    """Write several figures with one browser session where plotly supports it (``plotly.io.write_images``)."""
    import plotly.io as pio

    from auditkit.errors import ConfigError

    check_image_export()
    if not hasattr(pio, "write_images"):
        return [export_figure(f, p) for f, p in zip(figs, paths)]
    try:
        pio.write_images(figs, [str(p) for p in paths])
    except Exception as exc:
        raise ConfigError(f"image export failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                          "kaleido needs a Chrome/Chromium — set BROWSER_PATH or use the HTML report") from None
    return [Path(p) for p in paths]
