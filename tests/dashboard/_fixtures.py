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
