import json

import pytest

from auditkit.errors import ConfigError
from auditkit.probes import builtin_attributes, identity_terms, load_lexicon
from auditkit.probes._packs import builtin_packs, speaks


def test_builtin_attributes():
    assert {"gender", "race", "religion", "sexual_orientation", "gender_identity", "disability", "age", "nationality",
            "race_ethnicity", "gender_race"} <= set(builtin_attributes())
    assert list(builtin_attributes()) == sorted(builtin_attributes())


def test_identity_terms_shape_and_content():
    terms = identity_terms()  # the English packs' attributes (the default language)
    english = {a for pack in builtin_packs() if speaks(pack, "en") for a in pack.attributes}
    assert {"gender", "race"} <= set(terms) and set(terms) == english and english < set(builtin_attributes())
    assert set(terms["gender"]) == {"female", "male"}
    assert {"she", "her", "hers", "sister", "woman", "ebony", "amanda"} <= terms["gender"]["female"]
    assert {"he", "him", "his", "brother", "man", "jamel", "adam"} <= terms["gender"]["male"]
    assert {"black", "african", "ebony", "jamel"} <= terms["race"]["african_american"]
    assert {"white", "european", "amanda", "adam"} <= terms["race"]["european_american"]
    # shared by both groups, so not identifying
    assert "american" not in terms["race"]["african_american"] | terms["race"]["european_american"]
    for groups in terms.values():
        for words in groups.values():
            assert isinstance(words, frozenset)
            assert all(w == w.lower() and " " not in w for w in words)


def test_identity_terms_for_some_attributes():
    assert list(identity_terms(["race"])) == ["race"]


def write(tmp_path, data, name="lex.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_user_lexicon_adds_an_attribute(tmp_path):
    path = write(
        tmp_path,
        {
            "attribute": "religion",
            "groups": ["muslim", "christian", "jewish"],
            "terms": [{"muslim": "mosque", "christian": "church", "jewish": "synagogue"}],
            "identity_words": {"muslim": ["islam"]},
        },
    )
    lex = load_lexicon(path)
    assert lex.groups == ("muslim", "christian", "jewish")
    assert lex.gap == ("muslim", "christian")
    terms = identity_terms(["religion"], lexicons=[path])
    assert terms["religion"]["muslim"] == frozenset({"mosque", "islam"})


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"attribute": "x", "groups": ["a", "b"]}, "is empty"),
        ({"attribute": "x", "groups": ["a", "b"], "terms": []}, "is empty"),
        ({"attribute": "x", "groups": ["a"], "terms": [{"a": "w"}]}, "at least two distinct group"),
        ({"attribute": "x", "groups": ["a", "b"], "terms": [{"a": "w"}]}, r"terms\[0\] has no word for group\(s\) b"),
        ({"attribute": "X y", "groups": ["a", "b"]}, "needs an 'attribute' name"),
        ({"attribute": "x", "groups": ["a", "b"], "gap": ["a", "c"], "terms": [{"a": "w", "b": "v"}]}, "'gap' must name"),
        ({"attribute": "settings", "groups": ["a", "b"], "terms": [{"a": "w", "b": "v"}]}, "reserved"),
        ({"attribute": "x", "groups": ["a", "b"], "names": [{"a": "John", "b": "Adam"}, {"a": "John", "b": "Paul"}]},
         r"names\[1\] repeats 'John' for group 'a' from names\[0\]"),
        ({"attribute": "x", "groups": ["a", "b"], "names": [{"a": "John", "b": "Adam"}], "extra_names": [{"a": "Mark", "b": "adam"}]},
         r"extra_names\[0\] repeats 'adam' for group 'b' from names\[0\]"),
        ({"attribute": "x", "groups": ["a", "b"], "terms": [{"a": "mom", "b": "dad"}, {"a": "mum", "b": "dad"}]},
         r"terms\[1\] repeats 'dad'.*or mark it \"variant\": true"),
        ({"attribute": "x", "groups": ["a", "b"], "person_phrases": {"p": [{"a": "a nun", "b": "a monk"}, {"a": "a nun", "b": "a monk"}]}},
         r"person_phrases.p\[1\] repeats 'a nun'"),
        ({"attribute": "x", "groups": ["a", "b"], "names": [{"a": "John", "b": "Adam"}], "person_phrases": {"p": []}},
         "person_phrases.p has no rows"),
    ],
)
def test_bad_lexicons(tmp_path, data, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_lexicon(write(tmp_path, data))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_lexicon(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_lexicon(bad)


def test_error_messages_are_one_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_lexicon(write(tmp_path, {"attribute": "x", "groups": ["a", "b"]}))
    assert "\n" not in str(err.value)


def test_unknown_attribute():
    with pytest.raises(ConfigError, match="unknown attribute 'caste'; known: age, disability, gender, "):
        identity_terms(["caste"])


def test_bad_lexicon_errors_are_one_line(tmp_path):
    data = {"attribute": "x", "groups": ["a", "b"], "names": [{"a": "John", "b": "Adam"}, {"a": "John", "b": "Paul"}]}
    with pytest.raises(ConfigError) as info:
        load_lexicon(write(tmp_path, data))
    assert "\n" not in str(info.value)


def test_variant_rows_and_forms_may_share_a_word(tmp_path):
    lex = load_lexicon(write(tmp_path, {
        "attribute": "x", "groups": ["a", "b"],
        "terms": [{"a": "Ms", "b": "Mr"}, {"a": "Mrs", "b": "Mr", "variant": True},
                  {"a": "her", "b": "his", "form": "possessive"}, {"a": "her", "b": "him", "form": "object"}],
    }))
    assert [row.get("variant", False) for row in lex.terms] == [False, True, False, False]
    from auditkit.probes import swap_identity
    # a variant is rewritten from, never into: Mrs -> Mr -> Ms, and Ms <-> Mr round trips
    assert swap_identity("Mrs Lee", "x", target_group="b", lexicon=lex) == "Mr Lee"
    assert swap_identity("Mr Lee", "x", target_group="a", lexicon=lex) == "Ms Lee"


def test_builtin_lexicons_pass_the_checks_and_english_lists_are_not_attributes():
    from auditkit.probes._lexicon import english_words
    from auditkit.probes._packs import builtin_lexicon
    assert "_english" not in builtin_attributes()
    assert builtin_lexicon("race").adjectives == ({"african_american": "Black", "european_american": "white"},)
    assert {"frank", "will", "jack"} <= english_words("common_word_names")
    assert "kenya" in english_words("place_names") and "woman" in english_words("person_nouns")
