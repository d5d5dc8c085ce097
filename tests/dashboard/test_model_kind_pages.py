"""The dashboard on a run of a model that is not a checkpoint (a Python object): every page shows it, labelled by
kind and attribution approach, side by side with a checkpoint's run — and What-if never loads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import real_runs

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGES = {"model": "app_pages/model.py", "explanations": "app_pages/explanations.py", "compare": "app_pages/compare.py",
         "whatif": "app_pages/whatif.py", "bias": "app_pages/bias.py"}


def keyword_model(texts):
    """Positive when a text says good, great or loved: a stand-in for any predict_proba a user brings."""
    p = np.array([0.85 if any(w in t.lower() for w in ("good", "great", "loved")) else 0.2 for t in texts])
    return np.stack([1 - p, p], axis=1)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import PythonClassifier
    from auditkit.store import write_run

    root = tmp_path_factory.mktemp("kinds")
    real_runs.audit_run(root / "checkpoint", created_at="2026-01-01T00:00:01+00:00")
    data = load_dataset(real_runs.hostile_data(limit=60), text_col="text", label_col="label", group_cols=["gender_mention"])
    clf = PythonClassifier(keyword_model, source="keywords.py:keyword_model", labels=list(real_runs.LABELS))
    options = AuditOptions(n_boot=200, probe_n_boot=200, probes=("gender",), probe_families=("templates_nouns", "dataset_counterfactual"),
                           attributions=3)
    result = run_audit(clf, data, options=options, log=lambda _: None, progress=False)
    write_run(root / "keywords", result.record, result.tables)
    return root


def open_page(name, root, monkeypatch, run=None):
    monkeypatch.setenv("AUDITKIT_RUNS", str(root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    if run is not None:
        at.session_state["ak_run"] = str(root / run)
    at.run()
    at.switch_page(PAGES[name])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(at) -> str:
    """What the page shows, Markdown escapes (run strings are shown as text) taken out."""
    shown = "\n".join(str(e.value) for kind in ("caption", "markdown", "text", "info", "warning") for e in getattr(at, kind))
    return shown.replace("\\", "")


@pytest.mark.parametrize("page", ["model", "bias", "explanations"])
def test_each_page_shows_a_python_model_run(page, root, monkeypatch):
    at = open_page(page, root, monkeypatch, run="keywords")
    shown = text_of(at)
    assert "keywords.py:keyword_model (python)" in shown
    if page == "explanations":
        assert "word_ablation (perturbation: words removed and the model asked again)" in shown


def test_compare_pairs_the_python_model_with_the_checkpoint(root, monkeypatch):
    at = open_page("compare", root, monkeypatch)
    assert "not pair-tested" not in text_of(at)


def test_whatif_offers_checkpoints_only(root, monkeypatch):
    import auditkit_dashboard._data as data
    from auditkit.store import list_runs

    choices = data.model_choices(list_runs(root))
    assert list(choices.values()) != [] and not any("keyword" in source for source in choices)
