"""Fault test: an ``auditkit audit`` killed (kill -9 or SIGTERM) in each stage leaves no visible run, and
the next audit to the same --out leaves no leftover either.

The audit runs in a subprocess through ``_pause_at.py``, which stops it
inside the chosen stage and says so on stdout; the test kills it there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit.cli import main
from auditkit.store import list_runs, read_run

HERE = Path(__file__).resolve().parent
FAST = ["--n-boot", "0", "--probes", "none", "--attributions", "0"]
# what each stage needs switched on to be reached (probes pause on entry, so they cost nothing)
STAGE_OPTIONS = {
    "predict": FAST,
    "metrics": FAST,
    "probes": ["--n-boot", "0", "--attributions", "0"],
    "attributions": FAST + ["--attributions", "2"],
    "write": FAST + ["--attributions", "2"],
    "swap": FAST + ["--overwrite"],
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    import importlib.util

    spec = importlib.util.spec_from_file_location("auditkit_test_hostile_assets", HERE / "_assets.py")
    assets = sys.modules.setdefault("auditkit_test_hostile_assets", importlib.util.module_from_spec(spec))
    if not hasattr(assets, "save_model"):
        spec.loader.exec_module(assets)
    return assets.save_model(tmp_path_factory.mktemp("fault") / "model")


def _entries(folder: Path, name: str) -> list[str]:
    return sorted(p for p in os.listdir(folder) if p.startswith(f".{name}."))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
@pytest.mark.parametrize("stage", list(STAGE_OPTIONS))
def test_killed_audit_leaves_no_visible_run_and_the_next_audit_no_leftover(stage, sig, model, tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "my sister loved the food,positive\nhe hated the cold soup,negative\n" * 4)
    runs = tmp_path / "runs"
    out = runs / "audit"
    base = ["audit", "--model", str(model), "--data", str(data), "--out", str(out)]
    previous = None
    if stage == "swap":  # a run to replace
        assert main(base + FAST) == 0
        previous = read_run(out).run_id

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen([sys.executable, str(HERE / "_pause_at.py"), stage, *base, *STAGE_OPTIONS[stage]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(tmp_path))
    try:
        line = proc.stdout.readline()  # blocks until the audit is inside the stage (or exits)
        assert line.strip() == f"PAUSED {stage}", (line, proc.stderr.read() if proc.poll() is not None else "")
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    assert "Traceback" not in err, err
    assert proc.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130), err

    # no visible half-written run: only the run that was there before (if any) is listed
    listed = [r.run_id for r in list_runs(runs)] if runs.exists() else []
    assert listed == ([previous] if previous and sig == signal.SIGTERM else []), listed
    if sig == signal.SIGTERM and runs.exists():  # a terminated audit cleans up on its way out
        assert _entries(runs, "audit") == []

    capsys.readouterr()
    assert main(base + FAST + ["--overwrite"]) == 0, capsys.readouterr().err
    assert _entries(runs, "audit") == []
    [run] = list_runs(runs)
    assert run.path == out and run.run_id != previous
