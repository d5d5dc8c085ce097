"""Fixtures: a running ``auditkit dashboard`` and a headless Chromium for the browser tests.

Not a conftest.py (a second ``conftest`` module would shadow tests/conftest.py
for tests that import from it); the test module imports these fixtures.

Chromium is Debian's (``/usr/bin/chromium``, or ``$AUDITKIT_CHROMIUM``);
when it is missing the tests fail — they are part of ``make test``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("AUDITKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
STARTUP_TIMEOUT_S = 90
EXPECT_TIMEOUT_MS = 30_000  # a first render on 2 busy cores can take seconds; expect() polls, it does not sleep


def _load(name: str, path: Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _auditkit_command() -> list[str]:
    script = Path(sys.executable).with_name("auditkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "auditkit"]


def _healthy(url: str, proc: subprocess.Popen) -> bool:
    """Poll /_stcore/health until the server answers (True), or exits or is still silent after the start-up time
    (False): server start-up, not a UI wait."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Return once the server answers; fail the test, with the end of its log, when it exits or stays silent."""
    if _healthy(url, proc):
        return
    if proc.poll() is not None:
        pytest.fail(f"auditkit dashboard exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
    pytest.fail(f"auditkit dashboard not healthy after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server started by a test: SIGTERM, then SIGKILL when it has not exited 15 s later."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def dashboard_runs(tmp_path_factory):
    """The dashboard tests' stored runs (baseline with a tiny local model, augmented, bare)."""
    helpers = _load("auditkit_test_dashboard_fixtures", TESTS / "dashboard" / "_fixtures.py")
    root = tmp_path_factory.mktemp("runs")
    paths = helpers.write_demo_runs(root)
    # the oldest run: its strings carry Markdown image syntax pointing at 127.0.0.1:9 (a fetch would be recorded)
    paths["hostile"] = helpers.write_hostile_run(root, tmp_path_factory.mktemp("models") / "hostile-model")
    return root, paths


@pytest.fixture(scope="session")
def dashboard_url(dashboard_runs, tmp_path_factory):
    root, _ = dashboard_runs
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "dashboard.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            _auditkit_command() + ["dashboard", "--runs", str(root), "--port", str(port), "--no-browser"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(REPO),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}; install it (apt-get install chromium) or set AUDITKIT_CHROMIUM")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


LOCAL_SCHEMES = ("data:", "blob:", "about:")


@pytest.fixture
def page(browser, dashboard_url):
    """A fresh page that records every JavaScript dialog and every network request.

    The test fails if a dialog opened or if the page asked for anything but
    the dashboard itself (an image from run data rendered as Markdown would).
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.requests = []

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    context.on("request", lambda request: page.requests.append(request.url))
    page.set_default_timeout(30_000)
    yield page
    context.close()
    foreign = [u for u in page.requests if not u.startswith((dashboard_url + "/", dashboard_url.replace("http", "ws", 1) + "/"))
               and u != dashboard_url and not u.startswith(LOCAL_SCHEMES)]
    if foreign:
        pytest.fail(f"the page requested {len(foreign)} URL(s) outside the dashboard: {foreign[:5]}")


@pytest.fixture
def screenshot():
    """save(page, name): a full-page PNG at test-artifacts/screenshots/<name>.png."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
