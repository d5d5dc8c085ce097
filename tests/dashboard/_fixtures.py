"""Stored runs for the dashboard and browser tests: real audits of tiny models (tests/real_runs.py).

Not a conftest.py: a second module named ``conftest`` would shadow
tests/conftest.py for the tests that import helpers from it. Load this file
with :func:`load` (by path).

The baseline's model is a tiny saved classifier (its source is a local folder), so the
What-if page can load it; texts, labels and a group value carry hostile HTML.
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


def real_runs_module():
    return load("real_runs", TESTS / "real_runs.py")


def write_demo_runs(root: Path) -> dict[str, Path]:
    """Three runs under ``root``: baseline (full), augmented (the baseline's model fitted to the data; same data),
    bare (metrics only, another dataset); augmented is the newest, bare the oldest."""
    real = real_runs_module()
    return {
        "baseline": real.audit_run(root / "baseline", created_at="2026-01-01T00:00:03+00:00"),
        "augmented": real.audit_run(root / "augmented", trained=True, created_at="2026-01-01T00:00:04+00:00"),
        "bare": real.audit_run(root / "bare", seed=1, limit=50, probes=False, attributions=False,
                               created_at="2026-01-01T00:00:01+00:00"),
    }


#: Markdown image syntax pointing at a port nothing listens on: rendered as Markdown, a browser would fetch it.
HOSTILE_MD = "![x](http://127.0.0.1:9/x.png)"
HOSTILE_LABELS = (f'neg "quoted" {HOSTILE_MD}', "pos ![y](http://127.0.0.1:9/y.png) :red[loud]")


def write_hostile_run(root: Path, model_dir: Path) -> Path:
    """A real run (the oldest under ``root``) whose strings carry Markdown image syntax, directives and escapes.

    Its model is a tiny classifier saved at ``model_dir`` whose id2label labels carry the
    same syntax (so the What-if page shows them too); the data's group values and the
    run's free-text fields (model name, data source, reasons, definitions) carry it too.
    """
    import pandas as pd

    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier
    from auditkit.store import write_run

    real = real_runs_module()
    clf = load("auditkit_test_root_conftest", TESTS / "conftest.py").build_tiny_classifier(labels=HOSTILE_LABELS)
    clf.model.save_pretrained(model_dir)
    clf.tokenizer.save_pretrained(model_dir)
    frame = pd.read_csv(real.hostile_data())
    frame["gender_mention"] = frame["gender_mention"].map(lambda g: f"{str(g).split()[0]} {HOSTILE_MD}")
    data_path = model_dir.parent / f"data {HOSTILE_MD.replace('/', '_')}.csv"
    frame.to_csv(data_path, index=False)
    data = load_dataset(data_path, text_col="text", label_col="label", group_cols=["gender_mention"])
    options = AuditOptions(n_boot=200, probe_n_boot=200, probe_families=real.FAMILIES, attributions=4,
                           attribution_method="input_x_gradient")
    result = run_audit(load_classifier(str(model_dir)), data, options=options, log=lambda _: None, progress=False)
    record = result.record
    record["model"]["name"] = f"hostile {HOSTILE_MD}\x1b]0;pwned\x07"
    record["dataset"]["source"] = f"data/{HOSTILE_MD}.csv"
    record["created_at"] = "2025-01-01T00:00:00+00:00"
    record["bias"]["target_label_reason"] = HOSTILE_MD
    for attr in ("gender", "race"):
        record["bias"][attr]["gap_definition"] = HOSTILE_MD
        record["bias"][attr]["verdict_reason"] = f"{HOSTILE_MD} :red[loud]"
    return write_run(root / "hostile", record, result.tables)
