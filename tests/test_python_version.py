"""auditkit requires Python 3.11+: a 3.10 user gets one clear line, not a tomllib traceback deep in the CLI."""

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pyproject_requires_the_python_auditkit_checks_for():
    import auditkit

    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=%d.%d" % auditkit.MIN_PYTHON == ">=3.11"


def test_an_older_python_is_refused_with_one_line():
    # Pretend to be 3.10 before the first import of auditkit (a new interpreter, so nothing is cached).
    code = "import sys; sys.version_info = (3, 10, 12, 'final', 0); sys.version = '3.10.12 (fake)'; import auditkit.cli"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last == ("ImportError: auditkit needs Python 3.11 or newer, this is 3.10.12; "
                    "create the virtual environment with python3.11 (make setup PYTHON=python3.11)")
