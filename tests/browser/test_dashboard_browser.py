"""End-to-end: ``auditkit dashboard`` in a real headless Chromium.

Every assertion uses Playwright's auto-waiting ``expect``; no fixed sleeps.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auditkit.store import read_run


def _load_fixtures():
    name = "auditkit_test_browser_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_browser.py"))
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


_fx = _load_fixtures()
# the fixtures, visible to pytest in this module's namespace
browser, page, screenshot = _fx.browser, _fx.page, _fx.screenshot
dashboard_runs, dashboard_url = _fx.dashboard_runs, _fx.dashboard_url

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
# the hostile tag as text, whatever the word splitting (whitespace or tokenizer punctuation) put between its parts
HOSTILE_AS_TEXT = re.compile(r"<\s*img\s*src\s*=\s*x\s*onerror\s*=\s*alert\s*\(\s*1\s*\)\s*>")


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first


def _wait_ready(page) -> None:
    """The app finished its script run: Streamlit shows no running indicator."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def test_overview_lists_every_run(page, screenshot, dashboard_url, dashboard_runs):
    page.goto(dashboard_url)
    expect(page.get_by_role("heading", name="Audited models")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    for name in ("Overview", "Model", "Bias", "Explanations", "Compare", "What-if"):
        expect(nav.get_by_text(name, exact=True)).to_be_visible()
    expect(page.get_by_text("Click a column header to sort")).to_be_visible()
    _wait_ready(page)
    screenshot(page, "overview")
    assert page.dialogs == []


def test_model_page_shows_the_stored_numbers(page, screenshot, dashboard_url, dashboard_runs):
    _, paths = dashboard_runs
    metrics = read_run(paths["baseline"]).record["metrics"]
    page.goto(f"{dashboard_url}/model?run=baseline")
    expect(page.get_by_role("heading", name="Model quality")).to_be_visible(timeout=60_000)
    expect(_metric(page, "Accuracy")).to_contain_text(f"{metrics['accuracy']['value']:.3f}")
    expect(_metric(page, "Macro-F1")).to_contain_text(f"{metrics['macro_f1']['value']:.3f}")
    expect(page.get_by_text(f"95% CI [{metrics['accuracy']['ci_low']:.3f}, {metrics['accuracy']['ci_high']:.3f}]")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    _wait_ready(page)
    screenshot(page, "model")


def test_sidebar_navigation_and_run_picker_on_bias(page, screenshot, dashboard_url, dashboard_runs):
    _, paths = dashboard_runs
    newest = read_run(paths["augmented"]).record["bias"]["gender"]
    baseline = read_run(paths["baseline"]).record
    gender = baseline["bias"]["gender"]
    page.goto(dashboard_url)
    expect(page.get_by_role("heading", name="Audited models")).to_be_visible(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Bias", exact=True).click()
    expect(page.get_by_role("heading", name="Counterfactual bias")).to_be_visible()
    expect(page.get_by_role("tab", name="gender")).to_be_visible()
    expect(_metric(page, "Gap")).to_contain_text(f"{newest['gap']:+.3f}")  # the newest run by default
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=f"baseline — {baseline['model']['name']}").click()
    expect(_metric(page, "Gap")).to_contain_text(f"{gender['gap']:+.3f}")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    _wait_ready(page)
    screenshot(page, "bias")
    assert page.dialogs == []


def test_explanations_render_hostile_text_as_text(page, screenshot, dashboard_url, dashboard_runs):
    _, paths = dashboard_runs
    share = read_run(paths["baseline"]).record["attributions"]["identity_share"]
    page.goto(f"{dashboard_url}/explanations?run=baseline")
    expect(page.get_by_role("heading", name="Explanations")).to_be_visible(timeout=60_000)
    expect(_metric(page, "Identity share")).to_contain_text(f"{share:.3f}")
    hostile = page.locator(".ak-heatmap").filter(has_text="onerror").first
    expect(hostile).to_be_visible()
    expect(hostile).to_contain_text(HOSTILE_AS_TEXT)
    expect(page.locator(".ak-heatmap img")).to_have_count(0)
    expect(page.locator(".ak-heatmap script")).to_have_count(0)
    _wait_ready(page)
    screenshot(page, "explanations")
    assert page.dialogs == []


def test_compare_page(page, screenshot, dashboard_url):
    page.goto(f"{dashboard_url}/compare")
    expect(page.get_by_role("heading", name="Compare runs")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()
    expect(page.get_by_text(re.compile(r"augmented: accuracy (improved|worsened|did not change)")).first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    _wait_ready(page)
    screenshot(page, "compare")


def test_whatif_scores_a_typed_sentence_without_running_it(page, screenshot, dashboard_url):
    page.goto(f"{dashboard_url}/what-if")
    expect(page.get_by_role("heading", name="What-if")).to_be_visible(timeout=60_000)
    expect(_metric(page, "Prediction")).to_be_visible(timeout=60_000)  # default sentence, tiny model
    box = page.get_by_role("textbox", name="Sentence")
    box.fill(f"She told her sister {HOSTILE} the food was great")
    box.press("Enter")
    heatmap = page.locator(".ak-heatmap").filter(has_text="onerror")
    expect(heatmap).to_be_visible(timeout=60_000)
    expect(heatmap).to_contain_text(HOSTILE_AS_TEXT)
    expect(heatmap).to_contain_text("sister")
    expect(page.locator(".ak-heatmap img")).to_have_count(0)
    expect(_metric(page, "Prediction")).to_contain_text(re.compile("negative|positive"))
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the counterfactual variants
    _wait_ready(page)
    screenshot(page, "whatif")
    assert page.dialogs == []


HOSTILE_MD = _fx._load("auditkit_test_dashboard_fixtures", _fx.TESTS / "dashboard" / "_fixtures.py").HOSTILE_MD
# as shown: the dashboard puts an invisible word joiner where a GFM autolink would start ("http:" + "//")
HOSTILE_MD_SHOWN = re.compile("\u2060?".join(map(re.escape, HOSTILE_MD)))


@pytest.mark.parametrize("path", ["model", "bias", "explanations", "overview", "compare"])
def test_hostile_run_strings_are_shown_as_text_and_fetch_nothing(page, screenshot, dashboard_url, path):
    """Markdown image syntax in every string of a run: shown literally, its bare URL not a link; the page fixture fails
    on any fetch of it."""
    page.goto(f"{dashboard_url}/{path}?run=hostile")
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=60_000)
    _wait_ready(page)
    if path != "compare":
        expect(page.get_by_text(HOSTILE_MD_SHOWN).first).to_be_attached()
    expect(page.locator('img[src*="127.0.0.1:9"]')).to_have_count(0)
    expect(page.locator('a[href*="127.0.0.1:9"]')).to_have_count(0)  # GFM autolinks of the bare URL
    screenshot(page, f"hostile-{path}")
    assert page.dialogs == []


def test_whatif_shows_hostile_model_labels_as_text(page, screenshot, dashboard_url):
    page.goto(f"{dashboard_url}/what-if")
    expect(_metric(page, "Prediction")).to_be_visible(timeout=60_000)
    picker = page.get_by_test_id("stMultiSelect").first
    picker.click()
    page.keyboard.type("hostile")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stMetric").filter(has_text="Prediction")).to_have_count(2, timeout=60_000)
    expect(page.get_by_test_id("stMetric").filter(has_text=re.compile(r"neg \"quoted\" !\[x\]|pos !\[y\]"))).to_have_count(1)
    _wait_ready(page)
    expect(page.locator('img[src*="127.0.0.1:9"]')).to_have_count(0)
    screenshot(page, "hostile-whatif")
    assert page.dialogs == []


# ------------------------------------------------------------------ a Chinese run
# (here, not in a module of its own: a second module binding _browser.py's session fixtures would start a second
# Playwright inside the first one's event loop)

HAN = re.compile(r"[\u4e00-\u9fff]{2}")

REVIEWS = [("她说这本书很好看，推荐。", "positive"), ("他觉得质量太差了，不推荐。", "negative"),
           ("物流很快，包装也不错。", "positive"), ("衣服有色差，退货了。", "negative"),
           ("王秀芳买的鞋子很舒服。", "positive"), ("客服态度很差，再也不来了。", "negative")] * 6


@pytest.fixture(scope="module")
def zh_url(tmp_path_factory):
    pytest.importorskip("jieba")
    import os
    import subprocess

    import pandas as pd

    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.store import write_run
    from auditkit.training._scratch import ScratchSize, scratch_classifier

    root = tmp_path_factory.mktemp("zh_runs")
    data_path = root.parent / "reviews_zh.csv"
    pd.DataFrame(REVIEWS, columns=["text", "label"]).to_csv(data_path, index=False)
    # the vocabulary from real Chinese reviews too, so the model reads the zh probe sentences (few [UNK])
    corpus = pd.read_csv(_fx.REPO / "sample_data" / "zh" / "reviews_zh_train.csv")["text"].head(240).tolist()
    clf = scratch_classifier([t for t, _ in REVIEWS] + corpus, ["negative", "positive"],
                             size=ScratchSize(vocab_size=1500, hidden_size=16, num_layers=1, num_heads=2),
                             max_length=48, seed=0)
    data = load_dataset(data_path, text_col="text", label_col="label")
    options = AuditOptions(n_boot=200, probe_n_boot=200, probes=("gender", "hukou"), language="zh", attributions=4,
                           attribution_method="input_x_gradient")
    result = run_audit(clf, data, options=options, log=lambda _: None, progress=False)
    write_run(root / "zh", result.record, result.tables)
    port = _fx._free_port()
    log = root.parent / "dashboard_zh.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with open(log, "w") as out:
        proc = subprocess.Popen(_fx._auditkit_command() + ["dashboard", "--runs", str(root), "--port", str(port),
                                                           "--no-browser"],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(_fx.REPO))
    url = f"http://127.0.0.1:{port}"
    try:
        _fx._wait_healthy(url, proc, log)
        yield url
    finally:
        _fx._stop(proc)


@pytest.fixture
def zh_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def test_the_chinese_run_renders_its_chinese_text(zh_page, screenshot, zh_url):
    page = zh_page
    page.goto(f"{zh_url}/bias?run=zh")
    expect(page.get_by_role("heading", name="Counterfactual bias")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("tab", name="hukou")).to_be_visible()
    page.goto(f"{zh_url}/explanations?run=zh")
    expect(page.get_by_role("heading", name="Explanations")).to_be_visible(timeout=60_000)
    heat = page.locator(".ak-heatmap").first
    expect(heat).to_be_visible()
    expect(heat).to_contain_text(HAN)  # Chinese words, not mojibake or escapes
    words = re.sub(r"\s+", "", heat.inner_text())  # the heat map's word spans, joined
    assert any(re.sub(r"[，。]", "", text)[:4] in re.sub(r"[，。]", "", words) for text, _ in REVIEWS), words
    screenshot(page, "zh_explanations")
