"""The Classifier protocol and the --model kinds (issue 26): the resolver, Python objects, skops, zero-shot."""

from __future__ import annotations

import numpy as np
import pytest

from auditkit.errors import ModelError
from auditkit.models import MODEL_KINDS, Classifier, GradientClassifier, PythonClassifier, load_model
from auditkit.models._blackbox import check_probabilities
from auditkit.models._kinds import model_kind


@pytest.mark.parametrize("spec, kind", [
    ("http://127.0.0.1:8080/v2/models/m/infer", "endpoint"), ("HTTPS://host/predict", "endpoint"),
    ("file:///etc/passwd", "endpoint"),  # refused by the endpoint kind: one place decides
    ("zero-shot:models/nli", "zero-shot"), ("model.skops", "skops"), ("model.pkl", "skops"),
    ("pkg.models:pipeline", "python"), ("path/to/file.py:model", "python"), ("a.py:obj.attr", "python"),
    ("models/baseline", "transformers"), ("minilm", "transformers"), ("owner/name", "transformers"),
    ("C:\\models\\m", "transformers"), ("models/a:b", "transformers"),
])
def test_one_resolver_names_the_kind_of_every_model_string(spec, kind):
    assert model_kind(spec).name == kind
    assert [k.name for k in MODEL_KINDS][-1] == "transformers"  # the fallback is tried last


def test_every_kind_satisfies_the_protocol(tiny_classifier):
    assert isinstance(tiny_classifier, Classifier) and isinstance(tiny_classifier, GradientClassifier)
    python = PythonClassifier(lambda texts: [[0.25, 0.75]] * len(texts), source="f", labels=["a", "b"])
    assert isinstance(python, Classifier) and not isinstance(python, GradientClassifier)
    assert (python.kind, python.supports_gradients, python.max_length, python.precision) == ("python", False, None, None)


def test_a_sklearn_pipeline_is_audited_with_its_own_numbers():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good fun", "great film", "awful plot", "bad acting", "good acting", "awful fun"]
    labels = ["pos", "pos", "neg", "neg", "pos", "neg"]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    clf = PythonClassifier(pipeline, source="pipeline")
    assert clf.labels == ["neg", "pos"]  # classes_, in column order
    np.testing.assert_array_equal(clf.predict_proba(texts, batch_size=4).probabilities, pipeline.predict_proba(texts))


def test_bad_probabilities_are_refused_with_the_row():
    where = "m, batch of texts 11-12"
    with pytest.raises(ModelError, match=r"row 12 gives 'a' the probability -0.5, outside \[0, 1\]"):
        check_probabilities([[0.5, 0.5], [-0.5, 1.5]], n_texts=2, labels=["a", "b"], multi_label=False, where=where,
                            first_row=10)
    # a multi-label model's rows need not sum to 1
    got = check_probabilities([[0.9, 0.8]], n_texts=1, labels=["a", "b"], multi_label=True, where=where)
    assert got.tolist() == [[0.9, 0.8]]


@pytest.fixture(scope="module")
def nli_dir(tmp_path_factory):
    """A tiny random NLI model (contradiction, neutral, entailment) with the MiniLM tokenizer."""
    from tiny_models import build_tiny_classifier

    clf = build_tiny_classifier(("contradiction", "neutral", "entailment"), seed=5)
    out = tmp_path_factory.mktemp("nli") / "nli"
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


def test_zero_shot_scores_are_the_entailment_softmax_over_candidates(nli_dir):
    import torch

    from auditkit.models import load_classifier

    texts = ["the film was a joy", "cold soup, rude staff", "my aunt is a pilot"]
    candidates = ["negative", "positive", "neutral"]
    clf = load_model(f"zero-shot:{nli_dir}", candidate_labels=candidates, hypothesis_template="This review is {}.")
    assert (clf.kind, clf.labels, clf.supports_gradients) == ("zero-shot", candidates, False)
    got = clf.predict_proba(texts, batch_size=2).probabilities
    # the reference, computed here from the NLI model directly: entailment logit of (text, hypothesis), softmaxed
    nli = load_classifier(nli_dir)
    entail = [name.lower() for name in nli.labels].index("entailment")
    with torch.no_grad():
        logits = np.array([[nli.model(**nli.tokenizer(t, f"This review is {c}.", return_tensors="pt")).logits[0, entail].item()
                            for c in candidates] for t in texts])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert clf.describe()["zero_shot"]["hypothesis_template"] == "This review is {}."
    other = load_model(f"zero-shot:{nli_dir}", candidate_labels=candidates)
    assert other.fingerprint != clf.fingerprint  # another template is another model


def test_a_zero_shot_model_is_audited_end_to_end(nli_dir, tmp_path, capsys):
    from auditkit.cli import main
    from auditkit.store import read_run

    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "my sister loved the food,positive\nhe hated the cold soup,negative\n" * 6)
    out = tmp_path / "run"
    code = main(["audit", "--model", f"zero-shot:{nli_dir}", "--candidate-labels", "negative,positive", "--data", str(data),
                 "--out", str(out), "--n-boot", "0", "--probes", "gender", "--probe-n-boot", "100", "--attributions", "2",
                 "--attribution-method", "kernel_shap"])
    assert code == 0, capsys.readouterr().err
    run = read_run(out)
    assert run.record["model"]["kind"] == "zero-shot" and run.record["model"]["labels"] == ["negative", "positive"]
    assert run.record["attributions"]["method"] == "kernel_shap" and run.record["attributions"]["approach"] == "perturbation"
    assert run.record["bias"]["gender"]["n_pairs"] > 0


def test_the_run_contract_names_every_kind():
    import typing

    from auditkit.store import schema as S

    declared = typing.get_args(typing.get_type_hints(S.Model)["kind"])
    assert set(declared) == {k.name for k in MODEL_KINDS}
