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
