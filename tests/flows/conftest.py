"""Fixtures of the end-to-end flows: open a dashboard page on a stored run with AppTest."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_page(monkeypatch):
    """``app_page(runs_root, run_name, "app_pages/model.py")`` -> the AppTest after the page ran without an exception."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.syspath_prepend(str(ROOT))  # the dashboard package lives in the source checkout

    def open_page(runs: Path, run: str, page: str) -> AppTest:
        monkeypatch.setenv("AUDITKIT_RUNS", str(runs))
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        at.session_state["ak_run"] = str(runs / run)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


@pytest.fixture
def cli(capsys):
    """``cli("audit", ...)`` -> (exit status, stdout, stderr) of the auditkit command line."""
    from auditkit.cli import main

    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A tiny random BERT saved as a model directory: the backbone the flows fine-tune."""
    from tiny_models import build_tiny_classifier

    base = tmp_path_factory.mktemp("tiny-base") / "tiny"
    clf = build_tiny_classifier()
    clf.model.save_pretrained(base)
    clf.tokenizer.save_pretrained(base)
    return base
