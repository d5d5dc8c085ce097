"""The zh probe pack: sourced lists, the language choice, the tokenizer guard, the crossed test with one Holm
correction, and the licence rule for given names."""

import json

import pytest

pytest.importorskip("jieba")

from auditkit.errors import ConfigError, ModelError  # noqa: E402
from auditkit.probes import run_probes  # noqa: E402
from auditkit.probes._packs import builtin_packs, resolve_lexicons  # noqa: E402
from auditkit.probes._swap_zh import chinese_attributes, chinese_lexicon, load_chinese_lexicon  # noqa: E402


def _zh():
    return next(p for p in builtin_packs() if p.name == "zh")


def test_the_zh_pack_is_sourced_large_enough_and_apache_licensed():
    pack = _zh()
    assert pack.language == "zh" and chinese_attributes() == ("ethnicity", "gender", "hukou", "origin")
    assert len(pack.templates) >= 24 and {t.shape for t in pack.templates} == {"subject", "object", "event"}
    assert {t.valence for t in pack.templates} == {"positive", "negative", "neutral"}
    described = pack.describe()
    for name, attr in described["attributes"].items():
        assert attr["licences"] == ["Apache-2.0"], name  # nothing GPL or NC: given names are our own list
        for info in attr["lists"]:
            assert info["source"].strip(), (name, info["name"])
    gender = chinese_lexicon("gender")
    assert len(gender.names) >= 40 and len(gender.terms) >= 20
    assert all(row["female"][0] == row["male"][0] for row in gender.names)  # the surname is held fixed
    names = next(i for i in gender.lists if i.name == "families.templates_names")
    assert "selection rule" in names.derivation and "ChineseNames" not in names.source + names.derivation


def test_english_and_chinese_gender_are_different_packs():
    assert resolve_lexicons(["gender"])["gender"].language == "en"
    assert resolve_lexicons(["gender"], language="zh")["gender"].language == "zh"
    assert "hukou" not in resolve_lexicons(None)  # 'all' on English texts probes no Chinese attribute
    with pytest.raises(ConfigError, match="unknown attribute 'race'"):
        resolve_lexicons(["race"], language="zh")


def _chinese_tiny_classifier(texts, seed=0):
    from auditkit.training._scratch import ScratchSize, scratch_classifier

    return scratch_classifier(texts, ["negative", "positive"], size=ScratchSize(vocab_size=800, hidden_size=32,
                              num_layers=1, num_heads=2), max_length=64, seed=seed)


def _sentences():
    pack = _zh()
    return list(dict.fromkeys(t.fill(row[g]) for lex in pack.attributes.values() for f in lex.families
                              for row in getattr(f, "rows", ()) for t in pack.templates for g in lex.groups))


def test_a_model_that_cannot_read_chinese_is_refused_with_the_unknown_share():
    from tiny_models import build_tiny_classifier

    with pytest.raises(ModelError, match=r"maps \d+% of the tokens of the zh probe sentences .* to \[UNK\]"):
        run_probes(build_tiny_classifier(), attributes=["hukou"], language="zh", n_boot=200)


def test_the_zh_pack_runs_through_the_suite_with_one_holm_correction():
    clf = _chinese_tiny_classifier(_sentences())
    texts = ["她说这本书很好看。", "他觉得质量太差了。", "王秀芳买的衣服不错。", "物流很快。"] * 3
    report = run_probes(clf, attributes=["gender", "hukou"], texts=texts, n_boot=200, seed=1)  # language detected
    settings = report.summary["settings"]
    assert settings["language"] == "zh" and settings["attributes"] == ["gender", "hukou"]
    gender, hukou = report.summary["gender"], report.summary["hukou"]
    assert (gender["gap_groups"] if "gap_groups" in gender else gender["groups"])[:2] == ["female", "male"]
    assert set(gender["families"]) >= {"templates_names", "templates_nouns"}
    swapped = report.table[report.table["family"] == "dataset_counterfactual"]
    assert set(swapped.loc[swapped["group"] == "male", "text"]) >= {"他说这本书很好看。", "王志强买的衣服不错。"}
    assert settings["n_tests"] >= 2
    for entry in (gender, hukou):
        assert entry["verdict"] in ("bias", "no_material_bias", "inconclusive")


def _write(tmp_path, attribute):
    pack = json.loads(json.dumps(_zh_doc()))
    pack["attributes"] = {k: v for k, v in pack["attributes"].items() if k == "gender"}
    attribute(pack["attributes"]["gender"])
    path = tmp_path / "zh_gender.json"
    path.write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
    return path


def _zh_doc():
    from importlib import resources

    return json.loads(resources.files("auditkit.probes").joinpath("packs/zh.json").read_text(encoding="utf-8"))


def test_a_name_row_with_two_surnames_is_one_line(tmp_path):
    def two_surnames(gender):
        gender["families"]["templates_names"]["rows"][0] = {"female": "王秀芳", "male": "李志强"}

    with pytest.raises(ConfigError) as err:
        load_chinese_lexicon(_write(tmp_path, two_surnames))
    assert "must give every group the same surname" in str(err.value) and "\n" not in str(err.value)


def test_a_pack_without_a_licence_is_one_line(tmp_path):
    def no_licence(gender):
        del gender["families"]["templates_names"]["licence"]

    with pytest.raises(ConfigError) as err:
        load_chinese_lexicon(_write(tmp_path, no_licence))
    assert "licence" in str(err.value) and "\n" not in str(err.value)
