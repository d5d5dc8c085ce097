"""auditkit: evaluate and bias-audit Hugging Face text classifiers.

The public API, by layer::

    load_dataset, TextDataset                       # data
    load_model, Classifier                          # any model kind, and the protocol the engine uses
    load_classifier, TextClassifier, Predictions    # models
    evaluate_predictions, observed_group_fairness   # metrics
    run_probes, swap_identity, identity_terms       # bias probes
    audit_attributions                              # Captum attributions
    fine_tune, TrainingConfig                       # training
    run_audit, AuditOptions                         # the audit runner
    write_run, read_run, list_runs                  # the run store
    render_report, compare_runs, evaluate_gate, load_policy
    render_model_card, export_mlflow                # model cards and MLflow runs
    evaluate_module                                 # local Hugging Face evaluate modules

Names are imported on first use, so ``import auditkit`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

#: The oldest Python auditkit runs on (tomllib, typing.NotRequired; the pinned torch wheel is cp311).
MIN_PYTHON = (3, 11)
if sys.version_info < MIN_PYTHON:
    raise ImportError(
        f"auditkit needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, this is {sys.version.split()[0]}; "
        f"create the virtual environment with python3.11 (make setup PYTHON=python3.11)"
    )

from auditkit.errors import AuditkitError

__version__ = "0.1.0"

_LAZY = {
    "TextDataset": "auditkit.data",
    "load_dataset": "auditkit.data",
    "Classifier": "auditkit.models",
    "load_model": "auditkit.models",
    "TextClassifier": "auditkit.models",
    "Predictions": "auditkit.models",
    "load_classifier": "auditkit.models",
    "evaluate_predictions": "auditkit.metrics",
    "observed_group_fairness": "auditkit.metrics",
    "run_probes": "auditkit.probes",
    "swap_identity": "auditkit.probes",
    "identity_terms": "auditkit.probes",
    "counterfactual_augment": "auditkit.probes",
    "audit_attributions": "auditkit.attribution",
    "fine_tune": "auditkit.training",
    "TrainingConfig": "auditkit.training",
    "run_audit": "auditkit.audit",
    "AuditOptions": "auditkit.audit",
    "write_run": "auditkit.store",
    "read_run": "auditkit.store",
    "list_runs": "auditkit.store",
    "render_report": "auditkit.report",
    "compare_runs": "auditkit.compare",
    "evaluate_gate": "auditkit.gate",
    "load_policy": "auditkit.gate",
    "render_model_card": "auditkit.export",
    "export_mlflow": "auditkit.export",
    "evaluate_module": "auditkit.evaluate_modules",
}

__all__ = ["AuditkitError", "__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'auditkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
