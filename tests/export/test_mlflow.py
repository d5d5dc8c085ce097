"""MLflow export of real runs into real local stores, read back with mlflow.search_runs."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from auditkit.export._mlflow import _key

from auditkit.cli import main
from auditkit.export import export_mlflow

mlflow = pytest.importorskip("mlflow")


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditkit: error: ") and "\n" not in err
    return err


def _runs(uri):
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name("auditkit")
    return mlflow.search_runs(experiment_ids=[experiment.experiment_id])


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory):
    """One SQLite store for the module: creating its tables takes MLflow several seconds."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def test_export_logs_one_mlflow_run_per_audit(stored_runs, sqlite_store, tmp_path, capsys):
    paths = [str(r.path) for r in stored_runs]
    assert main(["export", "mlflow", *paths, "--tracking-uri", sqlite_store]) == 0
    # again, now with a policy: no duplicates, and the gate verdict arrives as a tag
    policy = tmp_path / "policy.toml"
    policy.write_text("[checks.min_accuracy]\nthreshold = 0.45\non = \"value\"\n")
    assert main(["export", "mlflow", *paths, "--tracking-uri", sqlite_store, "--policy", str(policy)]) == 0
    frame = _runs(sqlite_store)
    assert len(frame) == 2 and set(frame["status"]) == {"FINISHED"}
    for run in stored_runs:
        row = frame[frame["tags.auditkit.run_id"] == run.run_id].iloc[0]
        record = run.record
        m = record["metrics"]
        assert row["metrics.accuracy"] == m["accuracy"]["value"]
        assert row["metrics.macro_f1.ci_low"] == m["macro_f1"]["ci_low"]
        assert row["metrics.macro_f1.ci_high"] == m["macro_f1"]["ci_high"]
        assert row["metrics.ece"] == m["ece"]
        for label, scores in m["per_class"].items():
            assert row[f"metrics.{_key('recall', label)}"] == scores["recall"]  # label names made MLflow-safe
        for attr in ("gender", "race"):
            bias = record["bias"][attr]
            assert row[f"metrics.bias.{attr}.gap"] == pytest.approx(bias["gap"], rel=1e-12)
            assert row[f"metrics.bias.{attr}.ci_low"] == pytest.approx(bias["ci_low"], rel=1e-12)
            assert row[f"metrics.bias.{attr}.flip_rate"] == bias["flip_rate"]
            for family, fentry in bias["families"].items():
                assert row[f"metrics.bias.{attr}.{family}.gap"] == pytest.approx(fentry["gap"], rel=1e-12)
            assert row[f"tags.bias.{attr}.verdict"] == bias["verdict"]
        assert row["metrics.identity_share"] == pytest.approx(record["attributions"]["identity_share"], rel=1e-12)
        assert row["params.model.source"] == record["model"]["source"]
        assert row["params.dataset.fingerprint"] == record["dataset"]["fingerprint"]
        assert row["params.options.n_boot"] == str(record["options"]["n_boot"])
        assert row["tags.mlflow.runName"] == run.name
        assert row["tags.auditkit.gate.verdict"] == ("passed" if m["accuracy"]["value"] >= 0.45 else "failed")
        artifacts = {Path(a.path).name for a in mlflow.MlflowClient(sqlite_store).list_artifacts(row["run_id"])}
        assert artifacts == {"run.json", "predictions.parquet", "probes.parquet", "attributions.parquet", "report.html"}
    # artifacts sit beside the database, not in the current folder
    assert (Path(sqlite_store[len("sqlite:///"):]).parent / "mlartifacts").is_dir()


def test_file_store_when_mlflow_allows_it(stored_runs, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    store = tmp_path / "mlruns"
    [first] = export_mlflow([stored_runs[0]], tracking_uri=str(store))
    assert export_mlflow([stored_runs[0]], tracking_uri=store.as_uri()) == [first]
    frame = _runs(store.as_uri())
    assert list(frame["run_id"]) == [first]
    assert frame.iloc[0]["metrics.accuracy"] == stored_runs[0].record["metrics"]["accuracy"]["value"]


def test_audit_logs_its_run(tmp_path, tiny_model_dir, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    store = tmp_path / "mlruns"
    data = Path(__file__).resolve().parents[2] / "sample_data" / "reviews_test.csv"
    out = tmp_path / "run"
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--limit", "12", "--out", str(out),
                 "--probes", "none", "--attributions", "0", "--n-boot", "20", "--mlflow", str(store)]) == 0
    frame = _runs(store.as_uri())
    assert len(frame) == 1 and frame.iloc[0]["tags.mlflow.runName"] == "run"
    assert f"run {frame.iloc[0]['run_id']}" in capsys.readouterr().out


def test_refused_file_store_is_one_line(stored_runs, tmp_path, monkeypatch, capsys):
    from packaging.version import Version

    if Version(mlflow.__version__) < Version("3.13"):
        pytest.skip("MLflow before 3.13 still accepts the file store by default")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    assert main(["export", "mlflow", str(stored_runs[0].path), "--tracking-uri", str(tmp_path / "mlruns")]) == 2
    assert "sqlite:///" in _one_line_error(capsys)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_one_line_before_the_audit(tmp_path, tiny_model_dir, capsys):
    uri = f"http://127.0.0.1:{_closed_port()}"
    assert main(["export", "mlflow", str(tmp_path / "nope"), "--tracking-uri", uri]) == 2
    assert "does not exist" in _one_line_error(capsys)  # the run is checked first
    data = Path(__file__).resolve().parents[2] / "sample_data" / "reviews_test.csv"
    out = tmp_path / "run"
    code = main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--limit", "8", "--out", str(out),
                 "--probes", "none", "--attributions", "0", "--mlflow", uri])
    assert code == 2
    assert "cannot reach the MLflow tracking server" in _one_line_error(capsys)
    assert not out.exists()


def test_missing_extra_names_it(stored_runs, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    assert main(["export", "mlflow", str(stored_runs[0].path)]) == 2
    assert "[mlflow]" in _one_line_error(capsys)
