"""Endpoint models against a real HTTP server on 127.0.0.1 (tests/serve_model.py), stopped by its pid."""

from __future__ import annotations

import numpy as np
import pytest

from auditkit.errors import ModelError
from auditkit.models import EndpointClassifier, load_classifier, load_model
from auditkit.models._blackbox import PROBE_TEXTS
from served import save_tiny_model, serve

TEXTS = ["a gorgeous, witty film", "the food was cold and the staff rude", "she is a doctor", "meh"] * 5


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("endpoint") / "tiny")


@pytest.fixture(scope="module")
def local(model_dir):
    return load_classifier(model_dir, device="cpu")


@pytest.fixture(scope="module")
def server(model_dir):
    with serve(model_dir) as s:
        yield s


@pytest.mark.parametrize("form", ["v2", "inputs"])
def test_a_served_model_predicts_what_the_checkpoint_predicts(form, server, local):
    url = server.v2 if form == "v2" else server.inputs
    clf = load_model(url, endpoint_format=form, endpoint_concurrency=3)
    assert clf.kind == "endpoint" and clf.labels == local.labels and not clf.supports_gradients
    got = clf.predict_proba(TEXTS, batch_size=3).probabilities  # 7 batches, 3 in flight: rows still in input order
    np.testing.assert_allclose(got, local.predict_proba(TEXTS).probabilities, atol=1e-6)
    facts = clf.describe()["endpoint"]
    assert facts["url"] == url and facts["format"] == form
    assert facts["version"] == ("7" if form == "v2" else None) and facts["labels_sorted"] == (form == "inputs")
    np.testing.assert_allclose(facts["probe_probabilities"], local.predict_proba(list(PROBE_TEXTS)).probabilities, atol=1e-6)


def test_the_behavioural_fingerprint_is_stable_and_tells_models_apart(server, model_dir, tmp_path):
    first, again = load_model(server.v2).fingerprint, load_model(server.v2).fingerprint
    assert first == again and len(first) == 16
    with serve(save_tiny_model(tmp_path / "other", seed=3)) as s:
        assert load_model(s.v2).fingerprint != first


FAULTS = {
    "malformed-json": "the answer is not valid JSON",
    "wrong-rows": "returned 2 row(s) for 3 text(s)",
    "bad-sum": "probabilities sum to 0.5, not 1 as a softmax model's do",
    "nan": "holds a NaN or infinite probability",
    "always-503": "HTTP 503 Service Unavailable after 2 retries",
    "slow": "no answer within 0.5 s",
}


@pytest.fixture
def faulty(server):
    """The module's server, switched back to serving well after the test."""
    yield server
    server.fault("none")


@pytest.mark.parametrize("fault", FAULTS)
def test_every_bad_answer_is_one_line_naming_the_batch(fault, faulty):
    clf = load_model(faulty.v2, endpoint_timeout=0.5, endpoint_retries=2)
    faulty.fault(fault)
    with pytest.raises(ModelError) as info:
        clf.predict_proba(TEXTS[:9], batch_size=3, first_row=100)
    message = str(info.value)
    assert "\n" not in message and FAULTS[fault] in message, message
    assert message.startswith(f"endpoint {faulty.v2}, batch of texts 10"), message  # rows as the data counts them


def test_a_label_the_model_does_not_have_is_refused(faulty):
    clf = load_model(faulty.inputs, endpoint_format="inputs")
    faulty.fault("unknown-label")
    with pytest.raises(ModelError, match=r"batch of texts 1-3: row 1 scores the label 'surprise', which is not one "
                                         r"of the model's labels \('negative', 'positive'\)"):
        clf.predict_proba(TEXTS[:3], batch_size=3)


def test_503_answers_are_retried_then_served(faulty, local):
    faulty.fault("503-then-ok", after=2)  # the probe set gets 503 twice, then an answer
    clf = load_model(faulty.v2, endpoint_retries=2)
    np.testing.assert_allclose(clf.predict_proba(TEXTS[:4]).probabilities,
                               local.predict_proba(TEXTS[:4]).probabilities, atol=1e-6)


def test_a_stopped_server_is_a_refused_connection(model_dir):
    with serve(model_dir) as s:
        clf = load_model(s.v2)
        s.stop()
        with pytest.raises(ModelError, match=r"batch of texts 1-4: connection refused — is the server running"):
            clf.predict_proba(TEXTS[:4])
        with pytest.raises(ModelError, match="model metadata: connection refused"):
            load_model(s.v2)


def test_a_server_that_dies_mid_call_fails_the_call(model_dir):
    with serve(model_dir) as s:
        clf = load_model(s.v2, endpoint_concurrency=1)
        s.fault("die", after=2)
        with pytest.raises(ModelError, match=r"batch of texts 5-6: (connection refused|the server closed)"):
            clf.predict_proba(TEXTS[:8], batch_size=2)
        assert s.proc.wait(timeout=30) == 17


def test_the_credential_is_sent_and_never_shown(model_dir, monkeypatch):
    secret = "s3cr3t-token-value"
    monkeypatch.setenv("AUDITKIT_TEST_TOKEN", secret)
    with serve(model_dir, token_env="AUDITKIT_TEST_TOKEN", env={"AUDITKIT_TEST_TOKEN": secret}) as s:
        with pytest.raises(ModelError, match="HTTP 401") as info:
            load_model(s.v2)  # no credential: the metadata request is refused
        clf = load_model(s.v2, endpoint_auth_env="AUDITKIT_TEST_TOKEN")
        assert clf.predict_proba(TEXTS[:2]).probabilities.shape == (2, 2)
        assert secret not in repr(clf) and secret not in str(clf.describe()) and secret not in clf.where
        s.fault("echo-auth")  # a server that echoes the header in its error
        with pytest.raises(ModelError) as info:
            clf.predict_proba(TEXTS[:2])
        assert secret not in str(info.value) and "REDACTED" in str(info.value)


def test_credentials_and_query_values_stay_out_of_the_recorded_url(server):
    url = server.v2.replace("http://", "http://alice:pw-123@") + "?api_key=k-456"
    clf = load_model(url)
    for text in (clf.url, clf.source, clf.name, str(clf.describe())):
        assert "pw-123" not in text and "k-456" not in text and "alice" not in text
    assert clf.url.endswith("/v2/models/m/infer?api_key=REDACTED")


def test_labels_must_be_declared_or_given(server):
    clf = EndpointClassifier(server.v2, labels=["neg", "pos"])
    assert clf.labels == ["neg", "pos"]
    with pytest.raises(ModelError, match="returned 2 score"):
        EndpointClassifier(server.v2, labels=["a", "b", "c"])
