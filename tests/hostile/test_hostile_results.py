"""Hostile inputs whose right answer is a correct result, not a refusal.

A tampered run resumed from, case-fold confusables in the data and in a
lexicon, a listing piped into ``head`` or printed on an ASCII terminal, runs
that do not read beside runs that do, ``--out -``, a symlinked model card:
each gives the result a careful user expects, with no traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.store import read_run

FAST = ["--n-boot", "0", "--probes", "none", "--attributions", "0"]
AUDITKIT = [str(Path(sys.executable).with_name("auditkit"))]


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "good food,positive\nbad food,negative\nfine soup,positive\n" * 3)
    return path


def _audit(model, data, out, *extra) -> list[str]:
    return ["audit", "--model", str(model), "--data", str(data), "--out", str(out), *FAST, *map(str, extra)]


def _rehash(run: Path, table: str = "predictions") -> None:
    """Make run.json record the table's current bytes (a tamperer who knows the format)."""
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["tables"][table]["sha256"] = hashlib.sha256((run / f"{table}.parquet").read_bytes()).hexdigest()
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")


def _swap(frame):
    frame["prob_negative"], frame["prob_positive"] = frame["prob_positive"].copy(), frame["prob_negative"].copy()


def _outside(frame):
    frame["prob_positive"] = frame["prob_positive"] + 2.0


def _nan(frame):
    frame.loc[0, "prob_negative"] = np.nan


def _reordered(frame):
    return frame.iloc[::-1].reset_index(drop=True)


@pytest.mark.parametrize("tamper, rehash, reason", [
    (_swap, False, "is not the table this run wrote"),
    (_swap, True, "rows whose class probabilities do not sum to 1"),  # with the hash forged, the swap keeps sums: see below
    (_outside, True, "probabilities outside [0, 1]"),
    (_nan, True, "probabilities that are not numbers"),
    (_reordered, True, "texts in another order than the data"),
], ids=["swapped", "swapped-rehashed", "outside-0-1", "nan", "reordered"])
def test_resume_never_reuses_tampered_predictions(tiny_model_dir, data, tmp_path, capsys, tamper, rehash, reason):
    out = tmp_path / "run"
    assert main(_audit(tiny_model_dir, data, out)) == 0
    honest = read_run(out).predictions.copy()
    frame = pd.read_parquet(out / "predictions.parquet")
    frame = tamper(frame) if tamper is _reordered else (tamper(frame) or frame)
    if tamper is _swap and rehash:  # a swap keeps each row's sum: break the sum too, so the range checks see it
        frame.loc[0, "prob_negative"] = 0.9
        frame.loc[0, "prob_positive"] = 0.9
    frame.to_parquet(out / "predictions.parquet", index=False)
    if rehash:
        _rehash(out)
    capsys.readouterr()
    assert main(_audit(tiny_model_dir, data, out, "--resume")) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [ln for ln in err.splitlines() if ln.startswith("resume:")]
    assert reason in line and "; predicting again" in line, line
    again = read_run(out).predictions
    pd.testing.assert_frame_equal(again, honest)  # predicted afresh: the honest numbers, not the tampered ones


def test_resume_reuses_an_untouched_run_and_says_what_it_checked(tiny_model_dir, data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_audit(tiny_model_dir, data, out)) == 0
    capsys.readouterr()
    assert main(_audit(tiny_model_dir, data, out, "--resume")) == 0
    assert "reusing 9 stored predictions" in capsys.readouterr().err


def test_resume_of_a_run_without_recorded_hashes_predicts_again(tiny_model_dir, data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_audit(tiny_model_dir, data, out)) == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    record["schema_version"] = 2
    del record["tables"]
    del record["options"]["max_probe_sentences"]
    (out / "run.json").write_text(json.dumps(record), encoding="utf-8")
    capsys.readouterr()
    assert main(_audit(tiny_model_dir, data, out, "--resume")) == 0
    assert "records no table hashes" in capsys.readouterr().err


CONFUSABLES = ("ſhe loved the food", "I told hİm so", "I saw hım there", "Her ſister was happy", "KELVIN \u212aate said no")


def test_case_fold_confusables_in_the_data_do_not_break_the_audit(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "conf.csv"
    rows = [f"{t},{'positive' if i % 2 else 'negative'}" for i, t in enumerate(CONFUSABLES * 2)]
    data.write_text("text,label\n" + "\n".join(rows) + "\nshe loved it,positive\nhe hated it,negative\n")
    code = main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(tmp_path / "run"),
                 "--n-boot", "0", "--attributions", "0", "--probe-n-boot", "100"])
    assert code == 0, capsys.readouterr().err
    swaps = read_run(tmp_path / "run").record["bias"]["gender"]["families"]["dataset_counterfactual"]["swaps"]
    assert swaps["n_swapped"] >= 2  # the plain "she" / "he" rows are swapped; the confusables are left as they are


def test_case_fold_confusables_do_not_break_counterfactual_augmentation():
    from auditkit.probes import counterfactual_augment

    texts = list(CONFUSABLES) + ["she loved it"]
    out = counterfactual_augment(texts, labels=[0] * len(texts))
    assert "he loved it" in out[0]


def test_a_lexicon_term_spelled_with_a_confusable_loads_and_is_matched_only_as_written(tiny_model_dir, tmp_path, capsys):
    lexicon = tmp_path / "religion.json"
    lexicon.write_text(json.dumps({
        "attribute": "religion", "groups": ["muslim", "christian"],
        "terms": [{"muslim": "İmam", "christian": "prieſt"}, {"muslim": "mosque", "christian": "church"}],
        "names": [{"muslim": "Ahmed", "christian": "John"}],
    }), encoding="utf-8")
    data = tmp_path / "rel.csv"
    data.write_text("text,label\nthe priest spoke,positive\nthe prieſt spoke,negative\nwe went to church,positive\n")
    code = main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(tmp_path / "run"),
                 "--n-boot", "0", "--attributions", "0", "--probe-n-boot", "100", "--probes", "religion",
                 "--lexicon", str(lexicon)])
    assert code == 0, capsys.readouterr().err
    probes = read_run(tmp_path / "run").table("probes")
    swapped = set(probes.loc[probes["family"] == "dataset_counterfactual", "text"])
    assert f"the {'İmam'.lower()} spoke" in swapped and "we went to mosque" in swapped  # "prieſt" as written: swapped
    assert "the priest spoke" not in swapped  # "priest" is not the lexicon's "prieſt"


@pytest.fixture
def listed_runs(tiny_model_dir, data, tmp_path):
    """A runs folder: three readable runs (one with a non-ASCII name), one nested 10^5 levels deep, one with a
    5,000-digit integer, one in a folder whose name is not UTF-8."""
    root = tmp_path / "runs"
    for name in ("a", "b", "naïve-ü"):
        assert main(_audit(tiny_model_dir, data, root / name)) == 0
    (root / "deep").mkdir()
    (root / "deep" / "run.json").write_text('{"schema_version": 3, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (root / "digits").mkdir()
    (root / "digits" / "run.json").write_text('{"schema_version": 3, "n": ' + "7" * 5000 + "}")
    shutil.copytree(root / "a", os.fsdecode(os.fsencode(str(root)) + b"/\xff\xfe"))
    return root


def test_runs_lists_the_readable_and_skips_the_rest_with_one_line_each(listed_runs, capsys):
    capsys.readouterr()
    assert main(["runs", str(listed_runs), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert sorted(r["run"] for r in json.loads(out)) == ["a", "b", "naïve-ü"]
    lines = err.splitlines()
    assert len(lines) == 3 and all(ln.startswith("auditkit: warning: skipped ") for ln in lines), lines
    assert "Traceback" not in err


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}],
                         ids=["ascii-stdout", "c-locale"])
def test_runs_prints_non_ascii_and_non_utf8_names_on_an_ascii_terminal(listed_runs, env):
    done = subprocess.run(AUDITKIT + ["runs", str(listed_runs)], capture_output=True, env={**os.environ, **env},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"na" in done.stdout and b" a " in done.stdout.replace(b"\n", b" ")
    assert done.stderr.count(b"auditkit: warning: skipped ") == 3


def test_runs_piped_into_head_stops_quietly(listed_runs):
    for _ in range(40):  # enough rows that the listing outlives the pipe
        shutil.copytree(listed_runs / "a", listed_runs / f"copy-{_:02d}")
    shell = f"{AUDITKIT[0]} runs {listed_runs} --format json | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, timeout=120)
    assert done.stdout == b"[\n"
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr
    assert done.returncode in (0, 141)  # 141: as a command the pipe closed on


def test_compare_out_dash_writes_stdout_and_no_file_named_dash(tiny_model_dir, data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    assert main(_audit(tiny_model_dir, data, run)) == 0
    capsys.readouterr()
    assert main(["compare", str(run), str(run), "--format", "md", "--out", "-"]) == 0
    assert "# Comparison" in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_model_card_update_writes_through_a_symlinked_readme(tiny_model_dir, data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_audit(tiny_model_dir, data, run)) == 0
    real = tmp_path / "docs" / "card.md"
    real.parent.mkdir()
    real.write_text("# My model\n\nMy words.\n")
    link = tmp_path / "README.md"
    link.symlink_to(real)
    for _ in range(2):
        assert main(["report", str(run), "--format", "model-card", "--update", "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    text = real.read_text()
    assert "My words." in text and text.count("end of the auditkit audit block") == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "tiny-model") == ["README.md", "d.csv", "docs", "run"]


def test_a_gate_refuses_a_run_audited_with_a_lenient_min_effect_that_once_passed(tiny_model_dir, data, tmp_path, capsys):
    """The bypass: --min-effect 5 made every gap "no material bias". It is refused by the audit now; a run audited at
    the top of the range (0.5) is refused by the gate's default max_min_effect."""
    out = tmp_path / "run"
    probes = ["--n-boot", "0", "--attributions", "0", "--probe-n-boot", "100"]
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(out), *probes,
                 "--min-effect", "5"]) == 2
    assert not out.exists()
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(out), *probes,
                 "--min-effect", "0.5"]) == 0
    policy = tmp_path / "policy.toml"
    policy.write_text('[checks.no_significant_bias]\nrequire = "no_material_bias"\n')
    capsys.readouterr()
    assert main(["gate", str(out), "--policy", str(policy)]) == 2
    assert "max_min_effect" in capsys.readouterr().err
