"""Stored runs for the dashboard and browser tests, written with auditkit.store.write_run.

Not a conftest.py: a second module named ``conftest`` would shadow
tests/conftest.py for the tests that import helpers from it. Load this file
with :func:`load` (by path).

Records come from the synthetic-run helpers of the report tests
(``tests/report/_runs.py``: contract-shaped, numbers internally consistent,
hostile HTML in the texts); the baseline's model source is a tiny saved
classifier so the What-if page can load it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
APP = TESTS.parent / "dashboard" / "app.py"


def load(name: str, path: Path):
    """Import a helper module of the tests by file path (tests/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def synthetic_runs_module():
    return load("auditkit_test_synthetic_runs", TESTS / "report" / "_runs.py")


def save_tiny_model(out: Path) -> Path:
    """The tiny classifier of tests/conftest.py saved as a model directory."""
    clf = load("auditkit_test_root_conftest", TESTS / "conftest.py").build_tiny_classifier()
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


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
