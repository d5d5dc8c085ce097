"""A run whose every string is Markdown image syntax, directives or escapes: every page shows it as text.

Streamlit renders Markdown in captions, titles, tabs, alerts, expanders and
every part of st.metric; the dashboard passes run/dataset/model strings
through ``_views.md`` first. Here the Markdown source of every such element
is checked: an image (``![``), a directive (``:red[``) or an escape
character left intact would be rendered (and an image fetched).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from test_pages import APP, PAGES, fx, open_page

MARKDOWN_KINDS = ("markdown", "caption", "title", "subheader", "header", "info", "warning", "error", "success",
                  "metric", "tabs", "expander", "exception")


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-runs")
    model = tmp_path_factory.mktemp("hostile-model") / "model"
    fx.write_hostile_run(root, model)
    return root, model


def _markdown_sources(at: AppTest) -> list[str]:
    found = []
    for kind in MARKDOWN_KINDS:
        for element in getattr(at, kind, []):
            for attr in ("value", "label", "help", "body", "delta"):
                value = getattr(element, attr, None)
                if isinstance(value, str) and value:
                    found.append(value)
    return found


def _chart_specs(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def _assert_text_only(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    sources = _markdown_sources(at)
    assert sources
    for text in sources:
        assert "![" not in text and "](" not in text and ":red[" not in text, text
        assert "\x1b" not in text and "\x07" not in text, text
    for spec in _chart_specs(at):
        assert "&quot;" not in spec and "<img" not in spec


@pytest.mark.parametrize("name", ["overview", "model", "bias", "explanations"])
def test_every_page_shows_hostile_run_strings_as_text(hostile_root, monkeypatch, name):
    root, _ = hostile_root
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    at = open_page(name, run="hostile", root=root)
    _assert_text_only(at)
    shown = "\n".join(_markdown_sources(at))
    if name == "model":  # the hostile model name is there, escaped, and the labels reached a chart as text
        assert "hostile \\!\\[x\\]\\(http" in shown
        assert any('\\"quoted\\"' in spec for spec in _chart_specs(at))


def test_whatif_shows_hostile_model_labels_as_text(hostile_root, monkeypatch):
    root, model = hostile_root
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(PAGES["whatif"])
    at.run()
    assert at.multiselect(key="ak_whatif_models").value == [str(model)]
    _assert_text_only(at)
    [prediction] = [m for m in at.metric if m.label == "Prediction"]
    assert prediction.value.replace("\\", "").replace("\u2060", "") in fx.HOSTILE_LABELS  # md's word joiners out


@pytest.mark.parametrize("name", ["model", "bias", "explanations"])
def test_tables_linked_in_from_outside_are_refused_with_a_message_not_read(hostile_root, tmp_path, monkeypatch, name):
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(hostile_root[0] / "hostile", root / "linked")
    for table in ("predictions", "probes", "attributions"):
        outside = tmp_path / f"{table}-elsewhere.parquet"
        (root / "linked" / f"{table}.parquet").rename(outside)
        (root / "linked" / f"{table}.parquet").symlink_to(outside)
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    at = open_page(name, run="linked", root=root)
    errors = [e.value for e in at.error]
    assert errors and all("is a symlink; a run folder holds only its own regular files" in e.replace("\\", "") for e in errors)
    if name == "model":  # the examples table would show the linked predictions
        assert all("text" not in df.value.columns for df in at.dataframe)


@pytest.fixture(scope="module")
def unreadable_root(hostile_root, tmp_path_factory):
    """The hostile run, a copy with a 100,000-character model name, and three runs that do not read: a run.json
    nested 10^5 levels deep, one holding a 5,000-digit integer, and a run in a folder whose name is not UTF-8."""
    import os
    import shutil

    root = tmp_path_factory.mktemp("unreadable-runs")
    shutil.copytree(hostile_root[0] / "hostile", root / "hostile")
    long = shutil.copytree(hostile_root[0] / "hostile", root / "long")
    record = json.loads((long / "run.json").read_text(encoding="utf-8"))
    record["model"]["name"] = "m" * 100_000
    record["created_at"] = "2030-01-01T00:00:00+00:00"  # the newest: the pages open it by default
    (long / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (root / "deep").mkdir()
    (root / "deep" / "run.json").write_text('{"schema_version": 3, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (root / "digits").mkdir()
    (root / "digits" / "run.json").write_text('{"schema_version": 3, "n": ' + "7" * 5000 + "}")
    shutil.copytree(hostile_root[0] / "hostile", os.fsdecode(os.fsencode(str(root)) + b"/\xff\xfe"))
    return root


@pytest.mark.parametrize("name", ["overview", "model", "bias", "explanations", "compare"])
def test_runs_that_do_not_read_are_skipped_with_one_message_each_and_long_names_are_clipped(unreadable_root, monkeypatch,
                                                                                            name):
    monkeypatch.setenv("AUDITKIT_RUNS", str(unreadable_root))
    at = open_page(name)
    warnings = [w.value for w in at.warning if "skipped" in w.value]
    reasons = [t.value for t in at.text if "run" in t.value and ("deep" in t.value or "digits" in t.value or "UTF-8" in t.value)]
    assert len(warnings) == 3 and len(reasons) == 3, (warnings, reasons)
    assert any("64 levels deep" in r for r in reasons) and any("5000 digits" in r for r in reasons)
    assert any("not valid UTF-8" in r for r in reasons)
    longest = max((len(text) for text in _markdown_sources(at)), default=0)
    assert longest < 2_000  # the 100,000-character model name is cut for display
    if name == "model":
        [header] = [c.value for c in at.caption if c.value.startswith("Run ")]
        assert "m" * 50 in header and "…" in header
