"""Hand-checked counterfactual swaps: each expected output was written by a person, not by the code.

Cases the swapper is known to get wrong are kept, marked ``xfail(strict=True)`` with the reason, so the
file states the swapper's accuracy (passed / all) and a fix shows up as an unexpected pass.
"""

import csv
import re

import pytest

from auditkit.probes import identity_terms, swap_identity
from auditkit.probes._packs import builtin_lexicon
from auditkit.probes._swap import dataset_counterfactuals, swap_context

LOWER = swap_context([
    "adam sandler 's latest is a mess", "sandler is back", "adam was great", "katie was wonderful",
    "jack ryan returns", "a frank , honest film",
])
assert LOWER.lowercase and "sandler" in LOWER.surnames


def known_failure(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# (text, attribute, target group, expected, context)
CASES = [
    # "her" as an object before a verb, an adjective or a second object
    ("It made her cry.", "gender", "male", "It made him cry.", None),
    ("Please let her go.", "gender", "male", "Please let him go.", None),
    ("He gave her flowers.", "gender", "male", "He gave him flowers.", None),
    ("Everyone found her attractive.", "gender", "male", "Everyone found him attractive.", None),
    ("The ending left her speechless.", "gender", "male", "The ending left him speechless.", None),
    ("I saw her leave early.", "gender", "male", "I saw him leave early.", None),
    ("We watched her dancing all night.", "gender", "male", "We watched him dancing all night.", None),
    ("They bought her dinner.", "gender", "male", "They bought him dinner.", None),
    ("The film made her famous.", "gender", "male", "The film made him famous.", None),
    ("I love her.", "gender", "male", "I love him.", None),
    ("I gave it to her, she said.", "gender", "male", "I gave it to him, he said.", None),
    ("I told her it's late.", "gender", "male", "I told him it's late.", None),
    ("He loved her dearly.", "gender", "male", "He loved him dearly.", None),
    ("I like her more than you.", "gender", "male", "I like him more than you.", None),
    ("We told her that her mother called.", "gender", "male", "We told him that his father called.", None),
    # "her" as a determiner
    ("Her car is red.", "gender", "male", "His car is red.", None),
    ("She lost her keys.", "gender", "male", "He lost his keys.", None),
    ("She made her debut in 2001.", "gender", "male", "He made his debut in 2001.", None),
    ("I found her keys under the sofa.", "gender", "male", "I found his keys under the sofa.", None),
    ("He told her mother the truth.", "gender", "male", "He told his father the truth.", None),
    ("It is her most charming performance.", "gender", "male", "It is his most charming performance.", None),
    ("She did it her very own way.", "gender", "male", "He did it his very own way.", None),
    ("Especially her oddly moving final scene.", "gender", "male", "Especially his oddly moving final scene.", None),
    ("She gave her brother's car back.", "gender", "male", "He gave his brother's car back.", None),
    # hers, herself, nouns, titles
    ("The bike is hers.", "gender", "male", "The bike is his.", None),
    ("Hers was the best role.", "gender", "male", "His was the best role.", None),
    ("She blamed herself.", "gender", "male", "He blamed himself.", None),
    ("Ms Smith is the director.", "gender", "male", "Mr Smith is the director.", None),
    ("SHE IS MY WIFE", "gender", "male", "HE IS MY HUSBAND", None),
    ("My Mom's car", "gender", "male", "My Dad's car", None),
    ("Katie and her sister argued.", "gender", "male", "Jack and his brother argued.", None),
    ("When Katie left, she cried.", "gender", "male", "When Jack left, he cried.", None),
    # male -> female
    ("He lent me his car.", "gender", "female", "She lent me her car.", None),
    ("The car is his.", "gender", "female", "The car is hers.", None),
    ("I told him that his dad called.", "gender", "female", "I told her that her mom called.", None),
    ("Mr Smith met him.", "gender", "female", "Ms Smith met her.", None),
    ("His own brother", "gender", "female", "Her own sister", None),
    ("Jack was late again.", "gender", "female", "Katie was late again.", None),
    ("It made him cry.", "gender", "female", "It made her cry.", None),
    ("The boys love their dad.", "gender", "female", "The girls love their mom.", None),
    # names that are not a person's first name here: left alone
    ("Jack Nicholson is superb.", "gender", "female", "Jack Nicholson is superb.", None),
    ("Harry Potter fans will love it.", "gender", "female", "Harry Potter fans will love it.", None),
    ("Sir Ian McKellen shines.", "gender", "female", "Sir Ian McKellen shines.", None),
    ("The film was shot in Kenya.", "gender", "male", "The film was shot in Kenya.", None),
    ("Jasmine rice is served.", "gender", "male", "Jasmine rice is served.", None),
    ("Saving Private Ryan is long.", "gender", "female", "Saving Private Ryan is long.", None),
    ("The film stars Amanda Peet.", "gender", "male", "The film stars Amanda Peet.", None),
    ("I loved Her, the Spike Jonze film.", "gender", "male", "I loved Her, the Spike Jonze film.", None),
    ("Wonder Woman is fun.", "gender", "male", "Wonder Woman is fun.", None),
    ("Jack moved to Jacksonville; he was frank about it.", "gender", "female", "Katie moved to Jacksonville; she was frank about it.", None),
    # race: identity adjectives of people, names, terms
    ("A Black woman directed it.", "race", "european_american", "A white woman directed it.", None),
    ("Black women rule the film.", "race", "european_american", "White women rule the film.", None),
    ("The all-black cast is great.", "race", "european_american", "The all-white cast is great.", None),
    ("Two white men argue.", "race", "african_american", "Two Black men argue.", None),
    ("A young Black man runs.", "race", "european_american", "A young white man runs.", None),
    ("A black female director", "race", "european_american", "A white female director", None),
    ("She ordered white wine.", "race", "african_american", "She ordered white wine.", None),
    # the nouns of the identity-term probe rows ("my Black coworker") are words for people too
    ("My Black coworker loved it.", "race", "european_american", "My white coworker loved it.", None),
    ("Our white roommates hated it.", "race", "african_american", "Our Black roommates hated it.", None),
    ("My half-sister and my godmother came.", "gender", "male", "My half-brother and my godfather came.", None),
    ("It is a black comedy.", "race", "european_american", "It is a black comedy.", None),
    ("A black-and-white film.", "race", "european_american", "A black-and-white film.", None),
    ("The White House is big.", "race", "african_american", "The White House is big.", None),
    ("Black Panther is a hit.", "race", "european_american", "Black Panther is a hit.", None),
    ("White Men Can't Jump is funny.", "race", "african_american", "White Men Can't Jump is funny.", None),
    ("An African American director", "race", "european_american", "A European American director", None),
    ("Jamel met EBONY", "race", "european_american", "Frank met AMANDA", None),
    ("Lakisha Jones won.", "race", "european_american", "Lakisha Jones won.", None),
    ("Lakisha won the prize.", "race", "european_american", "Courtney won the prize.", None),
    ("Ebony's mom", "race", "european_american", "Amanda's mom", None),
    # an all-lower-case corpus (SST-2 style): names in lower case, except common words and full names
    ("katie was wonderful", "gender", "male", "jack was wonderful", LOWER),
    ("adam was great", "gender", "female", "amanda was great", LOWER),
    ("adam sandler 's latest is a mess", "gender", "female", "adam sandler 's latest is a mess", LOWER),
    ("frank capra 's classic", "gender", "female", "frank capra 's classic", LOWER),
    ("a frank , honest film", "gender", "female", "a frank , honest film", LOWER),
    ("harry potter and the chamber of secrets", "gender", "female", "harry potter and the chamber of secrets", LOWER),
    ("jack ryan returns", "gender", "female", "jack ryan returns", LOWER),
    ("she gave her flowers", "gender", "male", "he gave him flowers", LOWER),
    ("i told her it 's late", "gender", "male", "i told him it 's late", LOWER),
    ("a white woman and her son", "race", "african_american", "a black woman and her son", LOWER),
    ("mr schaeffer directs", "gender", "female", "ms schaeffer directs", LOWER),
    ("katie was wonderful", "gender", "male", "katie was wonderful", None),  # a cased corpus: lower case is not a name
    # known failures
    pytest.param("sir ian mckellen shines", "gender", "female", "sir ian mckellen shines", LOWER,
                 marks=known_failure("lower case hides that 'sir ian' is a title and a name")),
    pytest.param("Frank talk about sex.", "gender", "female", "Frank talk about sex.", None,
                 marks=known_failure("a capitalised common-word name at the start of a sentence is taken for a name")),
    pytest.param("She gave her heart to him.", "gender", "male", "He gave his heart to him.", None,
                 marks=known_failure("after 'gave', 'her' + noun is read as an object ('gave her flowers')")),
]


@pytest.mark.parametrize("text, attribute, target, expected, context", CASES)
def test_hand_checked_swap(text, attribute, target, expected, context):
    assert swap_identity(text, attribute, target_group=target, context=context) == expected


ROUND_TRIPS = [
    ("Ms Jones made her cry.", "gender", "female", "male"),
    ("The car is hers.", "gender", "female", "male"),
    ("Her car is red; everyone found her attractive.", "gender", "female", "male"),
    ("I told him that his dad called.", "gender", "male", "female"),
    ("Mr Smith gave his brother flowers.", "gender", "male", "female"),
    ("A Black man and an African American woman", "race", "african_american", "european_american"),
]


@pytest.mark.parametrize("text, attribute, own, other", ROUND_TRIPS)
def test_round_trip_returns_the_original(text, attribute, own, other):
    there = swap_identity(text, attribute, target_group=other)
    assert there != text
    assert swap_identity(there, attribute, target_group=own) == text


def test_accuracy_of_the_hand_checked_cases_is_stated():
    # The module docstring promises the file states its accuracy: keep the known failures few.
    failures = [c for c in CASES if getattr(c, "marks", ())]
    assert len(CASES) >= 60 and 0 < len(failures) <= len(CASES) // 10


def _sst2_texts(shared_data):
    texts = []
    for name in ("train.csv", "dev.csv", "test.csv"):
        with open(shared_data / "sst2" / name, newline="", encoding="utf-8") as f:
            texts += [row["sentence"] for row in csv.DictReader(f)]
    return texts


@pytest.mark.parametrize("attribute", ["gender", "race"])
def test_swaps_on_sst2_change_identity_words_only(attribute, shared_data):
    texts = _sst2_texts(shared_data)
    lexicon = builtin_lexicon(attribute)
    allowed = set().union(*identity_terms([attribute])[attribute].values()) | {"a", "an"}
    cf = dataset_counterfactuals(texts, lexicon)
    assert cf.context.lowercase
    assert cf.n_swapped > 0
    changed = 0
    for item in cf.items:
        original = texts[item.index]
        if item.mentioned is not None:
            assert item.versions[item.mentioned] == original
        for version in item.versions.values():
            before, after = original.split(), version.split()
            assert len(before) == len(after), (original, version)
            for a, b in zip(before, after):
                if a != b:
                    changed += 1
                    assert re.sub(r"^all-", "", a) in allowed and re.sub(r"^all-", "", b) in allowed, (original, version)
            assert version == version.lower()  # a lower-case corpus stays lower-case
    assert changed > 0


def test_sst2_counts_name_swaps_and_leaves_full_names(shared_data):
    texts = _sst2_texts(shared_data)
    cf = dataset_counterfactuals(texts, builtin_lexicon("gender"))
    summary = cf.summary()
    assert summary["lowercase_corpus"] is True
    assert 0 < summary["n_names_swapped"] < summary["n_swapped"]
    # Full names of real people are not rewritten.
    for item in cf.items:
        for version in item.versions.values():
            for full_name in ("john malkovich", "adam sandler", "michael caine", "nicole kidman"):
                assert version.count(full_name) == texts[item.index].count(full_name)


def test_every_identity_term_row_is_swapped_like_the_probe_reads_it():
    """What the race identity-term probes compare, the dataset swapper (and counterfactual augmentation) rewrites:
    each row's phrase, in a sentence, swaps into its partner."""
    rows = builtin_lexicon("race").family("templates_identity_terms").rows
    for row in rows:
        black, white = row["african_american"], row["european_american"]
        assert swap_identity(f"I met {black} today.", "race", target_group="european_american") == f"I met {white} today."
        assert swap_identity(f"I met {white} today.", "race", target_group="african_american") == f"I met {black} today."

