"""Results where users already look: Hugging Face model cards and MLflow runs.

Like report, compare and gate, this layer reads stored runs only.

>>> from auditkit.export import render_model_card, export_mlflow
>>> text = render_model_card("runs/baseline")                         # doctest: +SKIP
>>> export_mlflow(["runs/baseline"], tracking_uri="file:///tmp/mlruns")  # doctest: +SKIP
"""

from auditkit.export._mlflow import export_mlflow
from auditkit.export._model_card import model_card, render_model_card

__all__ = [
    "render_model_card",
    "model_card",
    "export_mlflow",
]
