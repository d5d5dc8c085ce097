"""Write and read run directories.

A run directory holds ``run.json`` (the record: model, dataset, metrics and
the sections later stages add) and one Parquet file per table
(``predictions.parquet``, ``probes.parquet``, ``attributions.parquet``).
It is written in a sibling temporary directory and renamed into place, so a
killed audit leaves no half-written run behind.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from auditkit._fs import staged_directory
from auditkit.errors import RunStoreError

SCHEMA_VERSION = 1
RUN_FILE = "run.json"


def to_jsonable(value):
    """Convert numpy scalars/arrays, NaN and infinities into plain JSON values (NaN → null)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Path):
        return str(value)
    return value


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` holds an auditkit run (a run.json with a schema version)."""
    try:
        record = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and "schema_version" in record and "run_id" in record


def check_output_dir(out: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Fail early (before any work) when ``out`` cannot take a new run.

    ``out`` may be missing, an empty directory, or — with ``overwrite`` — an
    existing auditkit run. Anything else is refused: auditkit never replaces
    files it did not write.
    """
    path = Path(out)
    if path.exists():
        if not path.is_dir():
            raise RunStoreError(f"--out {str(path)!r} is an existing file; choose a new directory for the run")
        if any(path.iterdir()):
            if not is_run_dir(path):
                raise RunStoreError(
                    f"--out {str(path)!r} exists and is not an auditkit run; refusing to overwrite it — choose a new directory"
                )
            if not overwrite:
                raise RunStoreError(
                    f"--out {str(path)!r} already holds a run; pass --overwrite to replace it, or choose a new directory"
                )
    parent = path.absolute().parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunStoreError(f"cannot create {str(parent)!r} for --out: {exc.strerror or exc}") from None
    return path


def new_run_id() -> str:
    """A sortable unique run id: UTC time plus a random suffix."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def write_run(
    out: str | os.PathLike,
    record: dict,
    tables: Mapping[str, pd.DataFrame] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a run directory atomically and return its path.

    Parameters
    ----------
    out : path
        The run directory to create.
    record : dict
        The run record; ``schema_version``, ``run_id`` and ``created_at``
        are filled in when absent.
    tables : mapping of str to DataFrame
        Written as ``<name>.parquet``.
    overwrite : bool, default False
        Replace an existing auditkit run at ``out``.
    """
    path = check_output_dir(out, overwrite=overwrite)
    record = dict(record)
    record.setdefault("schema_version", SCHEMA_VERSION)
    record.setdefault("run_id", new_run_id())
    record.setdefault("created_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    with staged_directory(path) as staging:
        for name, frame in (tables or {}).items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        text = json.dumps(to_jsonable(record), indent=2, ensure_ascii=False, allow_nan=False)
        (staging / RUN_FILE).write_text(text + "\n", encoding="utf-8")
    return path


@dataclass
class Run:
    """A stored run: its record and lazily read tables."""

    path: Path
    record: dict
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return str(self.record.get("run_id", self.path.name))

    @property
    def name(self) -> str:
        """The run directory's name, which users choose with --out."""
        return self.path.name

    def has_table(self, name: str) -> bool:
        return (self.path / f"{name}.parquet").exists()

    def table(self, name: str) -> pd.DataFrame:
        """Read ``<name>.parquet`` (cached)."""
        if name not in self._tables:
            file = self.path / f"{name}.parquet"
            if not file.exists():
                raise RunStoreError(f"run {str(self.path)!r} has no {name} table ({file.name}); re-run the audit with that stage on")
            try:
                self._tables[name] = pd.read_parquet(file)
            except Exception as exc:
                raise RunStoreError(f"cannot read {str(file)!r}: {exc}; the run is corrupt — re-run the audit") from None
        return self._tables[name]

    @property
    def predictions(self) -> pd.DataFrame:
        return self.table("predictions")


def read_run(path: str | os.PathLike) -> Run:
    """Read a run directory written by :func:`write_run`."""
    p = Path(path)
    if p.is_file() and p.name == RUN_FILE:
        p = p.parent
    file = p / RUN_FILE
    if not p.exists():
        raise RunStoreError(f"run {str(p)!r} does not exist; pass a directory written by auditkit audit --out")
    if not file.exists():
        raise RunStoreError(f"{str(p)!r} is not an auditkit run (no {RUN_FILE}); pass a directory written by auditkit audit --out")
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RunStoreError(f"{str(file)!r} is not valid JSON ({exc}); the run is corrupt — re-run the audit") from None
    if not isinstance(record, dict) or "schema_version" not in record:
        raise RunStoreError(f"{str(file)!r} is not an auditkit run record (no schema_version)")
    if record["schema_version"] > SCHEMA_VERSION:
        raise RunStoreError(
            f"{str(file)!r} has schema version {record['schema_version']}, newer than this auditkit reads ({SCHEMA_VERSION}); upgrade auditkit"
        )
    return Run(path=p, record=record)


def list_runs(root: str | os.PathLike, *, max_depth: int = 3) -> list[Run]:
    """Every run under ``root`` (itself included), newest first."""
    base = Path(root)
    if not base.exists():
        raise RunStoreError(f"runs folder {str(base)!r} does not exist; create runs with auditkit audit --out {base}/NAME")
    found = []
    if is_run_dir(base):
        found.append(base)
    else:
        for dirpath, dirnames, filenames in os.walk(base):
            depth = len(Path(dirpath).relative_to(base).parts)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if depth >= max_depth:
                dirnames[:] = []
            if RUN_FILE in filenames and is_run_dir(Path(dirpath)):
                found.append(Path(dirpath))
                dirnames[:] = []
    runs = []
    for p in found:
        try:
            runs.append(read_run(p))
        except RunStoreError:
            continue
    runs.sort(key=lambda r: str(r.record.get("created_at", "")), reverse=True)
    return runs


def _metric_value(record: dict, name: str):
    entry = record.get("metrics", {}).get(name)
    return entry.get("value") if isinstance(entry, dict) else entry


def runs_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run with the headline numbers."""
    rows = []
    for run in runs:
        rec = run.record
        bias = rec.get("bias", {}) or {}
        rows.append(
            {
                "run": run.name,
                "created_at": rec.get("created_at"),
                "model": rec.get("model", {}).get("name"),
                "dataset": Path(str(rec.get("dataset", {}).get("source", ""))).name,
                "n": rec.get("dataset", {}).get("n_examples"),
                # a multi-label run's accuracy is its subset accuracy (every label right)
                "accuracy": _metric_value(rec, "subset_accuracy" if (rec.get("model") or {}).get("multi_label") else "accuracy"),
                "macro_f1": _metric_value(rec, "macro_f1"),
                "gender_gap": (bias.get("gender") or {}).get("gap"),
                "race_gap": (bias.get("race") or {}).get("gap"),
                "identity_share": (rec.get("attributions") or {}).get("identity_share"),
                "path": str(run.path),
            }
        )
    return pd.DataFrame(rows)
