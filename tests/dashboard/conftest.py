"""Stored runs for the dashboard tests, written with auditkit.store.write_run.

Records come from the synthetic-run helpers of the report tests
(``tests/report/_runs.py``: contract-shaped, numbers internally consistent,
hostile HTML in the texts); the baseline's model source is a tiny saved
classifier so the What-if page can load it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
APP = TESTS.parent / "dashboard" / "app.py"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _synthetic_runs_module():
    return _load("auditkit_test_synthetic_runs", TESTS / "report" / "_runs.py")


def save_tiny_model(out: Path) -> Path:
    """The tiny classifier of tests/conftest.py saved as a model directory."""
    clf = _load("auditkit_test_root_conftest", TESTS / "conftest.py").build_tiny_classifier()
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def synthetic():
    return _synthetic_runs_module()


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("models") / "tiny-model")


def write_demo_runs(root: Path, synthetic, model_path: Path) -> dict[str, Path]:
    """Three runs under ``root``: baseline (full, tiny model), augmented (same data), bare (metrics only)."""
    from auditkit.store import write_run

    pred = synthetic.make_predictions(seed=0, accuracy=0.85)
    record = synthetic.make_record(pred, name="baseline", seed=0)
    record["model"]["source"] = str(model_path)
    probes, bias = synthetic.make_probes(gap_gender=0.06, gap_race=0.01, seed=0)
    attributions, section = synthetic.make_attributions(pred, identity_share=0.12)
    record["bias"], record["attributions"] = bias, section
    record["created_at"] = "2026-01-01T00:00:03+00:00"
    paths = {"baseline": write_run(root / "baseline", record,
                                   {"predictions": pred, "probes": probes, "attributions": attributions})}
    paths["augmented"] = synthetic.build_run(root / "augmented", name="augmented", seed=1, accuracy=0.88,
                                             base_predictions=pred, gap_gender=0.01, identity_share=0.05)
    pred_bare = synthetic.make_predictions(seed=2, accuracy=0.7)
    bare = synthetic.make_record(pred_bare, name="bare", seed=2, fingerprint="other-data")
    bare["created_at"] = "2026-01-01T00:00:01+00:00"
    paths["bare"] = write_run(root / "bare", bare, {"predictions": pred_bare})
    return paths


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory, synthetic, tiny_model_path):
    root = tmp_path_factory.mktemp("runs")
    write_demo_runs(root, synthetic, tiny_model_path)
    return root
