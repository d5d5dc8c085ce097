"""The train/audit/runs commands as a user runs them: exit codes, one-line errors, files."""

import json

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score

from auditkit.cli import main


@pytest.fixture
def data_csv(tmp_path):
    rows = [("I loved it, great food", "positive", "female"), ("terrible service, cold soup", "negative", "male"),
            ("my brother enjoyed the show", "positive", "male"), ("awful, never again", "negative", "female")] * 10
    path = tmp_path / "data.csv"
    pd.DataFrame(rows, columns=["text", "label", "gender"]).to_csv(path, index=False)
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_writes_a_run_whose_metrics_equal_sklearn(tmp_path, tiny_model_dir, data_csv, capsys):
    code, out, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", data_csv, "--group-col", "gender",
                             "--out", tmp_path / "run", "--n-boot", "100", "--probes", "none", "--attributions", "0")
    assert code == 0, err
    assert "run stored in" in out
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    preds = pd.read_parquet(tmp_path / "run" / "predictions.parquet")
    assert len(preds) == 40 and {"text", "label", "predicted", "prob_negative", "prob_positive", "gender"} <= set(preds.columns)
    assert record["metrics"]["accuracy"]["value"] == pytest.approx(accuracy_score(preds.label, preds.predicted))
    assert record["metrics"]["macro_f1"]["value"] == pytest.approx(f1_score(preds.label, preds.predicted, average="macro"))
    assert set(record["metrics"]["by_group"]["gender"]) == {"female", "male"}
    assert record["model"]["labels"] == ["negative", "positive"]
    assert record["dataset"]["n_examples"] == 40 and len(record["dataset"]["fingerprint"]) == 16
    assert set(record["timings"]) >= {"predict", "metrics"}

    code, out, _ = run_cli(capsys, "runs", tmp_path)
    assert code == 0 and "run" in out and "tiny-model" in out


def assert_one_line_error(code, out, err, *fragments):
    assert code == 2
    lines = [l for l in err.strip().splitlines() if l.startswith("auditkit: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--data", "{tmp}/missing.csv"], ["does not exist"]),
        (["--data", "{data}", "--text-col", "review"], ["text column 'review'", "text, label, gender"]),
        (["--data", "{data}", "--label-col", "y"], ["label column 'y'"]),
        (["--data", "{badlabels}"], ["does not know label", "'meh'"]),
        (["--data", "{data}", "--model", "{tmp}"], ["not a Hugging Face checkpoint"]),
        (["--data", "{data}", "--model", "nobody/some-model"], ["Hub is unreachable"]),
        (["--data", "{data}", "--out", "{foreign}"], ["not an auditkit run"]),
        (["--data", "{data}", "--n-boot", "-1"], ["--n-boot must be an integer from 0 to 100000, got -1"]),
        (["--data", "{data}", "--probe-n-boot", "50"], ["--probe-n-boot must be an integer from 100 to 100000, got 50"]),
        (["--data", "{data}", "--attribution-method", "magic"], ["--attribution-method 'magic' is unknown"]),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, tiny_model_dir, data_csv, capsys, monkeypatch, args, fragments):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,positive\nhmm,meh\n")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    subs = {"{tmp}": str(tmp_path), "{data}": str(data_csv), "{badlabels}": str(bad), "{foreign}": str(foreign)}
    argv = ["audit", "--model", str(tiny_model_dir), "--out", str(tmp_path / "out")]
    for a in args:
        for k, v in subs.items():
            a = a.replace(k, v)
        argv.append(a)
    # later options win in argparse, so --model/--out overrides above apply
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (foreign / "keep.txt").read_text() == "x" and len(list(foreign.iterdir())) == 1


def test_non_utf8_data_is_refused(tmp_path, tiny_model_dir, capsys):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("text,label\ncaf\xe9 au lait,positive\n".encode("latin-1"))
    code, out, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", bad, "--out", tmp_path / "o")
    assert_one_line_error(code, out, err, "not valid UTF-8")


def test_existing_run_needs_overwrite(tmp_path, tiny_model_dir, data_csv, capsys):
    argv = ["audit", "--model", tiny_model_dir, "--data", data_csv, "--out", tmp_path / "r", "--n-boot", "0",
            "--probes", "none", "--attributions", "0"]
    assert run_cli(capsys, *argv)[0] == 0
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err, "--overwrite")
    assert run_cli(capsys, *argv, "--overwrite")[0] == 0


def test_usage_errors_are_one_line_too(capsys):
    code, out, err = run_cli(capsys, "audit", "--model")
    assert code == 2 and "Traceback" not in err and err.count("auditkit: error:") == 1


def test_runs_on_an_empty_folder_says_how_to_make_one(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "runs", tmp_path)
    assert code == 0 and "auditkit audit" in out


def test_resume_reuses_stored_predictions_only_for_the_same_model_and_data(tmp_path, tiny_model_dir, data_csv, capsys):
    common = ["audit", "--model", tiny_model_dir, "--data", data_csv, "--out", tmp_path / "run", "--n-boot", "50",
              "--probes", "none", "--attributions", "0"]
    code, _, err = run_cli(capsys, *common, "--precision", "fp32")
    assert code == 0, err
    first = pd.read_parquet(tmp_path / "run" / "predictions.parquet")
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["model"]["precision"] == "fp32"
    code, _, err = run_cli(capsys, *common, "--resume")
    assert code == 0, err
    assert "resume: reusing 40 stored predictions" in err and "predict: 40 texts" not in err
    again = json.loads((tmp_path / "run" / "run.json").read_text())
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "run" / "predictions.parquet"), first)
    assert again["metrics"] == record["metrics"] and again["run_id"] != record["run_id"]
    # other data: predicted again
    other = tmp_path / "other.csv"
    pd.read_csv(data_csv).iloc[:30].to_csv(other, index=False)
    code, _, err = run_cli(capsys, *common[:4], other, *common[5:], "--resume")
    assert code == 0, err
    assert "differs in dataset fingerprint; predicting again" in err and "predict: 30 texts" in err
