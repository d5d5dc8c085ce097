"""Results where users already look: Hugging Face model cards and MLflow runs.

Like report, compare and gate, this layer reads stored runs only.

>>> from auditkit.export import render_model_card, export_mlflow
>>> text = render_model_card("runs/baseline")                         # doctest: +SKIP
>>> export_mlflow(["runs/baseline"], tracking_uri="file:///tmp/mlruns")  # doctest: +SKIP
"""

from auditkit.export._mlflow import MLFLOW_EXTRA, check_tracking_uri, export_mlflow
from auditkit.export._model_card import eval_results, model_card, read_model_card, render_model_card

__all__ = ["MLFLOW_EXTRA", "check_tracking_uri", "eval_results", "export_mlflow", "model_card", "read_model_card",
           "render_model_card"]
