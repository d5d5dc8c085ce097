"""An audit stops when its probe language's sentences are mostly unknown tokens to the model."""

import pytest

from auditkit.errors import ModelError
from auditkit.models._coverage import check_reads_language, token_coverage


def test_minilm_cannot_read_the_chinese_probe_sentences():
    from tiny_models import build_tiny_classifier

    clf = build_tiny_classifier()  # the MiniLM tokenizer
    assert clf.tokenizer.tokenize("他和她") == ["[UNK]", "和", "[UNK]"]
    with pytest.raises(ModelError) as err:
        check_reads_language(clf, ["他感到很开心。", "她感到很开心。", "这本书质量很好。"], "zh")
    message = str(err.value)
    assert "\n" not in message and "of the tokens of the zh probe sentences" in message and "to [UNK]" in message
    english = check_reads_language(clf, ["She feels happy.", "He feels happy."], "en")
    assert english.n_unknown == 0 and english.unknown_share == 0.0


def test_no_sentence_counts_as_unreadable():
    from tiny_models import build_tiny_classifier

    clf = build_tiny_classifier()
    assert token_coverage(clf.tokenizer, ["", "  "]).n_tokens == 0
    with pytest.raises(ModelError):
        check_reads_language(clf, [], "zh")


def test_the_chinese_templates_on_minilm_are_mostly_unknown():
    pytest.importorskip("jieba")
    from tiny_models import build_tiny_classifier

    from auditkit.probes._packs import builtin_packs

    pack = next(p for p in builtin_packs() if p.name == "zh")
    nouns = next(f for f in pack.attributes["gender"].families if f.name == "templates_nouns")
    sentences = [t.fill(row[g]) for row in nouns.rows for t in pack.templates for g in ("female", "male")]
    coverage = token_coverage(build_tiny_classifier().tokenizer, sentences)
    assert coverage.unknown_share > 0.5


def test_the_english_probes_refuse_a_model_that_reads_only_chinese():
    from auditkit.probes import run_probes
    from auditkit.training._scratch import ScratchSize, scratch_classifier

    texts = ["质量很好，非常满意", "物流太慢，差评", "这本书的内容很精彩", "东西不好，不推荐"] * 5
    clf = scratch_classifier(texts, ["negative", "positive"], size=ScratchSize(vocab_size=100, hidden_size=16,
                             num_layers=1, num_heads=2), max_length=32, seed=0)
    with pytest.raises(ModelError, match=r"of the tokens of the en probe sentences .* it cannot read en"):
        run_probes(clf, attributes=["gender"], n_boot=100)
