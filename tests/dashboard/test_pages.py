"""AppTest for every dashboard page against small stored runs.

Each test checks that the page renders without an exception and that the
numbers it shows equal run.json; render times are printed (``-s``) and
summarised at the end, not asserted.
"""

from __future__ import annotations

import json

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import real_runs
from auditkit.gate import default_policy_path, evaluate_gate, load_policy
from auditkit.store import read_run


def _load_fixtures():
    import importlib.util
    import sys

    name = "auditkit_test_dashboard_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_fixtures.py"))
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


fx = _load_fixtures()
APP = fx.APP

RENDER_TIMES: dict[str, float] = {}
PAGES = {
    "overview": "app_pages/overview.py",
    "model": "app_pages/model.py",
    "bias": "app_pages/bias.py",
    "explanations": "app_pages/explanations.py",
    "compare": "app_pages/compare.py",
    "whatif": "app_pages/whatif.py",
}


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    fx.write_demo_runs(root)
    return root


@pytest.fixture
def env(runs_root, monkeypatch):
    monkeypatch.setenv("AUDITKIT_RUNS", str(runs_root))
    return runs_root


def open_page(name: str, *, run: str | None = None, root=None, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if run is not None:
        at.session_state["ak_run"] = str(root / run)
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    if name != "overview":
        at.switch_page(PAGES[name])
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
    RENDER_TIMES.setdefault(name, elapsed)
    print(f"\nrender {name}: {elapsed * 1000:.0f} ms")
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_value(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return found[0]


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "text", "info", "warning", "error", "code", "title", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_overview_one_row_per_run_with_record_numbers(env):
    at = open_page("overview")
    table = at.dataframe[0].value
    assert sorted(table["run"]) == ["augmented", "bare", "baseline"]
    for _, row in table.iterrows():
        rec = read_run(env / row["run"]).record
        assert row["accuracy"] == pytest.approx(rec["metrics"]["accuracy"]["value"])
        assert row["macro-F1"] == pytest.approx(rec["metrics"]["macro_f1"]["value"])
        assert row["accuracy CI"] == f"[{rec['metrics']['accuracy']['ci_low']:.3f}, {rec['metrics']['accuracy']['ci_high']:.3f}]"
        if "settings" in rec.get("bias", {}):  # probed (a bias section may hold observed groups only)
            assert row["gender gap"] == pytest.approx(rec["bias"]["gender"]["gap"])
            assert row["race gap"] == pytest.approx(rec["bias"]["race"]["gap"])
            for attribute in ("gender", "race"):
                marks = {"bias": "✱ bias", "no_material_bias": "no material bias", "inconclusive": "? inconclusive"}
                assert row[f"{attribute} verdict"] == marks[rec["bias"][attribute]["verdict"]]
            assert row["identity share"] == pytest.approx(rec["attributions"]["identity_share"])
        else:
            assert row["gender verdict"] == "not measured"
            assert row["identity share"] != row["identity share"]  # NaN: not measured
        verdict = (evaluate_gate(read_run(env / row["run"]), load_policy(default_policy_path()))
                   if "settings" in rec.get("bias", {}) else None)
        if verdict is not None:
            assert row["gate"] == ("pass" if verdict.passed else "fail")
        else:  # the policy needs sections this run lacks
            assert row["gate"] == "not evaluable"


def test_overview_empty_state_shows_the_audit_command(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITKIT_RUNS", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert "No audit runs found" in at.info[0].value
    assert any("auditkit audit" in c.value for c in at.code)


def test_overview_open_button_goes_to_the_model_page(env):
    at = open_page("overview")
    at.multiselect(key="ak_pick").select(str(env / "augmented")).run()
    at.button(key="ak_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Model quality"
    assert at.session_state["ak_run"] == str(env / "augmented")


def test_model_page_metrics_and_examples(env):
    at = open_page("model", run="baseline", root=env)
    rec = read_run(env / "baseline").record
    m = rec["metrics"]
    assert metric_value(at, "Accuracy") == f"{m['accuracy']['value']:.3f}"
    assert metric_value(at, "Macro-F1") == f"{m['macro_f1']['value']:.3f}"
    assert metric_value(at, "ECE") == f"{m['ece']:.3f}"
    assert f"95% CI [{m['accuracy']['ci_low']:.3f}, {m['accuracy']['ci_high']:.3f}]" in all_text(at)
    frames = [df.value for df in at.dataframe]
    per_class = next(v for v in frames if "class" in v.columns)
    assert per_class.set_index("class")["recall"].to_dict() == pytest.approx({k: v["recall"] for k, v in m["per_class"].items()})
    examples = next(v for v in frames if "text" in v.columns)
    preds = read_run(env / "baseline").predictions
    n, n_errors = len(preds), int((~preds["correct"]).sum())
    assert len(examples) == min(n, 100)  # one page of rows goes to the browser, never the whole table
    assert not examples["correct"].iloc[:n_errors].any()  # errors first
    assert list(examples["confidence"].iloc[:n_errors]) == sorted(examples["confidence"].iloc[:n_errors], reverse=True)
    if n > 100:
        at.number_input(key="ak_model_page").set_value(2).run()
        page2 = next(df.value for df in at.dataframe if "text" in df.value.columns)
        assert len(page2) == min(n - 100, 100) and not set(page2["text"]) <= set(examples["text"])
    at.checkbox(key="ak_model_errors").check().run()
    examples = next(df.value for df in at.dataframe if "text" in df.value.columns)
    assert len(examples) == min(n_errors, 100) and not examples["correct"].any()


def test_bias_page_numbers_and_not_measured(env):
    at = open_page("bias", run="baseline", root=env)
    gender = read_run(env / "baseline").record["bias"]["gender"]
    assert metric_value(at, "Gap") == f"{gender['gap']:+.3f}"
    assert metric_value(at, "Flip rate") == f"{gender['flip_rate']:.3f}"
    marks = {"bias": "✱ bias", "no_material_bias": "no material bias", "inconclusive": "? inconclusive"}
    text = all_text(at).replace("\\", "")  # markdown escapes
    assert f"Verdict: {marks[gender['verdict']]}" in text  # in full, not a metric tile that cuts it short
    p, p_min = gender["p_value_holm"], gender["p_value_min_effect_holm"]
    assert metric_value(at, "p (Holm), gap = 0") == (f"{p:.2e}" if p is not None else "—")
    assert metric_value(at, "p (Holm), |gap| > min effect") == (f"{p_min:.2e}" if p_min is not None else "—")
    # each interval says what it is: the unadjusted t interval beside the Holm-adjusted one and the equivalence one
    assert f"95% t interval [{gender['ci_low']:+.3f}, {gender['ci_high']:+.3f}] (unadjusted)" in text
    assert f"Holm-adjusted [{gender['holm_ci_low']:+.3f}, {gender['holm_ci_high']:+.3f}]" in text
    influence = next(df.value for df in at.dataframe if "gap_without" in df.value.columns)
    top = gender["influence"]["templates"]["most_influential"]
    first = influence[(influence["scope"] == "all families") & (influence["unit"] == "template")].iloc[0]
    assert (first["key"], first["text"]) == (top["key"], top["text"])
    pairs = next(df.value for df in at.dataframe if "text_a" in df.value.columns)
    assert pairs["diff"].abs().is_monotonic_decreasing
    at.text_input(key="ak_bias_word_gender").input("onerror").run()
    pairs = next(df.value for df in at.dataframe if "text_a" in df.value.columns)
    assert len(pairs) == 1 and "<img src=x onerror=alert(1)>" in pairs["text_a"].iloc[0]  # the data's hostile text, swapped

    at.multiselect(key="ak_probe_group").select("female").run()
    sentences = next(df.value for df in at.dataframe if "instance_id" in df.value.columns)
    assert len(sentences) and set(sentences["group"]) == {"female"}

    bare = open_page("bias", run="bare", root=env)
    assert "not measured" in all_text(bare)


def test_explanations_page_escapes_text(env):
    at = open_page("explanations", run="baseline", root=env)
    section = read_run(env / "baseline").record["attributions"]
    assert metric_value(at, "Identity share") == f"{section['identity_share']:.3f}"
    html = "\n".join(h.value for h in at.get("html")) if at.get("html") else ""
    assert "ak-heatmap" in html
    assert "&lt;script&gt;" in html and "<script>" not in html

    bare = open_page("explanations", run="bare", root=env)
    assert "not measured" in all_text(bare)


def test_compare_page_uses_the_compare_engine(env):
    at = open_page("compare")
    text = "\n".join(t.value for t in at.text)
    assert "augmented" in text and "baseline" in text  # summary lines name both runs
    wide = next(df.value for df in at.dataframe if "Δ augmented" in df.value.columns).set_index("metric")
    base, aug = (read_run(env / n).record["metrics"]["accuracy"]["value"] for n in ("baseline", "augmented"))
    assert wide.loc["accuracy", "baseline"] == pytest.approx(base)
    assert wide.loc["accuracy", "Δ augmented"] == pytest.approx(aug - base)
    assert "McNemar exact p=" in wide.loc["accuracy", "test augmented"]
    metrics = next(df.value for df in at.dataframe if "run" in df.value.columns and "metric" in df.value.columns)
    assert list(metrics["run"].unique()) == ["baseline", "augmented"]  # the older run is the reference
    rec = read_run(env / "augmented").record
    row = metrics[(metrics["metric"] == "accuracy") & (metrics["run"] == "augmented")].iloc[0]
    assert row["value"] == pytest.approx(rec["metrics"]["accuracy"]["value"])
    assert row["test"] == "McNemar exact"  # same dataset → paired


def test_whatif_page_scores_variants(env):
    at = open_page("whatif")
    at.text_input(key="ak_whatif_text").input("She said her sister loved the food.").run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric_value(at, "Prediction").replace("\\", "") in real_runs.LABELS  # shown as escaped text
    variants = next(df.value for df in at.dataframe if "variant" in df.value.columns)
    assert "He said his brother loved the food." in set(variants["variant"])
    assert set(variants["attribute"]) >= {"gender"}
    html = "\n".join(h.value for h in at.get("html"))
    assert "ak-heatmap" in html


@pytest.mark.parametrize("name", ["overview", "model", "bias", "explanations", "compare", "whatif"])
def test_no_page_but_whatif_loads_a_model(env, monkeypatch, name):
    """Every load goes through auditkit.models.load_classifier: refuse it, with the model cache emptied first.

    What-if is the positive control: it must hit the refusal, which shows the patch is reached
    (an earlier test's cached model would otherwise hide a page that loads one).
    """
    import auditkit.models

    def refuse(*args, **kwargs):
        raise AssertionError(f"the {name} page loaded a model")

    st.cache_resource.clear()
    monkeypatch.setattr(auditkit.models, "load_classifier", refuse)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["ak_run"] = str(env / "baseline")
    at.run()
    if name != "overview":
        at.switch_page(PAGES[name])
        at.run()
    refused = [e.value for e in at.exception if "loaded a model" in str(e.value)]
    if name == "whatif":
        assert refused, "the What-if page did not reach load_classifier: this test could not see a page that loads a model"
    else:
        assert not at.exception, [e.value for e in at.exception]


@pytest.fixture(scope="module", autouse=True)
def report_render_times():
    """After the module: write every page's measured render time to test-artifacts/render_times.json.

    Measured, not asserted (timings depend on the machine); the file is what a
    person reads, next to the browser tests' screenshots.
    """
    yield
    if RENDER_TIMES:
        out = Path(__file__).resolve().parents[2] / "test-artifacts" / "render_times.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({k: round(v * 1000, 1) for k, v in RENDER_TIMES.items()}, indent=2) + "\n")
        print(f"\npage render times (ms, AppTest, first render) written to {out}")


def test_a_malformed_run_gets_one_message_and_the_others_still_show(runs_root, tmp_path, monkeypatch):
    """Issue 11 item 2: a run.json with a string schema_version takes down nothing but itself."""
    import json
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    bad = root / "broken"
    shutil.copytree(runs_root / "bare", bad)
    record = json.loads((bad / "run.json").read_text(encoding="utf-8"))
    record["schema_version"] = "2"
    (bad / "run.json").write_text(json.dumps(record), encoding="utf-8")
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    for name in ("overview", "model", "bias"):
        at = open_page(name, run="baseline", root=root)
        assert len(at.warning) == 1 and "skipped" in at.warning[0].value
        reasons = [t.value for t in at.text if "schema_version" in t.value]
        assert len(reasons) == 1 and str(bad) in reasons[0]
    table = open_page("overview").dataframe[0].value
    assert sorted(table["run"]) == ["augmented", "bare", "baseline"]


def test_a_new_audit_appears_on_reload(runs_root, tmp_path, monkeypatch):
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    at = open_page("overview")
    assert sorted(at.dataframe[0].value["run"]) == ["augmented", "bare", "baseline"]
    real_runs.audit_run(root / "new", seed=1, limit=50, probes=False, attributions=False)
    at.run()  # what a browser reload does: the script runs again in the same server
    assert not at.exception
    assert sorted(at.dataframe[0].value["run"]) == ["augmented", "bare", "baseline", "new"]
