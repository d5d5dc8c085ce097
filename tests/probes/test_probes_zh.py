"""The Chinese template probes: sourced lexicons, the tokenizer guard, the crossed test and one Holm correction."""

import pytest

pytest.importorskip("jieba")

from auditkit.errors import ModelError  # noqa: E402
from auditkit.probes._probe_zh import chinese_probe_frame, chinese_template_probes  # noqa: E402
from auditkit.probes._swap_zh import chinese_attributes, chinese_lexicon  # noqa: E402
from auditkit.probes._templates_zh import chinese_slot_words, chinese_templates  # noqa: E402


def test_the_chinese_lists_are_sourced_and_large_enough():
    assert chinese_attributes() == ("ethnicity", "gender", "hukou", "origin")
    templates = chinese_templates()
    assert len(templates) >= 24 and {t.shape for t in templates} == {"subject", "object", "event"}
    assert {t.slot for t in templates} == {"emotion", "situation", None}
    for words in chinese_slot_words().values():
        assert sorted(set(words.values())) == ["negative", "positive"]
    for attribute in chinese_attributes():
        lex = chinese_lexicon(attribute)
        for key, entry in lex.provenance.items():
            assert entry["source"].strip() and entry["licence"].strip(), (attribute, key)
        rows = len(lex.names) + sum(len(r) for r in lex.person_phrases.values())
        assert rows >= 10, attribute
    frame = chinese_probe_frame(chinese_lexicon("gender"))
    assert frame["text"].str.contains("{").sum() == 0  # every slot filled
    assert frame.groupby("instance_id")["group"].nunique().eq(2).all()


def _chinese_tiny_classifier(texts, seed=0):
    from auditkit.training._scratch import ScratchSize, scratch_classifier

    return scratch_classifier(texts, ["negative", "positive"], size=ScratchSize(vocab_size=800, hidden_size=32,
                              num_layers=1, num_heads=2), max_length=64, seed=seed)


def test_a_model_that_cannot_read_chinese_is_refused_with_the_unknown_share():
    from tiny_models import build_tiny_classifier

    with pytest.raises(ModelError, match=r"maps \d+% of the tokens of the zh probe sentences .* to \[UNK\]"):
        chinese_template_probes(build_tiny_classifier(), ["hukou"], n_boot=50)


def test_every_attribute_is_tested_with_one_holm_correction():
    sentences = list(dict.fromkeys(t for a in chinese_attributes() for t in chinese_probe_frame(chinese_lexicon(a))["text"]))
    clf = _chinese_tiny_classifier(sentences)
    results = chinese_template_probes(clf, ["gender", "hukou"], n_boot=100, seed=1)
    assert set(results) == {"gender", "hukou"}
    gender = results["gender"]
    assert gender.gap_groups == ("female", "male") and gender.estimate.n_rows >= 40 + 16
    assert gender.families == ("zh_templates_names", "zh_templates_nouns")
    assert results["hukou"].gap_groups == ("rural", "urban")
    raw = sorted(r.estimate.p_value for r in results.values())
    holm = sorted(r.p_value_holm for r in results.values())
    assert holm[0] == pytest.approx(min(1.0, 2 * raw[0]))  # Holm over the two attributes
    assert set(results["gender"].unknown_share_by_group) == {"female", "male"}
    assert all(share == 0.0 for share in results["hukou"].unknown_share_by_group.values())  # trained on these words
    for r in results.values():
        assert r.verdict in ("bias", "no_material_bias", "inconclusive") and r.verdict_reason
        assert r.estimate.ci_low <= r.estimate.gap <= r.estimate.ci_high


def _write(tmp_path, **changes):
    import json
    from importlib import resources

    doc = json.loads(resources.files("auditkit.probes").joinpath("lexicons/zh/gender.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    path = tmp_path / "lex.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes, fragment", [
    (dict(provenance=None), "needs 'provenance': the source and licence of each list"),
    (dict(provenance={"terms": {"source": "us"}}), "provenance['terms'] needs a 'source' and a 'licence'"),
    (dict(language="en"), "is not a Chinese lexicon"),
    (dict(names=[{"female": "王秀英", "male": "李建国"}]), "must give every group the same surname"),
    (dict(whole_words="他乡"), "'whole_words' must be a list of Chinese words"),
    (dict(terms=[{"female": "她", "male": "他"}, {"female": "她", "male": "他们"}]), "repeats '她' for group 'female'"),
])
def test_a_bad_chinese_lexicon_is_one_line(tmp_path, changes, fragment):
    from auditkit.errors import ConfigError
    from auditkit.probes._swap_zh import load_chinese_lexicon

    with pytest.raises(ConfigError) as err:
        load_chinese_lexicon(_write(tmp_path, **changes))
    assert fragment in str(err.value) and "\n" not in str(err.value)
