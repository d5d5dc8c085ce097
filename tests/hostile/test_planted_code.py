"""No code planted in the folder a command starts from ever runs: ``auditkit dashboard`` from a folder of planted modules.

``python -m streamlit`` would put the working folder first on ``sys.path``, so a
``click.py`` (Streamlit's CLI imports click) or a ``streamlit/`` package in a
downloaded bundle of runs would run inside the server. The dashboard is started
here, for real, from such a folder; every planted module writes a marker file
when imported, and none may appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

#: Modules Streamlit's server, its CLI or the dashboard import at start-up, and names Python looks up by itself.
PLANTED_MODULES = ("click", "tornado", "toml", "packaging", "watchdog", "altair", "pandas", "numpy", "pyarrow",
                   "plotly", "typing_extensions", "sitecustomize", "usercustomize", "json", "socket")
PLANTED_PACKAGES = ("streamlit", "auditkit", "dashboard")


def _plant(folder: Path) -> Path:
    markers = folder / "markers"
    markers.mkdir()
    for name in PLANTED_MODULES:
        (folder / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').write('ran')\n")
    for name in PLANTED_PACKAGES:
        (folder / name).mkdir()
        code = f"open({str(markers / name)!r}, 'w').write('ran')\n"
        (folder / name / "__init__.py").write_text(code)
        (folder / name / "__main__.py").write_text(code)
    return markers


def _browser_helpers():
    """tests/browser/_browser.py (a free port, the auditkit command, the server's health and stop), loaded by path as
    the browser tests load it."""
    import importlib.util

    name = "auditkit_test_browser_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "browser" / "_browser.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _free_port() -> int:
    return _browser_helpers()._free_port()


def _auditkit() -> list[str]:
    return _browser_helpers()._auditkit_command()


def test_dashboard_started_from_a_folder_of_planted_modules_runs_none_of_them(tmp_path):
    bundle = tmp_path / "downloaded-bundle"
    bundle.mkdir()
    markers = _plant(bundle)
    (bundle / "runs").mkdir()
    port = _free_port()
    log = tmp_path / "dashboard.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("PYTHONPATH", None)
    with open(log, "w") as out:
        proc = subprocess.Popen(_auditkit() + ["dashboard", "--runs", "runs", "--port", str(port), "--no-browser"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=str(bundle), env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        healthy = _browser_helpers()._healthy(url, proc)  # not _wait_healthy: the markers are checked first
        if healthy:
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200
    finally:
        _browser_helpers()._stop(proc)
    ran = sorted(p.name for p in markers.iterdir())
    assert ran == [], f"planted modules ran: {ran}\n{log.read_text()[-2000:]}"
    assert healthy, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("command", [["runs", "runs"], ["report", "nothing"]])
def test_the_cli_started_from_a_folder_of_planted_modules_runs_none_of_them(tmp_path, command):
    """The console script's path starts at its own bin folder, not the working folder; the markers prove it."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    markers = _plant(bundle)
    (bundle / "runs").mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(_auditkit() + command, cwd=str(bundle), env=env, capture_output=True, text=True, timeout=120)
    assert sorted(p.name for p in markers.iterdir()) == [], done.stderr
    assert "Traceback" not in done.stderr
