import math

import numpy as np
import pytest

from auditkit.attribution import IntegratedGradients, WordAttribution, deletion_curve, identity_share
from auditkit.attribution._selection import select_examples, select_probe_pairs
from auditkit.attribution._top_words import top_words
from auditkit.attribution._faithfulness import delete_words
from auditkit.attribution._identity import identity_mask
from auditkit.attribution._selection import PROBE_MISSING, PROBE_COLUMNS
from auditkit.attribution._words import word_spans
from auditkit.errors import ConfigError
from auditkit.probes import identity_terms

LOCAL_WORDS = {"gender": {"female": {"sister", "she"}, "male": {"brother", "he"}}}


def _wa(text, scores, target="positive"):
    spans = word_spans(text)
    return WordAttribution(text=text, target=target, target_id=int(target == "positive"), words=[text[s:e] for s, e in spans],
                           scores=np.asarray(scores, dtype=float), spans=spans, probability=0.9, method="test")


def test_identity_share_counts_absolute_scores():
    a = _wa("my sister's film", [0.1, -0.6, 0.3])
    share = identity_share([a], identity_words=LOCAL_WORDS)
    assert share.overall == pytest.approx(0.6)
    assert share.by_group == {"gender": {"female": pytest.approx(0.6), "male": 0.0}}
    assert share.total == pytest.approx(1.0)
    assert math.isnan(identity_share([_wa("x", [0.0])], identity_words=LOCAL_WORDS).overall)


def test_identity_terms_of_several_words_match_consecutive_words():
    masks = identity_mask(["An", "older", "adult", "adult"], {"age": {"old": {"older adult"}}})
    assert masks[("age", "old")].tolist() == [False, True, True, False]
    assert identity_mask(["She"], ["she"])[("identity", "identity")].tolist() == [True]


def test_identity_share_high_when_the_model_relies_on_an_identity_word(identity_model, sentiment_model, held_out):
    lexicon = identity_terms(["gender"])
    relies = identity_share(IntegratedGradients(identity_model).attribute(held_out[:12]), identity_words=lexicon)
    ignores = identity_share(IntegratedGradients(sentiment_model).attribute(held_out[:12]), identity_words=lexicon)
    assert relies.overall > 0.5
    assert ignores.overall < 0.2


def test_delete_words():
    text = "a truly great , moving film"
    spans = word_spans(text)
    assert delete_words(text, spans, [1, 3]) == "a great moving film"
    assert delete_words(text, spans, []) == text


def test_deletion_beats_random_order_for_a_faithful_map(identity_model, held_out):
    attributions = IntegratedGradients(identity_model).attribute(held_out[:10])
    result = deletion_curve(identity_model, attributions, seed=0)
    assert result["n_examples"] == 10
    assert len(result["curve"]) == len(result["random_curve"]) == len(result["fractions"]) == 6
    assert result["aopc"] > result["random_aopc"]
    assert result["aopc_gain"] == pytest.approx(result["aopc"] - result["random_aopc"])
    # An inverted map deletes the least useful words first: no better than random.
    inverted = [WordAttribution(**{**a.__dict__, "scores": -a.scores}) for a in attributions]
    assert deletion_curve(identity_model, inverted, seed=0)["aopc"] < result["aopc"]


def test_top_words_per_class_skip_punctuation():
    attributions = [_wa("great film !", [0.5, 0.1, 0.9]), _wa("great plot", [0.3, 0.0]), _wa("dull", [0.4], target="negative")]
    top = top_words(attributions, k=2)
    assert top["positive"] == [["great", 0.4, 2], ["film", 0.1, 1]]
    assert top["negative"] == [["dull", 0.4, 1]]


def _probabilities():
    # rows 0-1 confident errors, 2-3 borderline, 4-9 correct (true = predicted)
    p1 = np.array([0.95, 0.1, 0.51, 0.49, 0.9, 0.8, 0.99, 0.2, 0.1, 0.05])
    y = np.array([0, 1, 1, 0, 1, 1, 1, 0, 0, 0])
    return np.c_[1 - p1, p1], y


def test_selection_is_stratified():
    probs, y = _probabilities()
    picked = select_examples(probs, y_true=y, n=6, seed=0)
    kinds = {s.index: s.kind for s in picked}
    assert len(picked) == 6 and len(kinds) == 6
    assert kinds[0] == kinds[1] == "error"
    assert kinds[2] == kinds[3] == "borderline"
    correct = [i for i, k in kinds.items() if k == "correct"]
    assert len(correct) == 2 and {int(probs[i].argmax()) for i in correct} == {0, 1}


def test_selection_fills_and_clamps():
    probs, y = _probabilities()
    assert len(select_examples(probs, y_true=y, n=50)) == 10
    unlabelled = select_examples(probs, n=4)
    assert {s.kind for s in unlabelled} <= {"borderline", "confident"}
    assert select_examples(probs, y_true=y, n=5, seed=1) == select_examples(probs, y_true=y, n=5, seed=1)


def test_probe_pairs_with_the_largest_gaps_both_sides(probe_table):
    pairs = select_probe_pairs(probe_table, n_pairs=2)
    assert pairs["pair_id"].tolist() == ["gender/sentiment/t/0"] * 2 + ["gender/sentiment/t/2"] * 2
    assert pairs["side"].tolist() == ["high", "low", "high", "low"]
    assert pairs["group"].tolist() == ["female", "male", "male", "female"]
    assert pairs["gap"].iloc[0] == pytest.approx(0.7)


def test_probe_table_without_needed_columns(probe_table):
    with pytest.raises(ConfigError) as err:
        select_probe_pairs(probe_table.drop(columns=["score"]), n_pairs=1)
    assert str(err.value) == PROBE_MISSING.format(missing="score", expected=", ".join(PROBE_COLUMNS))
