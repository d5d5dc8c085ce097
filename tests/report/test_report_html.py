import html
import re
from html.parser import HTMLParser

import markupsafe
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from real_runs import HOSTILE_CLOSE, HOSTILE_IMG, HOSTILE_SCRIPT
from auditkit.report import figures, render_report
from auditkit.report._html import SECTIONS, _Figures
from auditkit.store import read_run


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.scripts, self.script_srcs, self.stack, self.text = set(), [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
            if "src" in attrs:
                self.script_srcs.append(attrs["src"])
        if tag == "img":
            raise AssertionError(f"an <img> element was parsed: {attrs}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _parse(text):
    c = _Collector()
    c.feed(text)
    c.close()
    return c


def test_html_parses_and_has_every_section(full_run):
    text = render_report(full_run)
    assert text.startswith("<!DOCTYPE html>")
    parsed = _parse(text)
    for sid, _ in SECTIONS:
        assert sid in parsed.ids, sid
    assert "bias-gender" in parsed.ids and "bias-race" in parsed.ids


def test_plotly_js_inlined_once_and_nothing_loaded_from_the_network(full_run):
    text = render_report(full_run)
    bundle = get_plotlyjs()
    assert text.count(bundle[:300]) == 1
    parsed = _parse(text)
    assert parsed.script_srcs == []
    # one bundle script, then one script per figure
    assert sum(bundle[:300] in s for s in parsed.scripts) == 1
    assert len(parsed.scripts) > 5
    # figures' numbers travel as base64 ("bdata"), where any three letters can occur: not text a browser fetches
    rest = re.sub(r'"bdata":"[A-Za-z0-9+/=\\u]*"', '"bdata":""', text.replace(bundle, ""))
    assert "http://" not in rest and "https://" not in rest and "cdn" not in rest.lower()


@pytest.mark.parametrize("hostile", [HOSTILE_SCRIPT, HOSTILE_IMG, HOSTILE_CLOSE])
def test_hostile_text_is_escaped_everywhere(full_run, hostile):
    text = render_report(full_run)
    assert hostile not in text
    assert "<img src=x onerror" not in text
    assert "<script>alert" not in text
    assert str(markupsafe.escape(hostile)) in text  # shown as text by the templates' autoescaping (worst pairs, gallery)
    parsed = _parse(text)  # raises if an <img> element appears
    shown = "".join(parsed.text)
    assert hostile in shown  # the reader sees the literal text


def test_figure_data_cannot_break_out_of_its_script():
    fig = go.Figure(go.Bar(x=[HOSTILE_CLOSE, HOSTILE_IMG], y=[1, 2], hovertext=[HOSTILE_SCRIPT, "x"]))
    div = _Figures().div(fig)
    assert "</script><script>" not in div and "<img" not in div
    parsed = _parse(div)
    assert len(parsed.scripts) == 1  # the figure's own script was not split


def test_figures_escape_dataset_strings(full_run):
    fig = figures.word_attribution_figure(["<b>x</b>", HOSTILE_IMG], [0.5, -0.2])
    assert fig.data[0].text[0][1] == html.escape(HOSTILE_IMG, quote=True)


def test_missing_sections_render_as_not_measured(bare_run):
    text = render_report(bare_run)
    parsed = _parse(text)
    for sid, _ in SECTIONS:
        assert sid in parsed.ids
    body = "".join(parsed.text)
    assert "not measured — the audit ran without bias probes" in body
    assert "not measured — the audit ran with --attributions 0" in body


def test_verdict_shows_the_gate(full_run, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text("[checks.min_accuracy]\nthreshold = 0.99\non = 'value'\n")
    text = render_report(full_run, policy=policy)
    assert "Release gate" in text and "FAILED" in text and "min_accuracy" in text


def test_figure_functions_are_pure(full_run, bare_run):
    full, bare = read_run(full_run), read_run(bare_run)
    for fn in (figures.metrics_figure, figures.confusion_matrix_figure, figures.per_class_figure, figures.reliability_figure):
        assert isinstance(fn(full), go.Figure)
        assert isinstance(fn(full.record), go.Figure)
    assert isinstance(figures.group_metrics_figure(full, "gender_mention"), go.Figure)
    assert isinstance(figures.bias_gap_figure(full, "gender"), go.Figure)
    assert isinstance(figures.paired_differences_figure(full, "race"), go.Figure)
    assert figures.bias_gap_figure(bare, "gender") is None
    assert figures.paired_differences_figure(bare, "gender") is None
    assert figures.group_metrics_figure(full, "no-such-column") is None


class _Rows(HTMLParser):
    """Every table row of a page as a list of cell texts (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _row(rows, first, width):
    return next(r for r in rows if r and r[0] == first and len(r) == width)


def _shown(value):
    if isinstance(value, float) and value != 0 and abs(value) < 0.0005:
        return f"{value:.2e}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def test_html_numbers_match_run_json(full_run):
    record = read_run(full_run).record
    parser = _Rows()
    parser.feed(render_report(full_run))
    rows = parser.rows
    for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        m = record["metrics"][name]
        assert _row(rows, name, 4)[1:4] == [_shown(m["value"]), _shown(m["ci_low"]), _shown(m["ci_high"])]
    for label, pc in record["metrics"]["per_class"].items():
        assert _row(rows, label, 5)[1:5] == [_shown(pc["precision"]), _shown(pc["recall"]), _shown(pc["f1"]), str(pc["support"])]
    for attr in ("gender", "race"):
        b = record["bias"][attr]
        row = _row(rows, attr, 17)
        assert row[1:5] == [_shown(b["gap"]), _shown(b["ci_low"]), _shown(b["ci_high"]), "95% t"]
        assert row[7] == (f"{b['p_value_holm']:.2e}" if b["p_value_holm"] is not None else "–")
        assert row[10] == b["verdict"].replace("_", " ") and row[11] == b["verdict_reason"] and row[12] == str(b["n_rows"])
    for group, g in record["metrics"]["by_group"]["gender_mention"].items():
        assert _row(rows, group, 7)[1:4] == [str(g["n"]), "yes" if g["small"] else "no", _shown(g["accuracy"])]


def test_report_and_dashboard_draw_one_word_heat_map():
    from auditkit_dashboard import _views
    from auditkit.report._html import heatmap_html

    assert _views.heatmap_html is heatmap_html
    out = heatmap_html(["up", "tiny", HOSTILE_IMG], [1.0, 3e-5, -0.5])
    assert 'title="+3.00e-05"' in out  # auditkit._format's number: a tiny score does not read as +0.000
    assert "rgba(214,39,40,1.00)" in out and "rgba(31,119,180,0.50)" in out
    assert HOSTILE_IMG not in out and str(markupsafe.escape(HOSTILE_IMG)) in out


def test_templates_ship_as_package_data():
    import fnmatch
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    globs = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["auditkit.report"]
    templates = sorted((repo / "auditkit" / "report" / "templates").iterdir())
    assert templates
    for path in templates:
        assert any(fnmatch.fnmatch(f"templates/{path.name}", g) for g in globs), path.name
