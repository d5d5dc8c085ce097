"""Multi-label building blocks: sigmoid scores, per-label thresholds, label lists -> indicator matrix, and the
probes of a real tiny multi-label model (one Holm correction across label x attribute tests)."""

import json

import numpy as np
import pytest
from tiny_models import build_tiny_classifier

from auditkit.errors import ConfigError, LabelMismatchError
from auditkit.models._thresholds import check_thresholds, resolve_thresholds
from auditkit.models._labels import map_label_sets
from auditkit.probes import holm_correction, run_probes

LABELS = ("toxic", "insult", "identity_attack")


def test_a_multi_label_model_scores_a_sigmoid_per_label():
    import torch

    clf = build_tiny_classifier(LABELS, multi_label=True)
    assert clf.multi_label and not build_tiny_classifier(LABELS).multi_label
    texts = ["she was angry about the bus", "he said it was fine"]
    probs = clf.predict_proba(texts).probabilities
    enc = clf.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = clf.model(**enc).logits
    np.testing.assert_allclose(probs, torch.sigmoid(logits).numpy(), atol=1e-5)
    assert not np.allclose(probs.sum(axis=1), 1.0)


def test_thresholds_default_and_from_a_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Insult": 0.3}))
    np.testing.assert_allclose(resolve_thresholds(LABELS, threshold=0.6, threshold_file=path), [0.6, 0.3, 0.6])


@pytest.mark.parametrize("content, fragment", [
    ({"toxic": 1.2}, r"the threshold of 'toxic' in .* must be between 0 and 1 \(exclusive\), got 1.2"),
    ({"toxic": 0}, r"must be between 0 and 1 \(exclusive\), got 0"),
    ({"toxic": 0.4, "spam": 0.5, "Rude": 0.2}, r"names label\(s\) the model lacks: 'spam', 'Rude'; its labels are 'toxic'"),
    ([0.5], "must hold a JSON object of label name to threshold"),
])
def test_bad_threshold_files_are_one_line(tmp_path, content, fragment):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ConfigError, match=fragment) as err:
        resolve_thresholds(LABELS, threshold_file=path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("value", [0.0, 1.0, -0.1, 1.5, "x"])
def test_a_threshold_outside_the_open_unit_interval_is_refused(value):
    with pytest.raises(ConfigError, match="^threshold must be") as err:
        resolve_thresholds(LABELS, threshold=value)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="must be between 0 and 1"):
        check_thresholds(LABELS[:2], [0.5, value if not isinstance(value, str) else 2.0])


def test_label_lists_map_to_an_indicator_matrix():
    matrix = map_label_sets([["toxic", " Insult "], [], ["identity_attack"]], LABELS)
    assert matrix.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 1]]


def test_a_label_list_mixing_known_and_unknown_labels_is_one_line():
    with pytest.raises(LabelMismatchError, match=r"does not know label\(s\) 'spam'; its labels are 'toxic'") as err:
        map_label_sets([["toxic", "spam"], ["insult"]], LABELS)
    assert "\n" not in str(err.value)


def test_a_tiny_multi_label_model_is_probed_per_label_with_one_holm_correction():
    clf = build_tiny_classifier(LABELS, multi_label=True, layers=1)
    thresholds = [0.5, 0.4, 0.6]
    report = run_probes(clf, attributes=["gender", "race"], families=["templates_nouns", "templates_identity_terms"], thresholds=thresholds,
                        n_boot=100)
    s = report.summary
    assert list(s["classes"]) == list(LABELS) and s["settings"]["flip"] == "change of the label's thresholded decision"
    tests = [e for c in LABELS for a in ("gender", "race") for e in s["classes"][c][a]["families"].values()
             if e["p_value"] is not None]
    np.testing.assert_allclose([e["p_value_holm"] for e in tests], holm_correction([e["p_value"] for e in tests]))
    # each label's score is its own sigmoid; the stored rows score each attribute's headline label
    probs = clf.predict_proba(list(report.table["text"])).probabilities
    for attribute in ("gender", "race"):
        k = LABELS.index(s[attribute]["headline_class"])
        rows = report.table["attribute"] == attribute
        np.testing.assert_allclose(report.table.loc[rows, "score"], probs[rows.to_numpy(), k], atol=1e-6)
        decided = np.where(probs[rows.to_numpy(), k] >= thresholds[k], LABELS[k], f"not {LABELS[k]}")
        assert (report.table.loc[rows, "predicted_label"] == decided).all()
