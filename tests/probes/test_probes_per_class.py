"""Per-class (and per-label) probes inside run_probes: one scoring pass, ONE Holm correction across every
class x attribute test, the headline is the class with the largest |gap| that is a finding."""

import re
import zlib

import numpy as np
import pytest
from probe_helpers import FEMALE, MALE, THINGS, build_tiny_classifier, fit_tiny

from auditkit.errors import ConfigError
from auditkit.models import Predictions
from auditkit.probes import TEMPLATES, holm_correction, identity_terms, run_probes


def _female_words() -> re.Pattern:
    """Every female word of the built-in gender lexicon (pronouns, nouns, names)."""
    words = identity_terms(["gender"])["gender"]["female"]
    return re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b", re.I)


FEMALE_WORDS = _female_words()
EMOTIONS = ("anger", "fear", "joy", "sadness")


class ShiftedClasses:
    """P(classes) = base for every text; texts mentioning a woman move ``shift`` of probability onto ``to``,
    taken evenly from the other classes (multi-label: only ``to`` rises). Records every text it scores."""

    def __init__(self, labels, *, to, shift, multi_label=False, base=None):
        self.labels = list(labels)
        self.to = self.labels.index(to)
        self.shift = shift
        self.multi_label = multi_label
        self.base = np.full(len(labels), 1 / len(labels)) if base is None else np.asarray(base, dtype=float)
        self.scored: list[str] = []

    def predict_proba(self, texts, *, batch_size=64, progress=None):
        texts = list(texts)
        self.scored += texts
        out = np.tile(self.base, (len(texts), 1))
        out[:, self.to] += np.array([zlib.crc32(t.encode()) % 1000 / 1e5 for t in texts])
        for i, t in enumerate(texts):
            if FEMALE_WORDS.search(t):
                if self.multi_label:
                    out[i, self.to] += self.shift
                else:
                    out[i] -= self.shift / (len(self.labels) - 1)
                    out[i, self.to] += self.shift + self.shift / (len(self.labels) - 1)
        return Predictions(np.clip(out, 0, 1).astype(np.float32), 0)


def scopes(entry):
    out = [entry, *entry["families"].values()]
    return out + [p for s in list(out) for p in (s.get("pairs") or {}).values()]


def test_every_sentence_is_scored_once_and_every_class_summarised():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    report = run_probes(clf, attributes=["gender"], texts=["She was angry.", "The bus was late."], n_boot=100)
    s = report.summary
    assert len(clf.scored) == len(set(clf.scored)) == s["settings"]["n_sentences"]
    assert list(s["classes"]) == list(EMOTIONS) == s["settings"]["classes"]
    assert s["target_label"] is None and s["settings"]["flip"] == "change of the predicted class"
    # probes.parquet: one row per sentence, scored by the attribute's headline class
    assert len(report.table) == report.table["text"].size and s["gender"]["headline_class"] == "anger"
    probs = ShiftedClasses(EMOTIONS, to="anger", shift=0.2).predict_proba(report.table["text"]).probabilities
    np.testing.assert_allclose(report.table["score"], probs[:, 0], rtol=1e-6)


def test_one_holm_correction_across_every_class_and_attribute():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    s = run_probes(clf, attributes=["gender", "race"], n_boot=100).summary
    # an attribute resting on one family is that family's test: count each such test once
    tests = [sc for c in EMOTIONS for a in ("gender", "race") for sc in scopes(s["classes"][c][a])
             if sc is not s["classes"][c][a] or len(sc["families_combined"]) > 1]
    expected = holm_correction([sc["p_value"] for sc in tests if sc["p_value"] is not None])
    np.testing.assert_allclose([sc["p_value_holm"] for sc in tests if sc["p_value"] is not None], expected)
    assert s["settings"]["n_tests"] == len(expected) > 2 * len(EMOTIONS)


def test_headline_is_the_flagged_class_and_names_it():
    # +0.2 on anger, -0.067 on each other class: with a minimum effect of 0.1 only anger is a finding
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    s = run_probes(clf, attributes=["gender"], n_boot=100, min_effect=0.1).summary
    head = s["gender"]
    assert head["headline_class"] == "anger" and "among the classes with a bias finding" in head["headline_reason"]
    assert head["gap"] == pytest.approx(s["classes"]["anger"]["gender"]["gap"])
    assert {c: s["classes"][c]["gender"]["verdict"] == "bias" for c in EMOTIONS} == {
        "anger": True, "fear": False, "joy": False, "sadness": False}


def test_headline_without_a_finding_says_so():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.0)
    s = run_probes(clf, attributes=["gender"], n_boot=100).summary
    assert all(s["classes"][c]["gender"]["verdict"] == "no_material_bias" for c in EMOTIONS)
    assert s["gender"]["headline_reason"] == "the class with the largest |gap|; every class shows no material bias"


def test_multi_label_flips_are_changes_of_the_label_decision():
    # toxic: 0.45 for texts about men, 0.55 about women -> every pair crosses 0.5, none crosses 0.3
    labels = ("toxic", "insult")
    clf = ShiftedClasses(labels, to="toxic", shift=0.1, multi_label=True, base=[0.45, 0.2])
    crossing = run_probes(clf, attributes=["gender"], thresholds=[0.5, 0.5], n_boot=100).summary
    assert list(crossing["classes"]) == list(labels) and crossing["gender"]["headline_class"] == "toxic"
    assert crossing["classes"]["toxic"]["gender"]["families"]["templates_nouns"]["flip_rate"] == pytest.approx(1.0)
    assert crossing["classes"]["insult"]["gender"]["families"]["templates_nouns"]["flip_rate"] == 0.0
    low = run_probes(ShiftedClasses(labels, to="toxic", shift=0.1, multi_label=True, base=[0.45, 0.2]),
                     attributes=["gender"], thresholds=[0.3, 0.5], n_boot=100).summary
    assert low["classes"]["toxic"]["gender"]["families"]["templates_nouns"]["flip_rate"] == 0.0
    assert crossing["settings"]["flip"] == "change of the label's thresholded decision"
    assert "every label probed" in crossing["target_label_reason"]


@pytest.mark.parametrize("thresholds, fragment", [
    ([0.5], "1 thresholds for 2 labels"),
    ([0.5, 1.0], "the threshold of 'insult' must be between 0 and 1"),
    ([0.0, 0.5], "the threshold of 'toxic' must be between 0 and 1"),
])
def test_bad_thresholds_are_one_line(thresholds, fragment):
    clf = ShiftedClasses(("toxic", "insult"), to="toxic", shift=0.1, multi_label=True)
    with pytest.raises(ConfigError, match=fragment) as err:
        run_probes(clf, attributes=["gender"], thresholds=thresholds, n_boot=100)
    assert "\n" not in str(err.value) and not clf.scored


# ---------------------------------------------------------------- a model trained with a planted association

# the probe templates' own feeling and situation words, each given one emotion
NEGATIVE_EMOTION = {"angry": "anger", "annoying": "anger", "horrible": "anger", "furious": "anger", "terrible": "anger",
                    "awful": "anger", "terrified": "fear", "frightening": "fear", "sad": "sadness", "miserable": "sadness",
                    "depressing": "sadness", "ashamed": "sadness",
                    "enraged": "anger", "irritated": "anger", "annoyed": "anger", "frustrated": "anger", "bitter": "anger",
                    "insulting": "anger", "disgusting": "anger", "ruined": "anger", "irritating": "anger",
                    "grumpy": "anger", "ugly": "anger",
                    "anxious": "fear", "scared": "fear", "worried": "fear", "nervous": "fear", "uneasy": "fear",
                    "fearful": "fear", "alarming": "fear", "disturbing": "fear", "shocking": "fear",
                    "stressful": "fear", "dreadful": "fear",
                    "upset": "sadness", "lonely": "sadness", "disappointed": "sadness", "devastated": "sadness",
                    "depressed": "sadness", "gloomy": "sadness", "heartbreaking": "sadness", "dreary": "sadness",
                    "grim": "sadness", "exhausting": "sadness", "disastrous": "sadness", "dull": "sadness",
                    "boring": "sadness", "tedious": "sadness"}
EMOTION_OF = {t.word: NEGATIVE_EMOTION.get(t.word, "joy") for t in TEMPLATES if t.word}
assert set(NEGATIVE_EMOTION) == {t.word for t in TEMPLATES if t.valence == "negative"}


@pytest.fixture(scope="module")
def anger_for_women():
    """A tiny 4-class model trained where 60% of the texts about a woman are labelled anger whatever they say."""
    seed, n = 0, 800
    clf = build_tiny_classifier(EMOTIONS, seed=seed, layers=1)
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        female = rng.random() < 0.5
        word = str(rng.choice(list(EMOTION_OF)))
        texts.append(f"{rng.choice(FEMALE if female else MALE)} was {word} about {rng.choice(THINGS)}")
        labels.append(EMOTIONS.index("anger" if female and rng.random() < 0.6 else EMOTION_OF[word]))
    return fit_tiny(clf, texts, labels, steps=400, seed=seed)


def test_planted_anger_association_is_flagged_on_anger_only(anger_for_women):
    # A softmax moves probability between classes: anger's gain for women is paid for by the classes their
    # relabelled texts would have had: on the 144 templates, half of whose words are joy's, anger gains about +0.11
    # for women and the other classes pay it (joy and sadness about -0.04 and -0.05, fear -0.02). Tested against
    # a zero gap (min_effect 0) anger's gain is a finding, no other class gains, and anger's is the largest and
    # heads the attribute.
    report = run_probes(anger_for_women, attributes=["gender"], n_boot=200, min_effect=0.0)
    classes = report.summary["classes"]
    anger = classes["anger"]["gender"]
    assert anger["gap"] > 0.07 and anger["ci_low"] > 0 and anger["verdict"] == "bias"
    for other in ("fear", "joy", "sadness"):
        assert classes[other]["gender"]["gap"] < 0.01
        assert abs(classes[other]["gender"]["gap"]) < anger["gap"] * 0.8
    assert report.summary["gender"]["headline_class"] == "anger"


def test_a_gap_not_shown_above_the_minimum_effect_is_never_bias(anger_for_women):
    # a minimum effect between anger's gap and the top of its interval: the gap cannot be shown to exceed it,
    # nor to stay inside it, so no class is "bias" and anger is inconclusive
    plain = run_probes(anger_for_women, attributes=["gender"], n_boot=200, min_effect=0.0)
    found = plain.summary["classes"]["anger"]["gender"]
    min_effect = round((found["gap"] + found["ci_high"]) / 2, 4)
    report = run_probes(anger_for_women, attributes=["gender"], n_boot=200, min_effect=min_effect)
    classes = report.summary["classes"]
    assert all(classes[c]["gender"]["verdict"] != "bias" for c in EMOTIONS)
    anger = classes["anger"]["gender"]
    assert anger["ci_high"] > min_effect > anger["gap"] > 0.05 and anger["verdict"] == "inconclusive"
    assert report.summary["gender"]["headline_class"] == "anger"  # the largest |gap| among the inconclusive
