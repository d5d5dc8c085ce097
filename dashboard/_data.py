"""Cached access to stored runs, models and the read-only engine layers.

Stored runs are cached with ``st.cache_data`` keyed by path and modification
time, so a re-run audit shows up without a restart; models are cached with
``st.cache_resource`` and loaded only by the What-if page.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from auditkit.compare import compare_runs
from auditkit.errors import AuditkitError
from auditkit.gate import default_policy_path as shipped_policy_path
from auditkit.gate import evaluate_gate, load_policy
from auditkit.store import RUN_FILE, Run, RunScan, read_run, scan_runs, sections

RUNS_ENV = "AUDITKIT_RUNS"
DEFAULT_RUNS = "runs"
_MAX_DEPTH = 3


def runs_dir() -> Path:
    """The folder the dashboard reads: ``-- --runs DIR``, else ``$AUDITKIT_RUNS``, else ``./runs``.

    It is never taken from the URL, so a visitor cannot point the app at
    another folder.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--runs")
    args, _ = parser.parse_known_args(sys.argv[1:])
    value = args.runs or os.environ.get(RUNS_ENV) or DEFAULT_RUNS
    return Path(value).expanduser().resolve()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _signature(root: Path) -> tuple:
    """(run dir, run.json mtime) for every run under ``root``: the cache key of the listing."""
    found = []
    for depth in range(_MAX_DEPTH + 1):
        pattern = "/".join(["*"] * depth + [RUN_FILE])
        for file in root.glob(pattern):  # bytes: a folder name that is not UTF-8 cannot be hashed as a str
            found.append((os.fsencode(file.parent), _mtime(file)))
    return tuple(sorted(found))


@st.cache_data(show_spinner=False, max_entries=16)
def _scan_cached(root: bytes, signature: tuple) -> RunScan:
    return scan_runs(os.fsdecode(root), max_depth=_MAX_DEPTH)


def _scan() -> RunScan:
    root = runs_dir()
    if not root.is_dir():
        return RunScan(runs=[], rejected=[])
    try:
        return _scan_cached(os.fsencode(root), _signature(root))
    except AuditkitError:
        return RunScan(runs=[], rejected=[])


def stored_runs() -> list[Run]:
    """Every readable run under the runs folder, newest first ([] when there is none)."""
    return _scan().runs


def rejected_runs() -> list[tuple[str, str]]:
    """(run folder, one-line reason) for each run under the runs folder that does not read."""
    return [(str(path), reason) for path, reason in _scan().rejected]


def run_mtime(run: Run) -> int:
    return _mtime(run.path / RUN_FILE)


# cache_resource, not cache_data: a cached frame is handed out as is, where cache_data would
# pickle and unpickle a million-row table on every rerun. Pages filter into new frames and never
# write into the one they get.
@st.cache_resource(show_spinner=False, max_entries=8)
def _table_cached(path: str, name: str, mtime: int) -> pd.DataFrame:
    return read_run(path).table(name)


@st.cache_resource(show_spinner=False, max_entries=8)
def _errors_first_cached(path: str, mtime: int) -> np.ndarray:
    return errors_first(_table_cached(path, "predictions", mtime))


def errors_first(predictions: pd.DataFrame) -> np.ndarray:
    """Row positions with errors first, the most confident at the top; input order without those columns."""
    if "correct" not in predictions or "confidence" not in predictions:
        return np.arange(len(predictions))
    return np.lexsort((-predictions["confidence"].to_numpy(dtype=float), predictions["correct"].to_numpy(dtype=bool)))


def predictions_order(run: Run) -> np.ndarray:
    """:func:`errors_first` for the run's whole predictions table, computed once per run."""
    file = run.path / "predictions.parquet"
    return _errors_first_cached(str(run.path), _mtime(file))


def run_table(run: Run, name: str) -> pd.DataFrame | None:
    """The run's ``<name>.parquet`` as a frame, or None when that stage was not run.

    Raises RunStoreError when the file exists but cannot be read.
    """
    file = run.path / f"{name}.parquet"
    if not file.exists():
        return None
    return _table_cached(str(run.path), name, _mtime(file))


# ---------------------------------------------------------------- gate

def default_policy_path() -> Path | None:
    """The example policy shipped with auditkit.gate, when present."""
    path = Path(shipped_policy_path())
    return path if path.is_file() else None


def _gate_summary(result) -> dict:
    checks = result.to_dict()["checks"]
    failed = [c.name for c in result.failures if not c.inconclusive]
    open_ = [c.name for c in result.inconclusive]
    parts = ([f"failed: {', '.join(failed)}"] if failed else []) + ([f"inconclusive: {', '.join(open_)}"] if open_ else [])
    detail = "; ".join(parts) or f"all {len(checks)} checks passed"
    return {"status": "pass" if result.passed else "fail", "checks": checks, "detail": detail}


@st.cache_data(show_spinner=False, max_entries=64)
def _gate_cached(run_path: str, run_mtime_ns: int, policy_path: str, policy_mtime: int) -> dict:
    try:
        result = evaluate_gate(read_run(run_path), load_policy(policy_path))
    except AuditkitError as exc:
        return {"status": "not evaluable", "checks": [], "detail": str(exc)}
    return _gate_summary(result)


def gate_verdict(run: Run) -> dict:
    """The example policy's verdict on ``run``: {"status": pass|fail|no policy|..., "checks": [...]}."""
    policy = default_policy_path()
    if policy is None:  # the gate package not there yet, or shipped without its example
        return {"status": "no policy", "checks": [], "detail": "no example policy found (auditkit/gate/default_policy.toml)"}
    return _gate_cached(str(run.path), run_mtime(run), str(policy), _mtime(policy))


# ---------------------------------------------------------------- compare

@st.cache_data(show_spinner=False, max_entries=32)
def _compare_cached(paths: tuple[str, ...], mtimes: tuple[int, ...]) -> dict:
    try:
        comparison = compare_runs([read_run(p) for p in paths])
    except AuditkitError as exc:
        return {"available": False, "detail": str(exc)}
    return {"available": True, "comparison": comparison}


def compare(runs: list[Run]) -> dict:
    """The compare engine on ``runs`` (cached): {"available": True, "comparison": Comparison} or a reason."""
    return _compare_cached(tuple(str(r.path) for r in runs), tuple(run_mtime(r) for r in runs))


# ---------------------------------------------------------------- models (What-if only)

def model_choices(runs: list[Run]) -> dict[str, str]:
    """Model source → display name, for the checkpoints behind the stored runs (deduplicated).

    Only PyTorch checkpoints: the What-if page loads a model from what a run names, and a run must never make
    it import code (module:attribute), contact a server (an endpoint URL) or unpickle anything.
    """
    choices: dict[str, str] = {}
    for run in runs:
        model = run.record.get("model") or {}
        source = model.get("source")
        if model.get("kind") != "transformers":
            continue
        if source and source not in choices:
            choices[str(source)] = str(model.get("name") or Path(str(source)).name or source)
    return choices


def is_local_model(source: str) -> bool:
    """Whether ``source`` is a model directory on this machine (loads without the Hub)."""
    return (Path(source).expanduser() / "config.json").is_file()


def model_version(source: str) -> int:
    """Changes when a local model directory is rewritten (e.g. retrained), so caches reload it."""
    path = Path(source).expanduser()
    return max([_mtime(path / "config.json")] + [_mtime(p) for p in path.glob("*.safetensors")] + [_mtime(p) for p in path.glob("*.bin")])


@st.cache_resource(show_spinner="Loading model…", max_entries=8)
def _load_model_cached(source: str, version: int):
    from auditkit.models import load_classifier

    return load_classifier(source)


def load_model(source: str):
    """Load a classifier once per server process and model version (What-if page only)."""
    return _load_model_cached(source, model_version(source))


# ---------------------------------------------------------------- section readers (shared with compare/report)

@st.cache_data(show_spinner=False, max_entries=64)
def _bias_view_cached(path: str, mtime: int, attribute: str) -> dict:
    S = sections  # noqa: N806 (the same short alias the report uses)
    run = read_run(path)
    return {
        "pairs": S.paired_differences(run, attribute),
        "worst": S.worst_pairs(run, attribute, k=10),
    }


def bias_attributes(run: Run) -> dict[str, dict]:
    """The probed attributes of the run's bias section (gender, race, ...)."""
    return sections.bias_attributes(run)


def bias_classes(run: Run) -> dict[str, dict[str, dict]]:
    """A per-class run's ``{class: {attribute: entry}}``; {} when one target label was probed."""
    return sections.bias_classes(run)


def class_bias_rows(run: Run) -> list[dict]:
    """A per-class run's class x attribute verdict table."""
    return sections.class_bias_rows(run)


def bias_view(run: Run, attribute: str) -> dict:
    """For one attribute: per-instance paired differences and the worst pairs."""
    return _bias_view_cached(str(run.path), _tables_mtime(run), attribute)


@st.cache_data(show_spinner=False, max_entries=32)
def _attributions_cached(path: str, mtime: int):
    return sections.attributions_table(read_run(path))


def attributions(run: Run) -> pd.DataFrame | None:
    """attributions.parquet (contract columns: words, scores, target, pair_id, side...), or None."""
    return _attributions_cached(str(run.path), _tables_mtime(run))


def _tables_mtime(run: Run) -> int:
    """A key that changes when run.json or any table of the run changes."""
    return max([run_mtime(run)] + [_mtime(p) for p in run.path.glob("*.parquet")])


# ---------------------------------------------------------------- figures (shared with the HTML report)

@st.cache_data(show_spinner=False, max_entries=256)
def _figure_cached(path: str, mtime: int, name: str, args: tuple, kwargs: tuple):
    from auditkit.report import figures

    return getattr(figures, name)(read_run(path), *args, **dict(kwargs))


def figure(run: Run, name: str, *args, **kwargs):
    """``auditkit.report.figures.<name>(run, *args, **kwargs)`` cached per run version; None when not measured.

    A run whose table cannot be read (corrupt, or a symlink into another
    folder) gives the :class:`AuditkitError` instead, for the page to show.
    """
    try:
        return _figure_cached(str(run.path), _tables_mtime(run), name, tuple(args), tuple(sorted(kwargs.items())))
    except AuditkitError as exc:
        return exc


@st.cache_data(show_spinner=False, max_entries=256)
def _whatif_cached(source: str, version: int, texts: tuple[str, ...], target: int) -> dict:
    from auditkit_dashboard import _whatif

    clf = _load_model_cached(source, version)
    probs = clf.predict_proba(list(texts), progress=False).probabilities
    words, scores, method = _whatif.word_attributions(clf, texts[0], target)
    return {"labels": clf.labels, "probabilities": probs, "words": words, "scores": scores, "method": method}


def whatif_scores(source: str, texts: tuple[str, ...], target: int) -> dict:
    """Class probabilities of ``texts`` and the word heat map of ``texts[0]`` for one model (cached per sentence)."""
    return _whatif_cached(source, model_version(source), tuple(texts), int(target))
