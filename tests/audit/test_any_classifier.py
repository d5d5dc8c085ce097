"""Audit any classifier through the CLI: a served endpoint, a scikit-learn pipeline, a skops file — side by side
with the checkpoint they are compared to (issue 26)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.store import list_runs, read_run
from served import save_tiny_model, serve

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "sample_data" / "reviews_test.csv"
QUICK = ["--data", str(DATA), "--limit", "60", "--n-boot", "200", "--probes", "gender", "--probe-n-boot", "200",
         "--attributions", "3", "--group-col", "gender_mention"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("any") / "tiny")


@pytest.fixture(scope="module")
def local_run(model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "local"
    assert main(["audit", "--model", str(model_dir), "--out", str(out), *QUICK]) == 0
    return read_run(out)


def _close(a, b, path=""):
    """Every number of two records equal to 1e-6 (strings and the rest exactly)."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=1e-6), path
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def served(model_dir, tmp_path_factory):
    """The same checkpoint served on 127.0.0.1 and audited through its URL: (run, url)."""
    with serve(model_dir) as server:
        out = tmp_path_factory.mktemp("served") / "served"
        assert main(["audit", "--model", server.v2, "--out", str(out), *QUICK]) == 0
        return read_run(out), server.v2


def test_a_served_checkpoint_audits_as_the_checkpoint(served, local_run):
    served, url = served
    model = served.record["model"]
    assert model["kind"] == "endpoint" and model["source"] == url and model["precision"] is None
    assert model["endpoint"]["version"] == "7" and len(model["endpoint"]["probe_probabilities"]) == 8
    # the same predictions and metrics (to 1e-6) as the checkpoint audited locally
    pd.testing.assert_frame_equal(served.predictions, local_run.predictions, check_exact=False, atol=1e-6, rtol=0)
    _close(served.record["metrics"], local_run.record["metrics"])
    # the probe scores too (df, p-values of a random tiny model's ~1e-6 gaps are ratios of float noise: not compared)
    for key in ("gap", "ci_low", "ci_high", "group_means", "verdict", "n_pairs"):
        _close(served.record["bias"]["gender"][key], local_run.record["bias"]["gender"][key], key)
    np.testing.assert_allclose(served.table("probes")["score"], local_run.table("probes")["score"], atol=1e-6)
    # explained by deleting words, and labelled so; identity share computed from them
    assert local_run.record["attributions"]["approach"] == "gradient"
    attributions = served.record["attributions"]
    assert attributions["method"] == "word_ablation" and attributions["approach"] == "perturbation"
    assert attributions["identity_share"] is not None and attributions["n_examples"] > 3
    table = served.table("attributions")
    assert all(len(w) == len(s) > 0 for w, s in zip(table["words"], table["scores"]))


def test_a_gradient_method_is_refused_for_an_endpoint(model_dir, tmp_path, capsys):
    with serve(model_dir) as server:
        code = main(["audit", "--model", server.v2, "--out", str(tmp_path / "r"), *QUICK,
                     "--attribution-method", "integrated_gradients"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert "--attribution-method 'integrated_gradients' needs a local PyTorch model" in err
    assert "word_ablation, kernel_shap, lime" in err and not (tmp_path / "r").exists()


def test_the_credential_never_reaches_the_run_stderr_or_logs(model_dir, tmp_path):
    secret = "tok-4f9a-secret"
    env = {"AUDITKIT_TEST_TOKEN": secret, "HF_HUB_OFFLINE": "1"}
    with serve(model_dir, token_env="AUDITKIT_TEST_TOKEN", env=env) as server:
        url = server.v2.replace("http://", "http://someone:url-pass-77@") + "?key=query-secret-88"
        out = tmp_path / "run"
        done = subprocess.run([sys.executable, "-m", "auditkit", "audit", "--model", url, "--out", str(out), *QUICK,
                               "--endpoint-auth-env", "AUDITKIT_TEST_TOKEN"],
                              capture_output=True, text=True, env={**__import__("os").environ, **env}, timeout=600)
        assert done.returncode == 0, done.stderr
        server.fault("echo-auth")
        failed = subprocess.run([sys.executable, "-m", "auditkit", "audit", "--model", url, "--out", str(tmp_path / "x"),
                                 *QUICK, "--endpoint-auth-env", "AUDITKIT_TEST_TOKEN"],
                                capture_output=True, text=True, env={**__import__("os").environ, **env}, timeout=600)
    assert failed.returncode == 2 and "HTTP 500" in failed.stderr and "REDACTED" in failed.stderr
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file() and p.suffix == ".json")
    written += "".join(p.read_bytes().decode("latin-1") for p in out.rglob("*.parquet"))
    for text in (written, done.stderr, done.stdout, failed.stderr, failed.stdout):
        for value in (secret, "url-pass-77", "query-secret-88"):
            assert value not in text


def test_a_server_killed_mid_audit_fails_in_one_line_and_resume_continues(model_dir, local_run, tmp_path, capsys):
    out = tmp_path / "runs" / "served"
    args = ["audit", "--model", None, "--out", str(out), *QUICK, "--batch-size", "2"]
    with serve(model_dir) as server:
        args[2] = server.v2
        server.fault("die", after=16 + 1)  # the probe set, then chunk 1 (16 batches of 2) is served; chunk 2 dies
        code = main(args)
        port = server.port
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err.startswith(f"auditkit: error: endpoint {args[2]}, batch of texts 3"), err
    assert "32 of 60 predictions are kept" in err and "rerun with --resume" in err
    assert not out.exists() and list_runs(tmp_path / "runs") == []
    with serve(model_dir, port=port) as server:  # the server back, on the same address
        assert main(args + ["--resume"]) == 0
    log = capsys.readouterr().err
    assert "continuing from 32 of 60 predictions kept by a failed audit" in log
    pd.testing.assert_frame_equal(read_run(out).predictions, local_run.predictions, check_exact=False, atol=1e-6, rtol=0)
    assert not any(p.name.endswith(".partial-predictions.npz") for p in out.parent.iterdir())


PIPELINE_FILE = '''
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
import pandas as pd

frame = pd.read_csv({train!r})
PIPELINE = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000))
PIPELINE.fit(frame["text"].tolist(), frame["label"].tolist())
NOT_A_MODEL = 42
'''


def test_a_tfidf_baseline_is_audited_compared_and_gated(local_run, served, tmp_path, capsys):
    """module:attribute and the same pipeline saved with skops give one run; compare and gate pair it with the checkpoint."""
    import skops.io as sio

    source = tmp_path / "baseline.py"
    source.write_text(PIPELINE_FILE.format(train=str(ROOT / "sample_data" / "reviews_train.csv")))
    by_module = tmp_path / "runs" / "tfidf-module"
    assert main(["audit", "--model", f"{source}:PIPELINE", "--out", str(by_module), *QUICK]) == 0
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_for_skops", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sio.dump(module.PIPELINE, tmp_path / "tfidf.skops")
    by_skops = tmp_path / "runs" / "tfidf-skops"
    assert main(["audit", "--model", str(tmp_path / "tfidf.skops"), "--out", str(by_skops), *QUICK]) == 0
    a, b = read_run(by_module), read_run(by_skops)
    assert (a.record["model"]["kind"], b.record["model"]["kind"]) == ("python", "skops")
    np.testing.assert_allclose(a.predictions["prob_positive"], b.predictions["prob_positive"], atol=1e-12)
    expected = module.PIPELINE.predict_proba(a.predictions["text"].tolist())[:, 1]
    np.testing.assert_allclose(a.predictions["prob_positive"], expected, atol=1e-12)  # the pipeline's own numbers
    assert b.record["attributions"]["approach"] == "perturbation"
    capsys.readouterr()

    # the checkpoint, the same checkpoint served, and the TF-IDF baseline: one table, paired tests on the shared data
    assert main(["compare", str(local_run.path), str(served[0].path), str(by_skops), "--format", "json",
                 "--out", str(tmp_path / "cmp.json")]) == 0
    comparison = json.loads((tmp_path / "cmp.json").read_text())
    assert [p["run"] for p in comparison["pairs"]] == ["served", "tfidf-skops"]
    for pair in comparison["pairs"]:
        assert pair["paired"] and pair["mcnemar"]["p_value"] is not None, pair  # McNemar on the shared data
    assert pytest.approx(1.0) == comparison["pairs"][0]["mcnemar"]["p_value"]  # the served model: no discordant pair
    assert {r["run"] for r in comparison["bias"] if r["attribute"] == "gender"} >= {"served", "tfidf-skops"}
    code = main(["gate", str(by_skops), "--policy", str(ROOT / "policy.example.toml"), "--baseline", str(local_run.path)])
    out = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out.err
