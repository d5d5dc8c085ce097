import pytest

from auditkit.errors import ConfigError
from auditkit.probes import counterfactual_augment


def test_adds_swapped_copies_with_the_same_label():
    texts = ["She loved her car.", "Great film.", "Jack hated it."]
    out_texts, out_labels = counterfactual_augment(texts, [1, 1, 0])
    assert out_texts[:3] == texts and out_labels[:3] == [1, 1, 0]
    added = dict(zip(out_texts[3:], out_labels[3:]))
    assert added["He loved his car."] == 1
    assert added["Katie hated it."] == 0  # gender swap of a name keeps race
    assert added["Lamar hated it."] == 0  # race swap of a name keeps gender
    assert "Great film." not in out_texts[3:]
    assert len(out_texts) == len(out_labels) == 6


def test_no_duplicates_and_deterministic():
    texts = ["She came.", "He came."]
    a = counterfactual_augment(texts, [0, 1], attributes=["gender"], seed=1)
    assert a == (["She came.", "He came."], [0, 1])  # each copy already exists
    mixed = ["She told him."] * 1
    assert counterfactual_augment(mixed, [1], seed=3) == counterfactual_augment(mixed, [1], seed=3)


def test_bad_input():
    with pytest.raises(ValueError, match="labels has 1"):
        counterfactual_augment(["a", "b"], [1])
    with pytest.raises(ConfigError, match="unknown attribute"):
        counterfactual_augment(["a"], [1], attributes=["caste"])


def test_a_lower_case_corpus_gets_its_names_swapped_but_not_common_words_or_full_names():
    texts = ["katie was wonderful", "a frank , honest film", "adam sandler 's latest", "sandler is back", "she cried"]
    out_texts, _ = counterfactual_augment(texts, [1, 1, 0, 0, 1], attributes=["gender"])
    assert set(out_texts[len(texts):]) == {"jack was wonderful", "he cried"}


def test_augmentation_and_whatif_use_the_probes_counterfactual_versions():
    """One builder: augmentation's copy is one of counterfactual_versions' versions, and What-if lists exactly the
    versions that differ from the text, attribute by attribute."""
    from auditkit_dashboard._whatif import counterfactual_variants

    from auditkit.probes._swap import counterfactual_versions

    for text in ["She gave her sister her keys.", "It made her cry.", "Ebony loved the film.", "Great film."]:
        versions = {a: counterfactual_versions(text, a) or {} for a in ("gender", "race")}
        for attribute, by_group in versions.items():
            added = counterfactual_augment([text], [1], attributes=[attribute])[0][1:]
            assert set(added) <= set(by_group.values()) - {text}
            assert bool(added) == bool(set(by_group.values()) - {text})
        expected, seen = [], {text}
        for attribute, by_group in versions.items():
            for group, version in by_group.items():
                if version not in seen:
                    seen.add(version)
                    expected.append({"attribute": attribute, "group": group, "text": version})
        assert counterfactual_variants(text) == expected
