"""Hostile --model values and options of the model kinds (issue 26), refused as every bad input is.

Exit status 2, one line on stderr naming the problem, nothing written or
changed in the case's folder, and no user code run that a person did not
name: a ``module:attribute`` that points at nothing or at a non-callable, a
pickle, a file that is not skops, a URL that is not http(s), an option of
another kind... Endpoint cases use loopback addresses only.
"""

from __future__ import annotations

import socket

import pytest

from auditkit.cli import main

import _harness as H  # tests/hostile/_harness.py, on sys.path as tests/probes' probe_helpers is
A, FAST = H.A, H.FAST
CASES = H.Cases()
case = CASES.case


def audit(sb, model, *extra):
    return H.audit(sb, *extra, model=model)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PLANTED = """
from pathlib import Path
Path({marker!r}).write_text("ran")
"""

# ------------------------------------------------------------------ URLs


@case("only http:// and https:// endpoints can be audited (got file://)")
def c_file_url(sb):
    return audit(sb, f"file://{sb.model}")


@case("only http:// and https:// endpoints can be audited (got ftp://)")
def c_ftp_url(sb):
    return audit(sb, "ftp://127.0.0.1/model")


@case("has no host")
def c_url_without_host(sb):
    return audit(sb, "http:///v2/models/m/infer")


@case("is malformed")
def c_url_with_a_bad_port(sb):
    return audit(sb, "http://127.0.0.1:99999/v2/models/m/infer")


@case("holds spaces or control characters")
def c_url_with_spaces(sb):
    return audit(sb, "http://127.0.0.1:8080/v2/models/my model/infer")


@case("connection refused — is the server running at that address?")
def c_endpoint_nobody_listens_on(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer")


@case("connection refused")
def c_inputs_endpoint_nobody_listens_on(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/predict", "--endpoint-format", "inputs")


@case("--endpoint-concurrency must be a whole number of at least 1, got 0")
def c_endpoint_concurrency_zero(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--endpoint-concurrency", "0")


@case("--endpoint-timeout must be a number of seconds above 0")
def c_endpoint_timeout_nan(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--endpoint-timeout", "nan")


@case("--endpoint-retries must be a whole number of at least 0, got -1")
def c_endpoint_retries_negative(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--endpoint-retries", "-1")


@case("environment variable AUDITKIT_NOT_SET_ANYWHERE (--endpoint-auth-env) is not set or empty")
def c_endpoint_credential_unset(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--endpoint-auth-env", "AUDITKIT_NOT_SET_ANYWHERE")


@case("--endpoint-auth-header names the header of a credential; pass --endpoint-auth-env too")
def c_endpoint_header_without_credential(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--endpoint-auth-header", "X-API-Key")


@case("--engine ray replicates a PyTorch checkpoint; endpoint models predict where they are")
def c_ray_engine_for_an_endpoint(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--engine", "ray")


# ------------------------------------------------------------------ options of another kind


@case("--candidate-labels applies to zero-shot models, but")
def c_candidate_labels_for_a_checkpoint(sb):
    return audit(sb, sb.model, "--candidate-labels", "a,b")


@case("--precision applies to transformers models, but")
def c_precision_for_an_endpoint(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--precision", "int8")


@case("--endpoint-format applies to endpoint models, but")
def c_endpoint_format_for_a_checkpoint(sb):
    return audit(sb, sb.model, "--endpoint-format", "inputs")


@case("--labels applies to endpoint and skops and python models, but")
def c_labels_for_a_checkpoint(sb):
    return audit(sb, sb.model, "--labels", "negative,positive")


@case("--multi-label applies to endpoint and zero-shot and skops and python models, but")
def c_multi_label_for_a_checkpoint(sb):
    return audit(sb, sb.model, "--multi-label")


@case("--hypothesis-template applies to zero-shot models, but")
def c_hypothesis_template_for_an_endpoint(sb):
    return audit(sb, f"http://127.0.0.1:{free_port()}/v2/models/m/infer", "--hypothesis-template", "It is {}.")


@case("--labels 'negative,,positive' has an empty name")
def c_labels_with_an_empty_name(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return [[0.5, 0.5] for _ in texts]')}:f", "--labels", "negative,,positive")


@case("names the label 'Negative' twice")
def c_labels_duplicated(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return [[0.5, 0.5] for _ in texts]')}:f", "--labels", "negative,Negative")


# ------------------------------------------------------------------ module:attribute


@case("Python file")
def c_python_file_missing(sb):
    return audit(sb, f"{sb.path / 'nowhere.py'}:model")


@case("has no attribute 'missing'")
def c_python_attribute_missing(sb):
    return audit(sb, f"{sb.write('m.py', 'x = 1')}:missing")


@case("is neither callable nor has predict_proba")
def c_python_attribute_not_callable(sb):
    return audit(sb, f"{sb.write('m.py', 'NOT_A_MODEL = 42')}:NOT_A_MODEL")


@case("does not say its classes (no classes_ attribute); pass --labels")
def c_python_callable_without_labels(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return [[0.5, 0.5] for _ in texts]')}:f")


@case("importing")
def c_python_file_with_a_syntax_error(sb):
    return audit(sb, f"{sb.write('m.py', 'def (:')}:f")


@case("failed: SystemExit")
def c_python_file_that_exits(sb):
    return audit(sb, f"{sb.write('m.py', 'raise SystemExit(3)')}:f")


@case("no importable module 'auditkit_no_such_module_xyz'")
def c_python_module_missing(sb):
    return audit(sb, "auditkit_no_such_module_xyz:model")


@case("the model raised ZeroDivisionError")
def c_python_model_that_raises(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return 1 / 0')}:f", "--labels", "negative,positive")


@case("probabilities sum to")
def c_python_model_returning_logits(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return [[0.2, 0.2] for _ in texts]')}:f", "--labels", "negative,positive")


@case("returned 9 row(s) for 8 text(s)")
def c_python_model_returning_too_many_rows(sb):
    return audit(sb, f"{sb.write('m.py', 'def f(texts): return [[0.5, 0.5]] * (len(texts) + 1)')}:f", "--labels", "negative,positive")


# ------------------------------------------------------------------ skops and pickles


@case("is a pickle; loading one can run any code, so auditkit refuses it")
def c_pickle_refused(sb):
    import pickle

    return audit(sb, sb.write("model.pkl", pickle.dumps({"not": "loaded"})))


@case("is a pickle")
def c_joblib_refused(sb):
    return audit(sb, sb.write("model.joblib", b"\x80\x04K\x01."))


@case("is not a skops file")
def c_skops_that_is_not_skops(sb):
    return audit(sb, sb.write("model.skops", b"just some bytes"))


@case("holds types skops does not trust by default")
def c_skops_with_untrusted_types(sb):
    import collections

    import skops.io as sio

    path = sb.path / "odd.skops"
    sio.dump(collections.Counter(a=1), path)
    return audit(sb, path)


@case("skops file")
def c_skops_missing(sb):
    return audit(sb, sb.path / "missing.skops")


# ------------------------------------------------------------------ zero-shot


@case("a zero-shot model needs candidate labels")
def c_zero_shot_without_candidates(sb):
    return audit(sb, f"zero-shot:{sb.model}")


@case("--candidate-labels ',' has an empty name")
def c_zero_shot_empty_candidates(sb):
    return audit(sb, f"zero-shot:{sb.model}", "--candidate-labels", ",")


@case("names the label 'good' twice")
def c_zero_shot_duplicate_candidates(sb):
    return audit(sb, f"zero-shot:{sb.model}", "--candidate-labels", "good,bad,good")


@case("is not an NLI model")
def c_zero_shot_on_a_sentiment_model(sb):
    return audit(sb, f"zero-shot:{sb.model}", "--candidate-labels", "positive,negative")


@case("names no model; write zero-shot:MODEL")
def c_zero_shot_without_a_model(sb):
    return audit(sb, "zero-shot:", "--candidate-labels", "positive,negative")


@case("must hold exactly one {}")
def c_zero_shot_template_without_a_slot(sb):
    return audit(sb, f"zero-shot:{sb.assets['nli']}", "--candidate-labels", "positive,negative",
                 "--hypothesis-template", "This is a review.")


# ------------------------------------------------------------------ ONNX


@case("onnxruntime cannot load")
def c_onnx_file_that_is_not_onnx(sb):
    folder = sb.model_copy("onnx-model")
    (folder / "model.onnx").write_bytes(b"not a protobuf at all")
    return audit(sb, folder)


@case("holds model.onnx but not the config.json and tokenizer files beside it")
def c_onnx_without_its_tokenizer(sb):
    return audit(sb, sb.write("bare/model.onnx", b"x").parent)


# ------------------------------------------------------------------ the test


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-kinds")
    return {"root": root, "model": A.save_model(root / "model"),
            "nli": A.save_model(root / "nli", labels=("contradiction", "neutral", "entailment"))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_model_value_is_refused_in_one_line_and_nothing_written(name, assets, tmp_path, capsys, monkeypatch):
    H.assert_refused(*CASES[name], assets, tmp_path, capsys, monkeypatch)


def test_a_run_never_names_code_that_runs(tmp_path, capsys):
    """A stored run of a module:attribute model is read, reported and compared without importing that module."""
    marker = tmp_path / "ran.txt"
    source = tmp_path / "planted.py"
    source.write_text(PLANTED.format(marker=str(marker)) + "def f(texts):\n    return [[0.5, 0.5] for _ in texts]\n")
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 4)
    assert main(["audit", "--model", f"{source}:f", "--labels", "negative,positive", "--data", str(data),
                 "--out", str(tmp_path / "run"), *FAST]) == 0
    assert marker.exists()  # named on the command line: it ran
    marker.unlink()
    for argv in (["report", str(tmp_path / "run"), "--format", "md", "--out", str(tmp_path / "r.md")],
                 ["compare", str(tmp_path / "run"), str(tmp_path / "run")],
                 ["runs", str(tmp_path)]):
        assert main(argv) == 0, capsys.readouterr().err
    assert not marker.exists()

