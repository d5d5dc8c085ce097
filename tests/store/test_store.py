import json

import pandas as pd
import pytest

from auditkit.errors import RunStoreError
from auditkit.store import list_runs, read_run, runs_table, write_run


def record(acc=0.9):
    return {"model": {"name": "m"}, "dataset": {"source": "d.csv", "n_examples": 2}, "metrics": {"accuracy": {"value": acc}}}


def test_write_then_read_roundtrip(tmp_path):
    frame = pd.DataFrame({"text": ["a", "<b>"], "label": ["x", "y"]})
    path = write_run(tmp_path / "r", record(), {"predictions": frame})
    run = read_run(path)
    assert run.record["schema_version"] == 1 and run.record["run_id"] and run.record["created_at"]
    pd.testing.assert_frame_equal(run.predictions, frame)
    assert json.loads((path / "run.json").read_text())["metrics"]["accuracy"]["value"] == 0.9


def test_nan_becomes_null(tmp_path):
    path = write_run(tmp_path / "r", {"metrics": {"roc_auc": float("nan")}})
    assert json.loads((path / "run.json").read_text())["metrics"]["roc_auc"] is None


def test_refuses_to_overwrite_foreign_or_existing_runs(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    with pytest.raises(RunStoreError, match="not an auditkit run"):
        write_run(foreign, record())
    assert (foreign / "notes.txt").read_text() == "precious"
    run = write_run(tmp_path / "r", record(0.5))
    with pytest.raises(RunStoreError, match="--overwrite"):
        write_run(run, record(0.7))
    write_run(run, record(0.7), overwrite=True)
    assert read_run(run).record["metrics"]["accuracy"]["value"] == 0.7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "r"]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    class Broken(pd.DataFrame):
        def to_parquet(self, *a, **k):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_run(tmp_path / "r", record(), {"predictions": Broken({"a": [1]})})
    assert list(tmp_path.iterdir()) == []


def test_list_runs_finds_nested_runs_and_skips_others(tmp_path):
    write_run(tmp_path / "a", record(0.8))
    write_run(tmp_path / "team" / "b", record(0.9))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "run.json").write_text("{not json")
    runs = list_runs(tmp_path)
    assert sorted(r.name for r in runs) == ["a", "b"]
    table = runs_table(runs)
    assert sorted(table.accuracy) == [0.8, 0.9]


def test_reading_something_that_is_not_a_run(tmp_path):
    with pytest.raises(RunStoreError, match="does not exist"):
        read_run(tmp_path / "nope")
    with pytest.raises(RunStoreError, match="not an auditkit run"):
        read_run(tmp_path)
    with pytest.raises(RunStoreError, match="does not exist"):
        list_runs(tmp_path / "nope")
