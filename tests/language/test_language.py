"""Language detection (one documented rule), --language values, and Chinese segmentation."""

import pytest

from auditkit._language import CJK_MIN_SHARE, cjk_share, detect_language, has_cjk, resolve_language
from auditkit.errors import ConfigError


@pytest.mark.parametrize("text, language", [
    ("这本书很好看", "zh"),
    ("iPhone手机很好用", "zh"),  # 5 Han characters of 11 letters
    ("質量很好，物流也快。", "zh"),  # Traditional
    ("I met 王伟 today", "en"),  # 2 of 11
    ("Great film, 10/10!", "en"),
    ("", "en"),
    ("12345 !!!", "en"),
])
def test_detection_follows_the_share_of_han_characters(text, language):
    assert detect_language(text).language == language
    assert (cjk_share(text) >= CJK_MIN_SHARE) == (language == "zh")


def test_a_corpus_is_judged_on_all_its_letters():
    mostly_english = ["a long English review of a film that I liked a lot"] * 5 + ["很好"]
    assert detect_language(mostly_english).language == "en"
    assert detect_language(["很好", "不错", "ok"]).language == "zh"
    assert has_cjk("ok 好") and not has_cjk("ok")


@pytest.mark.parametrize("value, expected", [("en", "en"), ("zh", "zh"), ("ZH", "zh"), ("zh-Hant", "zh"),
                                             ("zh-CN", "zh"), (None, "zh"), ("auto", "zh")])
def test_language_values(value, expected):
    assert resolve_language(value, ["质量很好"]) == expected


@pytest.mark.parametrize("value", ["fr", "chinese-simplified", "", "z h", "english;rm -rf /"])
def test_a_bad_language_is_one_line(value):
    with pytest.raises(ConfigError) as err:
        resolve_language(value, ["质量很好"])
    message = str(err.value)
    assert "\n" not in message and "use auto, or one of: en, zh" in message


def test_auto_needs_texts():
    with pytest.raises(ConfigError, match="needs texts"):
        resolve_language("auto")


def test_segmentation_keeps_words_whole_and_reads_traditional():
    pytest.importorskip("jieba")
    pytest.importorskip("opencc")
    from auditkit._language import is_traditional, segment, to_simplified

    text = "她们说他人都很好，其他人也是。"
    assert [text[s:e] for s, e in segment(text)] == ["她们", "说", "他人", "都", "很", "好", "，", "其他人", "也", "是", "。"]
    trad = "她們說媽媽的女兒很漂亮"
    assert is_traditional(trad) and not is_traditional("她们说妈妈的女儿很漂亮")
    assert to_simplified(trad) == "她们说妈妈的女儿很漂亮"
    assert [trad[s:e] for s, e in segment(trad)][:4] == ["她們", "說", "媽媽", "的"]  # cut via Simplified
    assert [t[s:e] for t in ["张明说这本书很好"] for s, e in segment(t)][:2] == ["张", "明说"]
    assert [t[s:e] for t in ["张明说这本书很好"] for s, e in segment(t, words={"张明": 30})][:2] == ["张明", "说"]


def test_jieba_never_reads_or_writes_its_cache_in_the_shared_temp_folder(tmp_path, monkeypatch):
    pytest.importorskip("jieba")
    import tempfile

    from auditkit import _language

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "jieba.cache").write_bytes(b"planted")  # would break jieba.initialize() if it were read
    monkeypatch.setattr(_language, "_STATE", {})
    assert [("北京大学"[s:e]) for s, e in _language.segment("北京大学")] == ["北京大学"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jieba.cache"]
