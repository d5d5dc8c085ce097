import pytest

from auditkit.errors import ConfigError
from auditkit.probes import swap_identity


def male(text):
    return swap_identity(text, "gender", target_group="male")


def female(text):
    return swap_identity(text, "gender", target_group="female")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("She gave her sister her keys.", "He gave his brother his keys."),
        ("I told her.", "I told him."),
        ("I gave it to her, she said.", "I gave it to him, he said."),
        ("I saw her yesterday at her own house.", "I saw him yesterday at his own house."),
        ("Her car is red and the bike is hers.", "His car is red and the bike is his."),
        ("I like her very much.", "I like him very much."),
        ("She did it her very own way.", "He did it his very own way."),
        ("We told her that her mother called.", "We told him that his father called."),
        ("SHE IS MY WIFE", "HE IS MY HUSBAND"),
        ("My Mom's car", "My Dad's car"),
        ("Women and girls", "Men and boys"),
        ("She blamed herself.", "He blamed himself."),
        ("My ex-wife called.", "My ex-husband called."),
    ],
)
def test_female_to_male(text, expected):
    assert male(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He lent me his car.", "She lent me her car."),
        ("The car is his.", "The car is hers."),
        ("I told him that his dad called.", "I told her that her mom called."),
        ("His own brother", "Her own sister"),
    ],
)
def test_male_to_female(text, expected):
    assert female(text) == expected


def test_names_swap_within_gender_and_race_and_keep_possessive():
    assert swap_identity("Ebony's mom", "race", target_group="european_american") == "Amanda's mom"
    assert swap_identity("Ebony's mom", "gender", target_group="male") == "Alonzo's dad"
    assert swap_identity("Jamel met EBONY", "race", target_group="european_american") == "Frank met AMANDA"
    # deterministic
    assert swap_identity("Jamel", "race", target_group="european_american") == "Frank"


def test_names_inside_other_words_and_lowercase_words_are_untouched():
    text = "Jack moved to Jacksonville; Adam was adamant, Adamant even, and frank about it."
    out = swap_identity(text, "race", target_group="african_american")
    assert out == "Lamar moved to Jacksonville; Alonzo was adamant, Adamant even, and frank about it."
    assert male("Shelby and Herbert met Sheila; the mother-board") == "Shelby and Herbert met Sheila; the father-board"


def test_text_without_mentions_is_returned_unchanged():
    assert male("The film was long.") == "The film was long."
    assert swap_identity("She said so.", "race", target_group="european_american") == "She said so."


def test_source_group_restricts_the_swap():
    assert swap_identity("He told her", "gender", target_group="male", source_group="female") == "He told him"


def test_multiword_terms_swap():
    assert (
        swap_identity("An African American writer", "race", target_group="european_american")
        == "A European American writer"
    )


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"target_group": "nonbinary"}, "unknown group 'nonbinary'"),
        ({"target_group": "male", "source_group": "male"}, "source group 'male'"),
    ],
)
def test_bad_groups_raise_config_error(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        swap_identity("she", "gender", **kwargs)


def test_unknown_attribute():
    with pytest.raises(ConfigError, match="unknown attribute 'caste'"):
        swap_identity("she", "caste", target_group="x")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("an aunt and a niece", "an uncle and a nephew"),
        ("A European American", "An African American"),
        ("She is a heroine.", "He is a hero."),
    ],
)
def test_articles_follow_the_new_word(text, expected):
    attribute = "race" if "American" in text else "gender"
    target = "african_american" if attribute == "race" else "male"
    assert swap_identity(text, attribute, target_group=target) == expected


@pytest.mark.parametrize("text, expected", [
    ("She gave her brother's car back", "He gave his brother's car back"),
    ("I told her it's late", "I told him it's late"),
])
def test_her_before_a_possessive_noun_or_a_clause(text, expected):
    assert swap_identity(text, "gender", target_group="male") == expected
