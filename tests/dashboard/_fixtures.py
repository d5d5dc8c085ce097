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


#: Markdown image syntax pointing at a port nothing listens on: rendered as Markdown, a browser would fetch it.
HOSTILE_MD = "![x](http://127.0.0.1:9/x.png)"
HOSTILE_LABELS = (f'neg "quoted" {HOSTILE_MD}', "pos ![y](http://127.0.0.1:9/y.png) :red[loud]")


def write_hostile_run(root: Path, synthetic, model_dir: Path) -> Path:
    """A run (the oldest under ``root``) whose every string field carries Markdown image syntax or escapes.

    Its model is a tiny classifier saved at ``model_dir`` whose id2label
    labels carry the same syntax, so the What-if page shows them too.
    """
    from auditkit.store import write_run

    clf = load("auditkit_test_root_conftest", TESTS / "conftest.py").build_tiny_classifier(labels=HOSTILE_LABELS)
    clf.model.save_pretrained(model_dir)
    clf.tokenizer.save_pretrained(model_dir)
    pred = synthetic.make_predictions(seed=5, accuracy=0.8, labels=HOSTILE_LABELS)
    pred["gender"] = pred["gender"].map(lambda g: f"{g} {HOSTILE_MD}")
    record = synthetic.make_record(pred, labels=HOSTILE_LABELS, name=f"hostile {HOSTILE_MD}\x1b]0;pwned\x07", seed=5)
    record["model"]["source"] = str(model_dir)
    record["model"]["name"] = f"hostile {HOSTILE_MD}\x1b]0;pwned\x07"
    record["dataset"]["source"] = f"data/{HOSTILE_MD}.csv"
    record["metrics"]["bootstrap"]["n_boot"] = HOSTILE_MD
    record["metrics"]["bootstrap"]["seed"] = HOSTILE_MD
    record["metrics"]["by_group"] = {f"gender {HOSTILE_MD}": {
        f"female {HOSTILE_MD}": {"n": 10, "small": True, "accuracy": 0.8, "macro_f1": 0.7}}}
    record["dataset"]["n_examples"] = HOSTILE_MD
    record["created_at"] = "2025-01-01T00:00:00+00:00"
    probes, bias = synthetic.make_probes(seed=5)
    bias["target_label"] = HOSTILE_LABELS[1]
    bias["target_label_reason"] = HOSTILE_MD
    for attr in ("gender", "race"):
        bias[attr]["gap_definition"] = HOSTILE_MD
        bias[attr]["n_pairs"] = HOSTILE_MD
    bias[f"custom {HOSTILE_MD}"] = dict(bias["race"])
    attributions, section = synthetic.make_attributions(pred)
    section["method"] = HOSTILE_MD
    section["n_examples"] = HOSTILE_MD
    section["notes"] = [HOSTILE_MD]
    record["bias"], record["attributions"] = bias, section
    return write_run(root / "hostile", record, {"predictions": pred, "probes": probes, "attributions": attributions})
