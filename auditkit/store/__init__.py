"""The run store: one directory per audit run, written atomically, read by everything else."""

from auditkit.store._run import (
    RUN_FILE,
    SCHEMA_VERSION,
    Run,
    RunScan,
    check_output_dir,
    list_runs,
    read_run,
    runs_table,
    scan_runs,
    to_jsonable,
    write_run,
)
from auditkit.store._partial import PartialPredictions
from auditkit.store._resume import reusable_predictions

__all__ = [
    "PartialPredictions",
    "RUN_FILE",
    "SCHEMA_VERSION",
    "Run",
    "RunScan",
    "check_output_dir",
    "list_runs",
    "read_run",
    "reusable_predictions",
    "runs_table",
    "scan_runs",
    "to_jsonable",
    "write_run",
]
