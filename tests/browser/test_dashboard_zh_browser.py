"""End-to-end: a Chinese run (zh probe pack, a tiny BERT trained from scratch) in the dashboard, in a real
headless Chromium. Its pages must show the Chinese text as Chinese: the reviews, the zh attributes."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from playwright.sync_api import expect

pytest.importorskip("jieba")

from test_dashboard_browser import _fx  # noqa: E402  (the shared fixtures of _browser.py, loaded once)

browser, screenshot = _fx.browser, _fx.screenshot

pytestmark = pytest.mark.browser
HAN = re.compile(r"[\u4e00-\u9fff]{2}")

REVIEWS = [("她说这本书很好看，推荐。", "positive"), ("他觉得质量太差了，不推荐。", "negative"),
           ("物流很快，包装也不错。", "positive"), ("衣服有色差，退货了。", "negative"),
           ("王秀芳买的鞋子很舒服。", "positive"), ("客服态度很差，再也不来了。", "negative")] * 6


def _pack_texts() -> list[str]:
    import json

    pack = json.loads((_fx.REPO / "auditkit" / "probes" / "packs" / "zh.json").read_text(encoding="utf-8"))
    texts = [t["text"] for t in pack["templates"]["items"]]
    for name in ("gender", "hukou"):
        for family in pack["attributes"][name]["families"].values():
            texts += [word for row in family.get("rows", ()) for word in row.values()]
    return texts


@pytest.fixture(scope="module")
def zh_url(tmp_path_factory):
    import pandas as pd

    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.store import write_run
    from auditkit.training._scratch import ScratchSize, scratch_classifier

    root = tmp_path_factory.mktemp("zh_runs")
    data_path = root.parent / "reviews_zh.csv"
    pd.DataFrame(REVIEWS, columns=["text", "label"]).to_csv(data_path, index=False)
    # the tokenizer learns the reviews and the zh pack's words and templates, so it reads the probe sentences
    # (a vocabulary of six reviews maps most of them to [UNK], and the audit rightly refuses to probe)
    clf = scratch_classifier([t for t, _ in REVIEWS] + _pack_texts(), ["negative", "positive"],
                             size=ScratchSize(vocab_size=400, hidden_size=16, num_layers=1, num_heads=2),
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
        proc.terminate()
        proc.wait(timeout=15)


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
