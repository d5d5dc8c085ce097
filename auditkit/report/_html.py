"""Self-contained HTML through Jinja2 templates (autoescaped): one file, plotly.js inlined once.

Every string that comes from a run is escaped by the templates' autoescaping;
only plotly's figure divs and its bundle are marked safe (plotly JSON-escapes
``<``, ``>`` and ``/`` inside the embedded data). Tables come from
:mod:`auditkit.report._tables`, the word heat map is :func:`heatmap_html`,
shared with the dashboard.
"""

from __future__ import annotations

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup

from auditkit._format import number as fmt_num
from auditkit._language import detect_language
from auditkit.report import _tables as T
from auditkit.report import figures as F
from auditkit.store import Run

__all__ = ["SECTIONS", "heatmap_html", "render_html", "render_comparison_html"]

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
COMPARISON_SECTIONS = (("summary", "Summary"), ("metrics", "Metrics"), ("bias", "Bias gaps"), ("identity-share", "Identity share"))

NOT_MEASURED = Markup('<p class="nm">not measured</p>')

#: Heat-map colours: toward the explained class, and against it.
TOWARD = (214, 39, 40)
AGAINST = (31, 119, 180)
#: Above this opacity a word is written in white.
_INK_FLIP = 0.55


def _cell(value) -> tuple[str, str]:
    """(text, CSS class) of a table cell."""
    if value is None:
        return T.cell_text(value), "num nm"
    if isinstance(value, T.Status):
        return value.text, value.kind
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return T.cell_text(value), ""
    return T.cell_text(value), "num"


def _heat_words(words, scores) -> list[dict]:
    """Each word with its background (signed score over the largest |score|), ink and hover text."""
    values = [0.0 if s is None else float(s) for s in scores]
    scale = max((abs(v) for v in values), default=0.0) or 1.0
    out = []
    for word, value in zip(words, values):
        alpha = min(abs(value) / scale, 1.0)
        r, g, b = TOWARD if value > 0 else AGAINST
        out.append({"word": str(word), "title": fmt_num(value, signed=True), "background": f"rgba({r},{g},{b},{alpha:.2f})",
                    "ink": "#fff" if alpha > _INK_FLIP else "inherit"})
    return out


_ENV = jinja2.Environment(loader=jinja2.PackageLoader("auditkit.report", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
def _text_lang(texts) -> str | None:
    """``"zh"`` for Chinese text (by :func:`auditkit._language.detect_language`), else None (the page's language)."""
    texts = [str(t) for t in texts]
    return "zh" if texts and detect_language(texts).language == "zh" else None


_ENV.globals.update(cell=_cell, heat_words=_heat_words, T=T, text_lang=_text_lang)
_ENV.filters["num"] = fmt_num


def heatmap_html(words, scores, *, label: str | None = None) -> str:
    """Words on a diverging background by signed score (red toward the class, blue against); every word escaped.

    The one word heat map: the HTML report's attribution gallery and the dashboard both draw it.
    """
    return str(_ENV.get_template("_macros.html.j2").module.heatmap(list(words), list(scores), label))


class _Figures:
    """Figure divs; plotly.js itself is emitted once by the page."""

    def __init__(self):
        self.count = 0

    def div(self, fig: go.Figure | None) -> Markup:
        if fig is None:
            return NOT_MEASURED
        self.count += 1
        # plotly JSON-escapes '<', '>' and '/' inside the embedded data, so a "</script>" in a text cannot end the script
        return Markup('<div class="figure">' + fig.to_html(full_html=False, include_plotlyjs=False,
                                                            config={"displaylogo": False, "responsive": True}) + "</div>")


def _page(template: str, *, title: str, nav, generator: str, lang: str = "en", **context) -> str:
    from plotly.offline import get_plotlyjs

    return _ENV.get_template(template).render(title=title, nav=nav, generator=generator, lang=lang,
                                              plotly_js=Markup(get_plotlyjs()), **context) + "\n"


#: Texts looked at to tell the language of a run's data (the page's ``lang``).
LANGUAGE_SAMPLE = 2000


def render_html(run: Run, data: dict) -> str:
    """The HTML report of ``run`` from its :func:`report_data`."""
    figs = _Figures()
    attributes = (data["bias"] or {}).get("attributes") or {}
    figures = {
        "metrics": figs.div(F.metrics_figure(run)),
        "confusion": figs.div(F.confusion_matrix_figure(run)),
        "per_class": figs.div(F.per_class_figure(run)),
        "reliability": figs.div(F.reliability_figure(run)),
        "groups": {col: figs.div(F.group_metrics_figure(run, col, metric=T.SLICE_METRICS[data["task"]][0]))
                   for col in data["slices"] or {}},
        "gap": {attr: figs.div(F.bias_gap_figure(run, attr)) for attr in attributes},
        "pairs": {attr: figs.div(F.paired_differences_figure(run, attr)) for attr in attributes},
    }
    texts = run.predictions["text"].head(LANGUAGE_SAMPLE).astype(str).tolist()
    return _page("report.html.j2", title=f"Audit report: {data['run']['name']}", nav=SECTIONS,
                 generator=data["generator"], data=data, figs=figures, lang=detect_language(texts).language)


def render_comparison_html(comparison, data: dict) -> str:
    """The HTML comparison from :meth:`Comparison.to_dict` (``data``, with its ``generator``)."""
    figs = {"metrics": _Figures().div(F.comparison_metrics_figure(comparison))}
    notes = [f"{p['run']} vs {p['reference']}: {p['note']}" for p in data["pairs"] if p.get("note")]
    return _page("comparison.html.j2", title="Comparison: " + " vs ".join(data["runs"]), nav=COMPARISON_SECTIONS,
                 generator=data["generator"], data=data, figs=figs, tables=T.comparison_tables(data), notes=notes)
