"""Bad input to ``bench/power.py``'s options (``--data``, ``--sims``, ``--min-effect``, the model): one line on
stderr, exit status 2, no traceback, and nothing loaded or scored before the refusal."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def power():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("auditkit_bench_power", ROOT / "bench" / "power.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fifo(tmp):
    os.mkfifo(tmp / "texts.csv")
    return tmp / "texts.csv"


def _loop(tmp):
    (tmp / "a.csv").symlink_to(tmp / "b.csv")
    (tmp / "b.csv").symlink_to(tmp / "a.csv")
    return tmp / "a.csv"


def _write(name, data):
    def make(tmp):
        (tmp / name).write_bytes(data)
        return tmp / name
    return make


def _nested(tmp):
    (tmp / "deep.jsonl").write_text('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    return tmp / "deep.jsonl"


DATA = {
    "missing": (lambda tmp: tmp / "nope.csv", "does not exist"),
    "fifo": (_fifo, "not a regular file"),
    "symlink loop": (_loop, "symlink loop"),
    "dangling symlink": (lambda tmp: (tmp / "d.csv").symlink_to(tmp / "gone.csv") or tmp / "d.csv", "missing target"),
    "not utf-8": (_write("latin1.csv", "text\ncaf\xe9\n".encode("latin-1")), "UTF-8"),
    "no text column": (_write("words.csv", b"words\nhello\n"), "text"),
    "empty": (_write("empty.csv", b""), "is empty"),
    "directory without parquet": (lambda tmp: tmp, "without *.parquet"),
    "deeply nested json": (_nested, "cannot read"),
}


def _refused(power, argv, fragment, capsys):
    try:
        code = power.main(argv)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment.lower() in lines[0].lower(), err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", list(DATA))
def test_bad_data_file_is_one_line(power, name, tmp_path, capsys):
    build, fragment = DATA[name]
    data = build(tmp_path)
    _refused(power, [str(tmp_path / "no-model"), "--data", str(data)], fragment, capsys)


@pytest.mark.parametrize("option, value, fragment", [
    ("--sims", "0", "--sims"), ("--sims", "-1", "--sims"), ("--sims", "1e30", "invalid int"),
    ("--sims", "100001", "--sims"), ("--sims", "nan", "invalid int"),
    ("--min-effect", "nan", "--min-effect"), ("--min-effect", "-0.01", "--min-effect"),
    ("--min-effect", "1e30", "--min-effect"), ("--min-effect", "inf", "--min-effect"),
    ("--min-effect", "abc", "invalid float"),
])
def test_bad_option_values_are_one_line(power, option, value, fragment, tmp_path, capsys):
    _refused(power, [str(tmp_path / "no-model"), "--data", "none", option, value], fragment, capsys)


def test_a_missing_model_is_one_line(power, tmp_path, capsys):
    _refused(power, [str(tmp_path / "no-model"), "--data", "none"], "no model at", capsys)
