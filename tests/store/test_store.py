import copy
import json

import pandas as pd
import pytest

from auditkit.store import schema as S

from auditkit.errors import RunStoreError
from auditkit.store import SCHEMA_VERSION, list_runs, read_run, write_run
from auditkit.store._run import runs_table
from real_runs import audit_run


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A real run's record and predictions, to write again in each test."""
    run = read_run(audit_run(tmp_path_factory.mktemp("src") / "run", probes=False, attributions=False))
    record = {k: v for k, v in run.record.items() if k not in ("run_id", "created_at", "schema_version")}
    return record, run.predictions


def record_with(source, acc):
    record = copy.deepcopy(source[0])
    record["metrics"]["accuracy"]["value"] = acc
    return record


def test_write_then_read_roundtrip(tmp_path, source):
    record, frame = source
    path = write_run(tmp_path / "r", record, {"predictions": frame})
    run = read_run(path)
    assert run.record["schema_version"] == S.SCHEMA_VERSION and run.record["run_id"] and run.record["created_at"]
    pd.testing.assert_frame_equal(run.predictions, frame)
    assert json.loads((path / "run.json").read_text())["metrics"] == record["metrics"]


def test_nan_becomes_null(tmp_path, source):
    record = record_with(source, 0.5)
    record["metrics"]["roc_auc"] = float("nan")
    path = write_run(tmp_path / "r", record, {"predictions": source[1]})
    assert json.loads((path / "run.json").read_text())["metrics"]["roc_auc"] is None


def test_refuses_to_overwrite_foreign_or_existing_runs(tmp_path, source):
    tables = {"predictions": source[1]}
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    with pytest.raises(RunStoreError, match="not an auditkit run"):
        write_run(foreign, record_with(source, 0.5), tables)
    assert (foreign / "notes.txt").read_text() == "precious"
    run = write_run(tmp_path / "r", record_with(source, 0.5), tables)
    with pytest.raises(RunStoreError, match="already holds a run; pass overwrite to replace it") as refused:
        write_run(run, record_with(source, 0.7), tables)
    assert refused.value.parameters == ("out", "overwrite")  # the CLI writes them as --out, --overwrite
    write_run(run, record_with(source, 0.7), tables, overwrite=True)
    assert read_run(run).record["metrics"]["accuracy"]["value"] == 0.7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "r"]


def test_a_failed_write_leaves_nothing_behind(tmp_path, source):
    class Broken(pd.DataFrame):
        def to_parquet(self, *a, **k):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_run(tmp_path / "r", record_with(source, 0.5), {"predictions": Broken(source[1])})
    assert list(tmp_path.iterdir()) == []


def test_list_runs_finds_nested_runs_and_skips_others(tmp_path, source):
    write_run(tmp_path / "a", record_with(source, 0.8), {"predictions": source[1]})
    write_run(tmp_path / "team" / "b", record_with(source, 0.9), {"predictions": source[1]})
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
