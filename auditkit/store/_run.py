"""Write and read run directories.

A run directory holds ``run.json`` (the record: model, dataset, metrics and
the sections later stages add) and one Parquet file per table
(``predictions.parquet``, ``probes.parquet``, ``attributions.parquet``).
It is written in a sibling temporary directory and renamed into place, so a
killed audit leaves no half-written run behind.
"""

from __future__ import annotations

import hashlib
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

from auditkit._documents import load_json
from auditkit._fs import PATH_PROBLEMS, check_output_folder, member_file, path_kind, staged_directory
from auditkit.errors import RunStoreError
from auditkit.store.schema import (
    SCHEMA_VERSION,
    TABLES,
    SchemaError,
    is_multi_label,
    migrate_record,
    validate_record,
    validate_table,
)

RUN_FILE = "run.json"
#: Largest run.json read (a run with many classes, groups and probe families is a few MiB).
MAX_RUN_JSON_BYTES = 256 * 2**20


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


def _load_record(file: Path):
    """The parsed ``run.json`` at ``file`` (bounded: see :mod:`auditkit._documents`), or a one-line RunStoreError."""
    return load_json(file, what="run record", max_bytes=MAX_RUN_JSON_BYTES, error=RunStoreError,
                     fix="the run is corrupt — re-run the audit")


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` holds an auditkit run (a run.json with a schema version)."""
    try:
        file = member_file(path, RUN_FILE)
        record = _load_record(file) if file is not None else None
    except RunStoreError:
        return False
    return isinstance(record, dict) and "schema_version" in record and "run_id" in record


def check_output_dir(out: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Fail early (before any work) when ``out`` cannot take a new run.

    ``out`` must pass :func:`auditkit._fs.check_can_write` and be missing,
    an empty directory, or — with ``overwrite`` — an existing auditkit run.
    Anything else is refused: auditkit never replaces files it did not write.
    Nothing is created here; the run's folders are made when it is written.
    """
    path = Path(out)
    check_output_folder(path, overwrite=overwrite, ours=is_run_dir, what="run", foreign="exists and is not an auditkit run")
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

    The record and tables are checked against the run contract
    (:mod:`auditkit.store.schema`) before anything is written.

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
    record = to_jsonable(record)
    record.setdefault("schema_version", SCHEMA_VERSION)
    record.setdefault("run_id", new_run_id())
    record.setdefault("created_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    tables = dict(tables or {})
    # each table's hash is known once it is written; checked beforehand with a stand-in
    record["tables"] = {name: {"sha256": "0" * 64, "n_rows": len(frame)} for name, frame in tables.items()}
    try:
        if "predictions" not in tables:
            raise SchemaError("predictions.parquet", "missing (every run has a predictions table)")
        validate_record(record)
        for name, frame in tables.items():
            validate_table(name, frame, record)
    except SchemaError as exc:
        raise RunStoreError(f"refusing to write a run that does not match the run contract (schema {SCHEMA_VERSION}): {exc}") from None
    with staged_directory(path) as staging:
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
            record["tables"][name]["sha256"] = file_sha256(staging / f"{name}.parquet")
        text = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False)
        (staging / RUN_FILE).write_text(text + "\n", encoding="utf-8")
    return path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex), read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Run:
    """A stored run: its record and lazily read tables."""

    path: Path
    record: dict
    #: The schema version the run was written with (older runs are migrated when read; their tables are
    #: checked against the current contract all the same, and carry no recorded hashes before schema 3).
    written_version: int = SCHEMA_VERSION
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.record["run_id"]

    @property
    def name(self) -> str:
        """The run directory's name, which users choose with --out (its UTF-8 text, whatever the locale)."""
        return _text_of(self.path.name)

    @property
    def tables_recorded(self) -> bool:
        """Whether run.json records its tables' hashes (schema 3 on), so each table read is checked against them."""
        return self.record["tables"] is not None

    def has_table(self, name: str) -> bool:
        return member_file(self.path, f"{name}.parquet") is not None

    def table(self, name: str) -> pd.DataFrame:
        """Read ``<name>.parquet`` (cached): the file run.json records (same hash and rows), with the contract's columns."""
        if name not in TABLES:
            raise ValueError(f"{name!r} is not a run table; tables: {', '.join(TABLES)}")
        if name not in self._tables:
            file = member_file(self.path, f"{name}.parquet")
            recorded = (self.record["tables"] or {}).get(name)
            if file is None:
                raise RunStoreError(f"run {str(self.path)!r} has no {name} table ({name}.parquet); re-run the audit with that stage on")
            if self.tables_recorded:
                if recorded is None:
                    raise RunStoreError(f"{str(file)!r} is not recorded in the run's run.json (a table copied in from "
                                        "elsewhere); remove it, or re-run the audit")
                if file_sha256(file) != recorded["sha256"]:
                    raise RunStoreError(f"{str(file)!r} is not the table this run wrote (its hash differs from the one "
                                        "recorded in run.json: changed, or copied from another run); re-run the audit")
            try:
                with open(file, "rb") as fh:  # a handle: Parquet readers take only names they can encode as UTF-8
                    frame = pd.read_parquet(fh)
            except Exception as exc:
                raise RunStoreError(f"cannot read {str(file)!r}: {exc}; the run is corrupt — re-run the audit") from None
            try:
                validate_table(name, frame, self.record)
                if recorded is not None and len(frame) != recorded["n_rows"]:
                    raise SchemaError(f"{name}.parquet", f"{len(frame)} rows, run.json records {recorded['n_rows']}")
                if name == "predictions" and len(frame) != self.record["dataset"]["n_examples"]:
                    raise SchemaError(f"{name}.parquet", f"{len(frame)} rows for the run's "
                                                         f"{self.record['dataset']['n_examples']} examples")
            except SchemaError as exc:
                raise RunStoreError(f"{str(file)!r} does not match the run contract: {exc.problem}; re-run the audit") from None
            self._tables[name] = frame
        return self._tables[name]

    @property
    def predictions(self) -> pd.DataFrame:
        return self.table("predictions")


def read_run(path: str | os.PathLike) -> Run:
    """Read a run directory written by :func:`write_run`."""
    p = Path(path)
    if p.is_file() and p.name == RUN_FILE:
        p = p.parent
    kind = path_kind(p)
    if kind == "missing":
        raise RunStoreError(f"run {str(p)!r} does not exist; pass a directory written by auditkit audit or write_run")
    if kind in PATH_PROBLEMS:
        raise RunStoreError(f"run {str(p)!r} {PATH_PROBLEMS[kind]}; pass a directory written by auditkit audit or write_run")
    file = member_file(p, RUN_FILE) if kind == "directory" else None
    if file is None:
        raise RunStoreError(f"{str(p)!r} is not an auditkit run (no {RUN_FILE}); pass a directory written by auditkit audit --out")
    return _run_from(p, _load_record(file))


def _run_from(path: Path, record) -> Run:
    """The :class:`Run` at ``path`` from its parsed run.json ``record`` (migrated and checked)."""
    if not _utf8_name(path):  # Parquet readers, JSON output and the dashboard need a name they can encode
        raise RunStoreError(f"run folder {str(path)!r} has a name that is not valid UTF-8; rename it to read the run")
    checked = checked_record(record, where=str(path / RUN_FILE))
    if checked["tables"] is not None:  # the files beside run.json are the ones it records (their hashes: when read)
        present = {name for name in TABLES if os.path.lexists(path / f"{name}.parquet")}
        for name in sorted(present - set(checked["tables"])):
            raise RunStoreError(f"{str(path / f'{name}.parquet')!r} is not recorded in the run's run.json (a table "
                                "copied in from elsewhere); remove it, or re-run the audit")
        for name in sorted(set(checked["tables"]) - present):
            raise RunStoreError(f"run {str(path)!r} has no {name}.parquet, which its run.json records; the run is "
                                "corrupt — re-run the audit")
    return Run(path=path, record=checked, written_version=record["schema_version"])


def checked_record(record, *, where: str) -> dict:
    """``record`` migrated to the current schema and validated, or a one-line :class:`RunStoreError`."""
    if not isinstance(record, dict) or "schema_version" not in record:
        raise RunStoreError(f"{where!r} is not an auditkit run record (no schema_version)")
    version = record["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RunStoreError(
            f"{where!r} has schema_version {json.dumps(version)}, not a version number (1..{SCHEMA_VERSION}); the run is corrupt — re-run the audit"
        )
    if version > SCHEMA_VERSION:
        raise RunStoreError(f"{where!r} has schema version {version}, newer than this auditkit reads ({SCHEMA_VERSION}); upgrade auditkit")
    migrated = migrate_record(record)
    try:
        validate_record(migrated)
    except SchemaError as exc:
        raise RunStoreError(
            f"{where!r} does not match the run contract (schema {version}): {exc}; the run is corrupt — re-run the audit"
        ) from None
    return migrated


@dataclass
class RunScan:
    """What :func:`scan_runs` found: readable runs (newest first) and, per rejected run, why."""

    runs: list[Run]
    rejected: list[tuple[Path, str]]


def _text_of(path) -> str:
    """A path as the text its bytes spell in UTF-8: under an ASCII locale Python decodes "é" as two lone surrogates,
    which tables, JSON and terminals cannot encode."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_name(path: Path) -> bool:
    """Whether the path's bytes are UTF-8 (whatever the locale decoded them as: a non-UTF-8 byte arrives as a lone
    surrogate, and under an ASCII locale so does every byte of a UTF-8 "é")."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _candidate(path: Path, found: dict) -> bool:
    """Whether a listing shows ``path`` as a run (or says why it does not read), noting its record in ``found``:
    its run.json is an auditkit record, or cannot even be parsed (too deep, too big, not JSON). A readable
    run.json of another tool is not ours and is passed over."""
    try:
        file = member_file(path, RUN_FILE)
        if file is None:
            return False
        record = _load_record(file)
    except RunStoreError as exc:
        found[path] = exc
        return True
    if isinstance(record, dict) and "schema_version" in record:
        found[path] = record
        return True
    return False


def list_runs(root: str | os.PathLike, *, max_depth: int = 3) -> list[Run]:
    """Every readable run under ``root`` (itself included), newest first (see :func:`scan_runs`)."""
    return scan_runs(root, max_depth=max_depth).runs


def scan_runs(root: str | os.PathLike, *, max_depth: int = 3) -> RunScan:
    """Every run under ``root``: those that read, and a one-line reason for each that does not."""
    base = Path(root)
    kind = path_kind(base)
    if kind == "missing":
        raise RunStoreError(f"runs folder {str(base)!r} does not exist; audit into it first (out {str(base / 'NAME')!r})",
                            parameter="out")
    if kind != "directory":
        what = "is a file" if kind == "file" else PATH_PROBLEMS[kind]
        raise RunStoreError(f"runs folder {str(base)!r} {what}; pass the folder that holds run directories")
    found: dict[Path, object] = {}  # run folder -> its parsed record, or the RunStoreError it raised
    if _candidate(base, found):
        pass
    else:
        for dirpath, dirnames, filenames in os.walk(base):
            depth = len(Path(dirpath).relative_to(base).parts)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if depth >= max_depth:
                dirnames[:] = []
            if RUN_FILE in filenames and _candidate(Path(dirpath), found):
                dirnames[:] = []
    runs, rejected = [], []
    for p, loaded in found.items():
        try:
            if isinstance(loaded, RunStoreError):
                raise loaded
            runs.append(_run_from(p, loaded))
        except RunStoreError as exc:
            rejected.append((p, str(exc)))
    runs.sort(key=lambda r: r.record["created_at"], reverse=True)
    return RunScan(runs=runs, rejected=rejected)


def runs_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run with the headline numbers."""
    rows = []
    for run in runs:
        rec = run.record
        bias = rec.get("bias") or {}
        rows.append(
            {
                "run": run.name,
                "created_at": rec["created_at"],
                "model": rec["model"]["name"],
                "dataset": Path(rec["dataset"]["source"]).name,
                "n": rec["dataset"]["n_examples"],
                "accuracy": None if is_multi_label(rec) else rec["metrics"]["accuracy"]["value"],  # multi-label: none
                "macro_f1": rec["metrics"]["macro_f1"]["value"],
                "gender_gap": (bias.get("gender") or {}).get("gap"),
                "race_gap": (bias.get("race") or {}).get("gap"),
                "identity_share": (rec.get("attributions") or {}).get("identity_share"),
                "path": _text_of(run.path),
            }
        )
    return pd.DataFrame(rows)
