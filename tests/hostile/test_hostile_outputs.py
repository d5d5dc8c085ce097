"""Hostile strings and dead writers that must not leak into what auditkit prints, lists or writes."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit._fs import OWNER_FILE, leftovers
from auditkit._text import printable
from auditkit.cli import main
from auditkit.store import list_runs, read_run, write_run

_spec = importlib.util.spec_from_file_location("auditkit_test_hostile_assets", Path(__file__).with_name("_assets.py"))
A = sys.modules.setdefault("auditkit_test_hostile_assets", importlib.util.module_from_spec(_spec))
if not hasattr(A, "tree"):
    _spec.loader.exec_module(A)

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


def _staging_left_by(pid: int, folder: Path, name: str, *, content=None) -> Path:
    """What an auditkit writer ``pid`` killed with kill -9 leaves: its staging folder with the ownership record."""
    import random
    import string

    work = folder / f".{name}.tmp-{pid}-{''.join(random.choices(string.ascii_lowercase + string.digits, k=8))}"
    (work / "new").mkdir(parents=True)
    (work / OWNER_FILE).write_text(json.dumps({"writer": "auditkit", "name": work.name, "pid": pid}))
    if content is not None:
        write_run(work / "new" / "run", *content)
    return work


def test_leftovers_of_dead_writers_are_never_listed_and_the_next_write_removes_them(tmp_path):
    dead = _dead_pid()
    stale = [_staging_left_by(dead, tmp_path, "run", content=_record("x")) for _ in range(2)]
    alive = _staging_left_by(os.getppid(), tmp_path, "run")  # a writer that still runs: left alone
    assert list_runs(tmp_path) == []
    assert leftovers(tmp_path / "run") == sorted(stale)
    write_run(tmp_path / "run", *_record("new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", alive.name])
    assert [r.name for r in list_runs(tmp_path)] == ["run"]


#: Entries a user may keep beside an output, named like what a killed writer leaves, that auditkit did not write.
LOOKALIKES = (
    ".{n}.tmp-backup", ".{n}.old-2024", ".{n}.tmp-{dead}-abc", ".{n}.old-{dead}-def", ".{n}.tmp-legacy",
    ".{n}.tmp-{dead}-abcdefgh", ".{n}.tmp-{dead}-forged12",
)


def _plant_lookalikes(folder: Path, name: str, dead: int) -> dict:
    """User files and folders named like leftovers of ``name`` (one a folder with a forged ownership record
    naming another folder); returns the tree they make."""
    for i, pattern in enumerate(LOOKALIKES):
        path = folder / pattern.format(n=name, dead=dead)
        if i % 2:
            path.mkdir()
            (path / "notes.txt").write_text("mine")
        else:
            path.write_text("mine")
    forged = folder / f".{name}.tmp-{dead}-forged99"
    forged.mkdir()
    (forged / OWNER_FILE).write_text(json.dumps({"writer": "auditkit", "name": "somewhere-else", "pid": dead}))
    link = folder / f".{name}.tmp-{dead}-linked12"
    link.symlink_to(forged)
    return {k: v for k, v in A.tree(folder).items() if k.startswith(f".{name}.")}


@pytest.mark.parametrize("command", ["audit", "audit-overwrite", "report-md", "report-html", "report-json", "model-card",
                                     "model-card-update", "compare", "gate-junit", "train"])
def test_user_files_named_like_leftovers_survive_every_write(command, tmp_path, tiny_model_dir, capsys):
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 3)
    run = tmp_path / "runs" / "run"
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(run), *FAST]) == 0
    dead = _dead_pid()
    out_name, argv = {
        "audit": ("new", ["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", "{out}", *FAST]),
        "audit-overwrite": ("run", ["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", "{out}", *FAST,
                                    "--overwrite"]),
        "report-md": ("report.md", ["report", str(run), "--format", "md", "--out", "{out}"]),
        "report-html": ("report.html", ["report", str(run)]),
        "report-json": ("r.json", ["report", str(run), "--format", "json", "--out", "{out}"]),
        "model-card": ("README.md", ["report", str(run), "--format", "model-card", "--out", "{out}"]),
        "model-card-update": ("README.md", ["report", str(run), "--format", "model-card", "--update", "--out", "{out}"]),
        "compare": ("c.md", ["compare", str(run), str(run), "--format", "md", "--out", "{out}"]),
        "gate-junit": ("gate.xml", ["gate", str(run), "--policy", str(_policy(tmp_path)), "--junit", "{out}"]),
        "train": ("model", ["train", "--data", str(data), "--base", str(tiny_model_dir), "--out", "{out}", "--epochs", "1"]),
    }[command]
    folder = run.parent if command in ("audit", "audit-overwrite") else run if command == "report-html" else tmp_path
    planted = _plant_lookalikes(folder, out_name, dead)
    capsys.readouterr()
    code = main([a.replace("{out}", str(folder / out_name)) for a in argv])
    assert code in (0, 1), capsys.readouterr().err  # the gate may fail its checks; it still writes
    after = {k: v for k, v in A.tree(folder).items() if k.startswith(f".{out_name}.")}
    assert after == planted
    assert (folder / out_name).exists()


def _policy(folder: Path) -> Path:
    policy = folder / "policy.toml"
    policy.write_text("[checks.min_accuracy]\nthreshold = 0.1\non = \"value\"\n")
    return policy


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
    stale = _staging_left_by(_dead_pid(), tmp_path, "report.md")
    (stale / "new").rmdir()
    (stale / "new").write_text("half a report")
    assert main(["report", str(tmp_path / "run"), "--format", "md", "--out", str(tmp_path / "report.md")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "run"]
