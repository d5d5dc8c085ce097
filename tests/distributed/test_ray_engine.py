"""--engine ray on a local Ray with 2 workers gives the same run as the local engine."""

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.data import load_dataset
from auditkit.distributed._cluster import DISTRIBUTED_EXTRA_MISSING, import_ray
from auditkit.errors import ConfigError

ROOT_DATA = "sample_data/reviews_test.csv"


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with 2 worker CPUs, shut down after this module."""
    from auditkit.distributed import connect

    ray = import_ray()
    connect(num_cpus=2)
    yield ray
    ray.shutdown()


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_bad_ray_address_fails_with_one_line_before_ray_starts(tmp_path, tiny_model_dir, capsys):
    """The address is probed with a plain socket (3 s timeout) before ray.init, which would retry for long."""
    code, out, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", ROOT_DATA, "--out", tmp_path / "run",
                             "--engine", "ray", "--ray-address", "127.0.0.1:9")
    assert code == 2 and not (tmp_path / "run").exists()
    assert err.startswith("auditkit: error: cannot reach a Ray cluster at '127.0.0.1:9'") and err.count("\n") == 1
    assert "(then connect with --ray-address auto)" in err and err.rstrip().endswith("HOST:PORT as --ray-address")
    assert not import_ray().is_initialized()


def test_auto_without_a_running_ray_says_so_in_auditkit_terms(tmp_path, tiny_model_dir, capsys):
    code, _, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", ROOT_DATA, "--out", tmp_path / "run",
                           "--engine", "ray", "--ray-address", "auto")
    assert code == 2 and not (tmp_path / "run").exists() and err.count("\n") == 1
    assert err.startswith("auditkit: error: cannot connect to a Ray cluster at 'auto' (no Ray runs on this machine); "
                          "start one with `ray start --head`")
    assert not import_ray().is_initialized()


def test_an_address_that_is_not_one_names_the_parameter_in_python_and_the_flag_on_the_command_line(tmp_path,
                                                                                                  tiny_model_dir, capsys):
    from auditkit.distributed import connect

    with pytest.raises(ConfigError, match=r"^address 'nowhere' names no Ray cluster; write auto"):
        connect("nowhere")
    code, _, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", ROOT_DATA, "--out", tmp_path / "run",
                           "--engine", "ray", "--ray-address", "nowhere")
    assert code == 2 and err.startswith("auditkit: error: --ray-address 'nowhere' names no Ray cluster; write auto")


def test_without_ray_the_error_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError) as info:
        import_ray()
    assert str(info.value) == DISTRIBUTED_EXTRA_MISSING and "[distributed]" in str(info.value)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "parquet-folder"])
def test_ray_reads_every_format_to_the_same_dataset(local_ray, tmp_path, fmt):
    from auditkit.distributed import read_ray_dataset

    frame = pd.read_csv(ROOT_DATA, dtype=str, keep_default_na=False).iloc[:120]
    frame.loc[3, "gender_mention"] = ""  # an empty group cell reads as <missing> in both engines
    if fmt == "csv":
        path = tmp_path / "d.csv"
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        path = tmp_path / "d.jsonl"
        frame.to_json(path, orient="records", lines=True)
    elif fmt == "parquet":
        path = tmp_path / "d.parquet"
        frame.to_parquet(path, index=False)
    else:
        path = tmp_path / "parts"
        path.mkdir()
        for i, start in enumerate(range(0, len(frame), 50)):
            frame.iloc[start:start + 50].to_parquet(path / f"part-{i}.parquet", index=False)
    options = dict(group_cols=["gender_mention"], limit=100)
    local, distributed = load_dataset(path, **options), read_ray_dataset(str(path), **options)
    assert distributed.texts == local.texts and distributed.labels == local.labels
    assert distributed.groups == local.groups and distributed.groups["gender_mention"][3] == "<missing>"
    assert distributed.fingerprint == local.fingerprint


def test_ray_data_errors_are_the_local_ones(local_ray, tmp_path):
    from auditkit.distributed import read_ray_dataset
    from auditkit.errors import DataError

    with pytest.raises(DataError, match="column 'nope' is not in"):
        read_ray_dataset(ROOT_DATA, text_col="nope")
    with pytest.raises(DataError, match="does not exist"):
        read_ray_dataset(str(tmp_path / "missing.csv"))


def test_ray_engine_gives_the_same_run_as_the_local_engine(local_ray, tmp_path, tiny_model_dir, capsys):
    common = ["--model", tiny_model_dir, "--data", ROOT_DATA, "--limit", "120", "--group-col", "gender_mention",
              "--n-boot", "200", "--probes", "gender", "--attributions", "0", "--batch-size", "16", "--max-length", "48"]
    code, _, err = run_cli(capsys, "audit", *common, "--out", tmp_path / "local")
    assert code == 0, err
    code, _, err = run_cli(capsys, "audit", *common, "--out", tmp_path / "ray", "--engine", "ray", "--ray-replicas", "2")
    assert code == 0, err
    assert "Ray: 2 replica(s)" in err
    a, b = (json.loads((tmp_path / name / "run.json").read_text()) for name in ("local", "ray"))
    pa, pb = (pd.read_parquet(tmp_path / name / "predictions.parquet") for name in ("local", "ray"))
    assert (pa["predicted"] == pb["predicted"]).all()
    assert np.allclose(pa.filter(like="prob_"), pb.filter(like="prob_"), atol=1e-6, rtol=0)
    assert a["dataset"] == b["dataset"]
    # the replicas' route, as they report it: each measures its own (1 thread each here), so the fp32 route may
    # differ between them (then the run names both, "openvino-fp32, torch-fp32")
    routes = {r for run in (a, b) for r in run["model"]["route"].split(", ")}
    assert routes <= {"torch-fp32", "openvino-fp32"}
    assert a["model"]["precision"] == b["model"]["precision"] == "fp32"

    def numbers(node, prefix=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from numbers(value, f"{prefix}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from numbers(value, f"{prefix}[{i}]")
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            yield prefix, node

    for section in ("metrics", "bias"):
        left, right = dict(numbers(a[section])), dict(numbers(b[section]))
        assert left.keys() == right.keys()
        for key in left:
            # probabilities agree to 1e-6; ratios built on them (Satterthwaite df, p-values) carry that to the 4th-5th digit
            assert right[key] == pytest.approx(left[key], abs=1e-6, rel=1e-3), key
    probes_a, probes_b = (pd.read_parquet(tmp_path / name / "probes.parquet") for name in ("local", "ray"))
    assert (probes_a["predicted_label"] == probes_b["predicted_label"]).all()


def test_one_pool_of_replicas_serves_every_call_of_an_audit(local_ray):
    """Prediction, probe scoring and attributions call predict_proba in turn: the replicas load the model once."""
    from auditkit.distributed import RayClassifier
    from tiny_models import build_tiny_classifier

    local = build_tiny_classifier()
    texts = pd.read_csv(ROOT_DATA, dtype=str, keep_default_na=False)["text"].tolist()[:90]
    remote = RayClassifier(local, replicas=2, rows_per_block=20)
    first = remote.predict_proba(texts, batch_size=8, progress=False)
    actors = [a._actor_id for a in remote._actors()]
    second = remote.predict_proba(texts[:7], batch_size=8, progress=False)
    assert [a._actor_id for a in remote._actors()] == actors and len(actors) == 2
    expected = local.predict_proba(texts, batch_size=8, progress=False).probabilities
    assert np.allclose(first.probabilities, expected, atol=1e-6, rtol=0)  # 5 blocks, back in input order
    assert np.allclose(second.probabilities, expected[:7], atol=1e-6, rtol=0)
    assert remote.predict_proba([], progress=False).probabilities.shape == (0, len(local.labels))
    remote.close()
    assert remote._pool is None


def test_a_lost_replica_is_replaced_and_the_pass_runs_again(local_ray):
    from auditkit.distributed import RayClassifier
    from tiny_models import build_tiny_classifier

    local = build_tiny_classifier()
    texts = ["my sister loved it", "my brother hated it", "fine"] * 10
    remote = RayClassifier(local, replicas=2, rows_per_block=8)
    remote.predict_proba(texts, progress=False)
    lost = remote._actors()[0]
    local_ray.kill(lost)  # as if its node went away
    again = remote.predict_proba(texts, progress=False)
    assert lost not in remote._actors()
    expected = local.predict_proba(texts, progress=False).probabilities
    assert np.allclose(again.probabilities, expected, atol=1e-6, rtol=0)
    remote.close()


def test_an_int8_run_whose_replicas_fall_back_to_fp32_records_fp32_and_why(local_ray, tmp_path, tiny_model_dir, capsys):
    """Replicas measure their own route; where int8 is slower than fp32 they run fp32, and the run must say fp32.
    The replicas (1 thread each) read timings planted in the shared cache that make every int8 route 10x slower."""
    import os

    import torch

    from auditkit.models import load_classifier
    from auditkit.models import _calibration as calibration

    model = load_classifier(tiny_model_dir).model
    names = calibration.candidates_for("int8")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a replica's threads with 2 replicas on 2 CPUs: its cache key
    try:
        key = calibration.cache_key(model, names)
    finally:
        torch.set_num_threads(threads)
    assert os.environ["AUDITKIT_CACHE"]  # conftest's, set before Ray started: the replicas read the same folder
    calibration.write_timings(key, {n: calibration.RouteTiming(1e-2 if n.endswith("int8") else 1e-3, 0.0) for n in names})
    code, _, err = run_cli(capsys, "audit", "--model", tiny_model_dir, "--data", ROOT_DATA, "--limit", "60",
                           "--probes", "none", "--attributions", "0", "--out", tmp_path / "ray", "--engine", "ray",
                           "--ray-replicas", "2", "--precision", "int8")
    assert code == 0, err
    model_section = json.loads((tmp_path / "ray" / "run.json").read_text())["model"]
    assert (model_section["precision"], model_section["requested_precision"]) == ("fp32", "int8")
    assert model_section["route"] in ("torch-fp32", "openvino-fp32")
    assert model_section["route_note"].startswith("int8 requested, but ")


def test_replica_reports_make_the_recorded_precision_what_ran(local_ray):
    from auditkit.distributed import RayClassifier
    from tiny_models import build_tiny_classifier

    remote = RayClassifier(build_tiny_classifier(), replicas=2, precision="int8")
    assert (remote.precision, remote.route) == ("int8", None)  # nothing ran yet
    fallback = "int8 requested, but no int8 route kept fp32's labels on at least 99.5% of ..."
    remote._record_routes({("fp32", "openvino-fp32", fallback)})
    assert (remote.precision, remote.requested_precision, remote.route, remote.route_note) == (
        "fp32", "int8", "openvino-fp32", fallback)
    admitted = "openvino-int8: labels agree with fp32 on 99.80% of 512 of the 4,096 texts to predict (at least 99.5% needed)"
    remote._record_routes({("int8", "openvino-int8", admitted)})  # another replica ran int8: not all predictions are fp32
    assert (remote.precision, remote.route) == ("int8", "openvino-fp32, openvino-int8")
    assert remote.route_note.endswith("; replicas chose different routes (openvino-fp32, openvino-int8); replicas ran "
                                      "different precisions: fp32 (openvino-fp32), int8 (openvino-int8)")
