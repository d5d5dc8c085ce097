import json

import pytest

from auditkit.errors import ConfigError
from auditkit.probes import builtin_attributes, identity_terms, load_lexicon


def test_builtin_attributes():
    assert builtin_attributes() == ("gender", "race")


def test_identity_terms_shape_and_content():
    terms = identity_terms()
    assert set(terms) == {"gender", "race"}
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
    with pytest.raises(ConfigError, match="unknown attribute 'age'; known: gender, race"):
        identity_terms(["age"])
