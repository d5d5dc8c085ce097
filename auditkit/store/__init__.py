"""The run store: one directory per audit run, written atomically, read by everything else."""

from auditkit.store._run import RUN_FILE, SCHEMA_VERSION, Run, RunScan, list_runs, read_run, scan_runs, write_run

__all__ = [
    "Run",
    "RunScan",
    "read_run",
    "write_run",
    "list_runs",
    "scan_runs",
    "RUN_FILE",
    "SCHEMA_VERSION",
]
