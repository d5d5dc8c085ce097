"""``auditkit dashboard``: start the Streamlit dashboard on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path

from auditkit._fs import PATH_PROBLEMS, path_kind
from auditkit.cli._common import say
from auditkit.errors import ConfigError

APP_MISSING = (
    "the dashboard app {path!r} is missing from this installation of auditkit; reinstall it "
    "(pip install --force-reinstall auditkit, or pip install -e . in a source checkout)"
)
#: The package the repository's dashboard/ folder is installed as (setup.py maps it).
DASHBOARD_PACKAGE = "auditkit_dashboard"
PORT_IN_USE = "port {port} on 127.0.0.1 is already in use; pass --port N with a free port"
RUNS_IS_FILE = "--runs {runs!r} is a file; pass the folder that holds run directories"
HOST = "127.0.0.1"


def add_parser(sub):
    p = sub.add_parser("dashboard", help="open the dashboard of every stored run",
                       description="Start the Streamlit dashboard (bound to 127.0.0.1) over the runs stored under DIR.")
    p.add_argument("--runs", default="runs", metavar="DIR", help="folder holding run directories (default: runs)")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    return p


def app_path() -> Path:
    """The dashboard's entry script: ``app.py`` of the installed ``auditkit_dashboard`` package.

    Found without importing the package (its modules import Streamlit): in a wheel install that is
    ``site-packages/auditkit_dashboard/app.py``, in an editable one the checkout's ``dashboard/app.py``.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(DASHBOARD_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return Path(DASHBOARD_PACKAGE) / "app.py"  # reported as missing by run()
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "app.py"


def streamlit_command(app: Path, runs: Path, port: int) -> list[str]:
    """The server's command line.

    ``-P``: ``python -m`` would put the working folder first on ``sys.path``, so a ``click.py`` (or any module
    Streamlit imports) in the folder the dashboard is started from — a downloaded bundle of runs, say — would run
    inside the server. Streamlit itself adds only the app's own folder (the installed dashboard package) to the path.
    """
    return [
        sys.executable, "-P", "-m", "streamlit", "run", str(app),
        "--server.address", HOST,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a local audit tool
        "--", "--runs", str(runs),
    ]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _open_when_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    webbrowser.open(url)
                    return
        except OSError:
            pass
        time.sleep(0.3)  # polling a server that is starting; not a test wait


def _has_display() -> bool:
    """Whether a browser tab can open here (a headless server would get a text browser or nothing)."""
    import os

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _forward_termination(proc: subprocess.Popen) -> None:
    """Stop the Streamlit server when this process is told to stop (SIGTERM/SIGHUP), not only on Ctrl+C.

    The handler only forwards the signal: the main thread is inside
    ``proc.wait()``, which holds the Popen's wait lock, so waiting again
    here could never see the child exit and would stall until a timeout.
    A timer kills a server that does not stop within 10 s.
    """
    import signal

    def stop(signum, frame):
        proc.terminate()
        killer = threading.Timer(10.0, proc.kill)
        killer.daemon = True
        killer.start()

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def run(args) -> int:
    app = app_path()
    if not app.is_file():
        raise ConfigError(APP_MISSING.format(path=str(app)))
    kind = path_kind(Path(args.runs).expanduser())
    if kind == "file":
        raise ConfigError(RUNS_IS_FILE.format(runs=args.runs))
    if kind in PATH_PROBLEMS:
        raise ConfigError(f"--runs {args.runs!r} {PATH_PROBLEMS[kind]}; pass the folder that holds run directories")
    runs = Path(args.runs).expanduser().resolve()
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    if not _port_free(args.port):
        raise ConfigError(PORT_IN_USE.format(port=args.port))
    if not runs.exists():
        say(f"note: {runs} does not exist yet; the dashboard will show how to create a run there")
    url = f"http://{HOST}:{args.port}"
    say(f"auditkit dashboard: {url} (runs: {runs}); Ctrl+C to stop")
    proc = subprocess.Popen(streamlit_command(app, runs, args.port))
    _forward_termination(proc)
    if not args.no_browser and _has_display():
        threading.Thread(target=_open_when_healthy, args=(url, proc), daemon=True).start()
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
