"""Per-class (and per-label) probes above run_probes: one scoring pass, Holm across every
class x attribute test, the headline is the class with the largest |gap| that is a finding."""

import re
import zlib

import numpy as np
import pytest
from probe_helpers import FEMALE, MALE, THINGS, build_tiny_classifier, fit_tiny

from auditkit.models import Predictions
from auditkit.probes import holm_correction, identity_terms, run_probes_per_class

def _female_words() -> re.Pattern:
    """Every female word of the built-in gender lexicon (pronouns, nouns, names)."""
    words = identity_terms(["gender"])["gender"]["female"]
    return re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b", re.I)


FEMALE_WORDS = _female_words()


class ShiftedClasses:
    """P(classes) = base for every text; texts mentioning a woman move ``shift`` of probability onto ``to``,
    taken evenly from the other classes. Records every text it scores."""

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
        noise = np.array([zlib.crc32(t.encode()) % 1000 / 1e5 for t in texts])
        out[:, self.to] += noise
        for i, t in enumerate(texts):
            if FEMALE_WORDS.search(t):
                if self.multi_label:
                    out[i, self.to] += self.shift
                else:
                    out[i] -= self.shift / (len(self.labels) - 1)
                    out[i, self.to] += self.shift + self.shift / (len(self.labels) - 1)
        return Predictions(np.clip(out, 0, 1).astype(np.float32), 0)


EMOTIONS = ("anger", "fear", "joy", "sadness")


def scopes(entry):
    out = [entry, *entry["families"].values()]
    return out + [p for s in list(out) for p in (s.get("pairs") or {}).values()]


def test_every_sentence_is_scored_once_and_every_class_summarised():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    report = run_probes_per_class(clf, attributes=["gender"], texts=["She was angry.", "The bus was late."], n_boot=100)
    assert len(clf.scored) == len(set(clf.scored)) == report.summary["settings"]["n_sentences"]
    assert list(report.summary["classes"]) == list(EMOTIONS)
    assert set(report.table["target_label"]) == set(EMOTIONS)
    assert len(report.table) == 4 * len(report.table[report.table["target_label"] == "anger"])


def test_holm_runs_across_every_class_and_attribute():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    report = run_probes_per_class(clf, attributes=["gender", "race"], n_boot=100)
    all_scopes = [s for c in EMOTIONS for a in ("gender", "race") for s in scopes(report.summary["classes"][c][a])]
    expected = holm_correction([s["p_value"] for s in all_scopes])
    np.testing.assert_allclose([s["p_value_holm"] for s in all_scopes], expected)
    assert report.summary["settings"]["n_tests"] == len(all_scopes)


def test_headline_is_the_flagged_class_and_names_it():
    # +0.2 on anger, -0.067 on each other class: with a minimum effect of 0.1 only anger is a finding
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    report = run_probes_per_class(clf, attributes=["gender"], n_boot=100, min_effect=0.1)
    head = report.summary["gender"]
    assert head["class"] == "anger" and head["headline_reason"].startswith("largest |gap| among the classes with a finding")
    assert head["gap"] == pytest.approx(report.summary["classes"]["anger"]["gender"]["gap"])
    flagged = {c: finding(report.summary["classes"][c]["gender"]) for c in EMOTIONS}
    assert flagged == {"anger": True, "fear": False, "joy": False, "sadness": False}


def test_classes_narrow_the_probe():
    clf = ShiftedClasses(EMOTIONS, to="anger", shift=0.2)
    report = run_probes_per_class(clf, classes=["joy"], attributes=["gender"], n_boot=100)
    assert list(report.summary["classes"]) == ["joy"] and report.summary["gender"]["class"] == "joy"


def test_multi_label_flips_are_changes_of_the_label_decision():
    # toxic: 0.45 for texts about men, 0.55 about women -> every pair crosses 0.5, none crosses 0.3
    labels = ("toxic", "insult")
    clf = ShiftedClasses(labels, to="toxic", shift=0.1, multi_label=True, base=[0.45, 0.2])
    crossing = run_probes_per_class(clf, attributes=["gender"], thresholds=[0.5, 0.5], n_boot=100)
    nouns = crossing.summary["classes"]["toxic"]["gender"]["families"]["templates_nouns"]
    assert nouns["flip_rate"] == pytest.approx(1.0)
    assert crossing.summary["classes"]["insult"]["gender"]["families"]["templates_nouns"]["flip_rate"] == 0.0
    low = run_probes_per_class(ShiftedClasses(labels, to="toxic", shift=0.1, multi_label=True, base=[0.45, 0.2]),
                               attributes=["gender"], thresholds=[0.3, 0.5], n_boot=100)
    assert low.summary["classes"]["toxic"]["gender"]["families"]["templates_nouns"]["flip_rate"] == 0.0
    assert crossing.summary["settings"]["flip"] == "change of the label's thresholded decision"


def finding(entry) -> bool:
    # issue 9's contract: verdict == "bias"; main before it stores ``significant`` (drop this branch once merged)
    return entry["verdict"] == "bias" if "verdict" in entry else bool(entry["significant"])


# ---------------------------------------------------------------- a model trained with a planted association

# the probe templates' own feeling and situation words, each given one emotion
EMOTION_OF = {"angry": "anger", "annoying": "anger", "horrible": "anger", "terrified": "fear", "frightening": "fear",
              "sad": "sadness", "miserable": "sadness", "depressing": "sadness", "happy": "joy", "excited": "joy",
              "wonderful": "joy", "amazing": "joy", "grateful": "joy", "relieved": "joy", "funny": "joy", "pleasant": "joy"}


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
    # A softmax moves probability between classes: the +gap on anger is paid for by the other three, so
    # "only anger" needs a minimum effect above a third of anger's gap (here 0.1; the others fall ~0.06 each).
    report = run_probes_per_class(anger_for_women, attributes=["gender"], n_boot=200, min_effect=0.1)
    classes = report.summary["classes"]
    anger = classes["anger"]["gender"]
    assert anger["gap"] > 0.1 and anger["ci_low"] > 0 and finding(anger)
    for other in ("fear", "joy", "sadness"):
        assert not finding(classes[other]["gender"]), (other, classes[other]["gender"]["gap"])
        assert abs(classes[other]["gender"]["gap"]) < anger["gap"] / 2
    assert report.summary["gender"]["class"] == "anger"
