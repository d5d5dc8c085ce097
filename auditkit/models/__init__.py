"""Text classifiers: the Classifier protocol, the model kinds --model names, label mapping, fast prediction."""

from auditkit.models._classifier import Predictions, TextClassifier
from auditkit.models._protocol import Classifier, GradientClassifier, model_section
from auditkit.models._blackbox import PROBE_TEXTS, BlackBoxClassifier, check_probabilities
from auditkit.models._endpoint import ENDPOINT_FORMATS, EndpointClassifier, safe_url
from auditkit.models._python import PythonClassifier, load_python_model, load_skops_model
from auditkit.models._zero_shot import ZeroShotClassifier
from auditkit.models._onnx import OnnxClassifier, export_onnx
from auditkit.models._kinds import MODEL_KINDS, ModelKind, load_model, model_kind
from auditkit.models._labels import check_label_columns, check_multilabel_names, map_label_sets, map_labels
from auditkit.models._coverage import TokenCoverage, check_reads_language, token_coverage
from auditkit.models._precision import PRECISIONS, check_precision, int8_layers, quantize_int8
from auditkit.models._loading import (
    MINILM_ALIAS,
    load_classifier,
    resolve_model_source,
    select_device,
)
from auditkit.models._thresholds import DEFAULT_THRESHOLD, check_thresholds, resolve_thresholds

__all__ = [
    "Classifier",
    "GradientClassifier",
    "model_section",
    "load_model",
    "model_kind",
    "MODEL_KINDS",
    "ModelKind",
    "BlackBoxClassifier",
    "check_probabilities",
    "PROBE_TEXTS",
    "EndpointClassifier",
    "ENDPOINT_FORMATS",
    "safe_url",
    "PythonClassifier",
    "load_python_model",
    "load_skops_model",
    "ZeroShotClassifier",
    "OnnxClassifier",
    "export_onnx",
    "TextClassifier",
    "Predictions",
    "load_classifier",
    "resolve_model_source",
    "select_device",
    "map_labels",
    "check_label_columns",
    "check_multilabel_names",
    "map_label_sets",
    "resolve_thresholds",
    "check_thresholds",
    "DEFAULT_THRESHOLD",
    "MINILM_ALIAS",
    "PRECISIONS",
    "check_precision",
    "int8_layers",
    "quantize_int8",
    "TokenCoverage",
    "token_coverage",
    "check_reads_language",
]
