"""``auditkit dashboard``: the command it runs and its one-line errors (no server started)."""

from __future__ import annotations

import socket
from pathlib import Path

from auditkit.cli import main
from auditkit.cli import _dashboard


def test_command_binds_localhost_and_passes_the_runs_folder(tmp_path):
    cmd = _dashboard.streamlit_command(Path("/x/dashboard/app.py"), tmp_path, 8599)
    assert cmd[1:5] == ["-P", "-m", "streamlit", "run"]  # -P: the working folder is not on sys.path
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8599"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[-3:] == ["--", "--runs", str(tmp_path)]


def test_app_is_found_through_the_installed_package():
    # an editable install maps auditkit_dashboard onto the checkout's dashboard/ (a wheel ships it; .ci/smoke_wheel.sh)
    app = _dashboard.app_path()
    assert app.is_file() and app.parent.name == "dashboard" and (app.parent / "app_pages" / "bias.py").is_file()


def test_missing_app_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(_dashboard, "app_path", lambda: tmp_path / "dashboard" / "app.py")
    assert main(["dashboard", "--runs", str(tmp_path), "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditkit: error: the dashboard app") and "reinstall" in err and "\n" not in err


def test_busy_port_is_a_one_line_error(tmp_path, capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert main(["dashboard", "--runs", str(tmp_path), "--port", str(port), "--no-browser"]) == 2
    assert capsys.readouterr().err.strip() == f"auditkit: error: {_dashboard.PORT_IN_USE.format(port=port)}"


def test_runs_folder_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "runs.txt"
    f.write_text("x")
    assert main(["dashboard", "--runs", str(f), "--no-browser"]) == 2
    assert capsys.readouterr().err.strip() == f"auditkit: error: {_dashboard.RUNS_IS_FILE.format(runs=str(f))}"
