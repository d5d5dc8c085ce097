"""Hostile strings and dead writers that must not leak into what auditkit prints, lists or writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit._fs import leftovers
from auditkit._text import printable
from auditkit.cli import main
from auditkit.store import list_runs, read_run, write_run

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e"
FAST = ["--n-boot", "0", "--probes", "none", "--attributions", "0"]


_AUDITED: list[dict] = []


def _record(name: str) -> tuple[dict, dict]:
    """A record of a real (tiny, metrics-only) audit whose model and data are called ``name``."""
    import copy

    if not _AUDITED:
        from real_runs import audit_run

        root = Path(__import__("tempfile").mkdtemp(prefix="hostile-outputs-"))
        run = read_run(audit_run(root / "run", probes=False, attributions=False))
        _AUDITED.append((run.record, {"predictions": run.table("predictions")}))
    record = copy.deepcopy(_AUDITED[0][0])
    record["model"]["name"] = record["model"]["source"] = name
    record["dataset"]["source"] = f"{name}.csv"
    for key in ("run_id", "created_at", "schema_version"):
        record.pop(key, None)
    return record, _AUDITED[0][1]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_printable_removes_escape_sequences_controls_and_direction_overrides():
    assert printable(f"model{ESCAPES} name") == "model name"
    assert printable("a\r\nb\tc") == "a  b c"
    assert printable("a\nb", keep_newlines=True) == "a\nb"
    assert printable("naïve — café ✱") == "naïve — café ✱"


def test_runs_listing_prints_no_escape_sequences(tmp_path, capsys):
    write_run(tmp_path / "evil", *_record(f"evil{ESCAPES}"))
    for fmt in ("table", "csv", "json"):
        assert main(["runs", str(tmp_path), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "evil" in out and "\x1b" not in out and "\x07" not in out and "\u202e" not in out, fmt


def test_markdown_report_copies_no_escape_sequences(tmp_path, capsys):
    write_run(tmp_path / "evil", *_record(f"evil{ESCAPES}"))
    assert main(["report", str(tmp_path / "evil"), "--format", "md", "--out", "-"]) == 0
    out = capsys.readouterr().out
    assert "evil" in out and not any(ch in out for ch in "\x1b\x07\u202e")


def test_leftovers_of_dead_writers_are_never_listed_and_the_next_write_removes_them(tmp_path):
    dead = _dead_pid()
    for name in (f".run.tmp-{dead}-abc", f".run.old-{dead}-def", ".run.tmp-legacy"):
        write_run(tmp_path / "staging-source", *_record("x"))
        (tmp_path / "staging-source").rename(tmp_path / name)
    alive = tmp_path / f".run.tmp-{os.getppid()}-ghi"  # a writer that still runs: left alone
    alive.mkdir()
    assert list_runs(tmp_path) == []
    assert len(leftovers(tmp_path / "run")) == 3
    write_run(tmp_path / "run", *_record("new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", alive.name])
    assert [r.name for r in list_runs(tmp_path)] == ["run"]


def test_out_symlink_with_overwrite_replaces_the_target_and_leaves_nothing(tmp_path, tiny_model_dir, capsys):
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 3)
    real = tmp_path / "runs" / "real"
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(real), *FAST]) == 0
    first = read_run(real).run_id
    link = tmp_path / "runs" / "link"
    link.symlink_to(real)
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(link), *FAST, "--overwrite"]) == 0
    assert link.is_symlink() and read_run(link).run_id == read_run(real).run_id != first
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["link", "real"]


def test_model_fingerprint_covers_the_tokenizer_files(tmp_path, tiny_model_dir, capsys):
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 3)
    other = tmp_path / "other-tokenizer"
    shutil.copytree(tiny_model_dir, other)
    config = json.loads((other / "tokenizer_config.json").read_text())
    config["do_lower_case"] = not config.get("do_lower_case", True)
    (other / "tokenizer_config.json").write_text(json.dumps(config))
    prints = []
    for model in (tiny_model_dir, other):
        out = tmp_path / f"run-{model.name}"
        assert main(["audit", "--model", str(model), "--data", str(data), "--out", str(out), *FAST]) == 0
        prints.append(read_run(out).record["model"]["fingerprint"])
    assert prints[0] and prints[1] and prints[0] != prints[1]


def test_a_report_write_removes_what_a_killed_report_writer_left(tmp_path, capsys):
    write_run(tmp_path / "run", *_record("x"))
    stale = tmp_path / f".report.md.tmp-{_dead_pid()}-abc"
    stale.write_text("half a report")
    assert main(["report", str(tmp_path / "run"), "--format", "md", "--out", str(tmp_path / "report.md")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "run"]
