"""--base scratch: a WordPiece tokenizer and a BERT trained from random weights on the data, offline."""

import json

import pytest

from auditkit.cli import main
from auditkit.data import TextDataset
from auditkit.errors import ConfigError
from auditkit.models import load_classifier
from auditkit.models._coverage import token_coverage
from auditkit.models._coverage import PROBE_SENTENCES
from auditkit.training import ScratchSize, TrainingConfig, fine_tune

TINY = dict(vocab_size=200, hidden_size=32, num_layers=1, num_heads=2)


def chinese_reviews(n=64):
    good = ["质量很好，非常满意", "物流很快，好评", "书的内容很精彩", "东西不错，推荐购买"]
    bad = ["质量太差，很失望", "物流太慢，差评", "书的内容很无聊", "东西不好，不推荐"]
    # Every text also carries the Chinese test sentence of the load-time tokenizer check, so the tiny vocabulary
    # learnt from these texts covers it as a real Chinese corpus would.
    texts = [(good if i % 2 else bad)[i % 4] + f"，第{i}次。" + PROBE_SENTENCES["zh"] for i in range(n)]
    return TextDataset(texts=texts, labels=["positive" if i % 2 else "negative" for i in range(n)], source="zh-toy")


def test_scratch_trains_a_tokenizer_and_a_bert_that_learn_chinese(tmp_path):
    out = tmp_path / "m"
    config = TrainingConfig(base="scratch", epochs=15, learning_rate=3e-3, batch_size=8, val_fraction=0.25, seed=3, **TINY)
    record = fine_tune(chinese_reviews(), out, config=config, log=lambda m: None)
    assert record["pretrained"] is False
    assert record["scratch"]["hidden_size"] == 32 and record["scratch"]["vocab_size_trained"] <= 200
    assert "not pretrained" in record["scratch"]["note"]
    saved = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert saved["pretrained"] is False and saved["base"] == "scratch"
    assert json.loads((out / "config.json").read_text())["auditkit_pretrained"] is False
    assert "**not pretrained**" in (out / "README.md").read_text(encoding="utf-8")
    assert record["validation"]["accuracy"] >= 0.9  # one character (好 / 差...) separates the classes
    clf = load_classifier(out)  # reads Chinese, not English: the load-time tokenizer check accepts it
    assert clf.labels == ["negative", "positive"]
    assert list(clf.predict(["质量很好，非常满意，第99次。", "质量太差，很失望，第98次。"])) == [1, 0]
    assert token_coverage(clf.tokenizer, ["质量很好"]).n_unknown == 0
    assert token_coverage(clf.tokenizer, ["鑫"]).unknown_share == 1.0  # a character it never saw


def test_augmenting_chinese_texts_uses_the_chinese_swapper(tmp_path):
    pytest.importorskip("jieba")
    ds = TextDataset(texts=["她很喜欢这本书", "我老公说质量不错", "物流很快", "其他人也说好"] * 4,
                     labels=["positive", "positive", "positive", "negative"] * 4, source="zh-aug")
    lines = []
    config = TrainingConfig(base="scratch", epochs=1, batch_size=8, val_fraction=0, augment="counterfactual", **TINY)
    record = fine_tune(ds, tmp_path / "m", config=config, log=lines.append)
    assert record["data"]["n_augmented"] == 2  # 他很喜欢这本书, 我老婆说质量不错 (the copies are de-duplicated)
    assert any("added 2 Chinese gender-swapped copies" in line for line in lines)


def test_the_same_seed_trains_the_same_model(tmp_path):
    config = TrainingConfig(base="scratch", epochs=1, batch_size=16, val_fraction=0, seed=5, **TINY)
    a = fine_tune(chinese_reviews(16), tmp_path / "a", config=config, log=lambda m: None)
    b = fine_tune(chinese_reviews(16), tmp_path / "b", config=config, log=lambda m: None)
    assert (tmp_path / "a" / "tokenizer.json").read_text() == (tmp_path / "b" / "tokenizer.json").read_text()
    assert a["train_loss"] == pytest.approx(b["train_loss"], abs=1e-4)  # CPU float sums may differ in the last digits


@pytest.mark.parametrize("sizes, fragment", [
    (dict(vocab_size=5), "vocab_size must be a whole number from 100"),
    (dict(hidden_size=30, num_heads=4), "hidden_size 30 must be a multiple of num_heads 4"),
    (dict(num_layers=0), "num_layers must be a whole number from 1"),
    (dict(num_heads=0), "num_heads must be a whole number from 1"),
    (dict(hidden_size=10**6), "hidden_size must be a whole number from 16 to 4096"),
])
def test_bad_sizes_are_refused_before_anything_runs(sizes, fragment):
    with pytest.raises(ConfigError, match=fragment):
        TrainingConfig(base="scratch", **sizes).validate()


def test_sizes_with_a_pretrained_base_are_refused():
    with pytest.raises(ConfigError, match="vocab_size, num_layers only apply to base 'scratch'"):
        TrainingConfig(base="minilm", vocab_size=1000, num_layers=2).validate()
    assert TrainingConfig(base="minilm").scratch_size is None
    assert TrainingConfig(base="scratch").scratch_size == ScratchSize()


@pytest.mark.parametrize("extra, fragment", [
    (["--vocab-size", "5"], "--vocab-size must be a whole number from 100"),
    (["--hidden-size", "30", "--num-heads", "4"], "--hidden-size 30 must be a multiple of --num-heads 4"),
    (["--num-layers", "-1"], "--num-layers must be a whole number from 1"),
])
def test_cli_refuses_bad_scratch_sizes_with_one_line(tmp_path, capsys, extra, fragment):
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "质量很好,positive\n质量很差,negative\n" * 5, encoding="utf-8")
    code = main(["train", "--data", str(data), "--base", "scratch", "--out", str(tmp_path / "m"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and fragment in err[0], err
    assert not (tmp_path / "m").exists()


def test_cli_refuses_scratch_sizes_for_a_pretrained_base(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("text,label\ngood,positive\nbad,negative\n", encoding="utf-8")
    code = main(["train", "--data", str(data), "--base", "minilm", "--vocab-size", "1000", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--vocab-size only apply to base 'scratch'" in err[0], err
