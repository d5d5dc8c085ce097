"""The harness of the refusal corpora (test_hostile_inputs.py, test_hostile_model_kinds.py).

A case is ``fn(sandbox) -> argv``, registered in a :class:`Cases` with a
fragment of the one line it must print; :func:`assert_refused` runs it
in-process and checks what the README promises for bad input: exit status 2,
exactly one line on stderr (``auditkit: error: ...``) holding the fragment,
no traceback, nothing written or changed in the case's folder or the shared
assets, and no marker file from model code that must never run.

Imported by name (pytest puts this folder on ``sys.path`` for its test modules,
as it does tests/probes for ``probe_helpers``), not as a conftest.py: a second
``conftest`` module would shadow tests/conftest.py for tests that import from
it. It loads _assets.py by path, as ``A``.
"""

from __future__ import annotations

import importlib.util
import sys
from contextlib import ExitStack
from pathlib import Path

from auditkit.cli import main

HERE = Path(__file__).resolve().parent

FAST = ["--n-boot", "0", "--probes", "none", "--attributions", "0"]
#: An environment variable the cases name as one nobody set; unset for every case.
UNSET = "AUDITKIT_NOT_SET_ANYWHERE"


def load(name: str, filename: str):
    """The module ``filename`` beside this one, imported once as ``name``."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / filename)
        module = sys.modules.setdefault(name, importlib.util.module_from_spec(spec))
        spec.loader.exec_module(module)
    return module


A = load("auditkit_test_hostile_assets", "_assets.py")


class Cases(dict):
    """The corpus of one test module: case name -> ``(build, fragment)``."""

    def case(self, fragment: str):
        """Register ``fn(sandbox) -> argv`` as a case whose one stderr line contains ``fragment``."""

        def register(fn):
            self[fn.__name__.removeprefix("c_")] = (fn, fragment)
            return fn

        return register


def audit(sb, *extra, data=None, model=None, out=None) -> list[str]:
    """``auditkit audit`` of the sandbox's model and data (or those given), with the fast options and ``extra``."""
    return ["audit", "--model", str(model or sb.model), "--data", str(data or sb.data),
            "--out", str(out or sb.path / "out"), *FAST, *map(str, extra)]


def assert_refused(build, fragment: str, assets: dict, tmp_path: Path, capsys, monkeypatch) -> None:
    """Run the case ``build`` in ``tmp_path`` and check that it is refused the one way every bad input is."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(UNSET, raising=False)
    monkeypatch.chdir(tmp_path)
    with ExitStack() as stack:
        sb = A.Sandbox(tmp_path, assets)
        sb.stack = stack
        argv = build(sb)
        before = A.tree(tmp_path), A.tree(assets["root"])
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        after = A.tree(tmp_path), A.tree(assets["root"])
    lines = err.splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("auditkit: error: "), err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]
    assert after == before
    assert not sb.marker.exists()
