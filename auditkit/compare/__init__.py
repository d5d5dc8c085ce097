"""Compare stored runs side by side, with paired tests where the runs share a dataset."""

from auditkit.compare._compare import Comparison, compare_runs

__all__ = [
    "Comparison",
    "compare_runs",
]
