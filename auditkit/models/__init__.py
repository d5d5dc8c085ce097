"""Text classifiers: load a Hugging Face checkpoint, map labels, predict fast."""

from auditkit.models._classifier import Predictions, TextClassifier
from auditkit.models._coverage import TokenCoverage, check_reads_language, token_coverage
from auditkit.models._labels import check_label_columns, map_label_sets, map_labels
from auditkit.models._precision import PRECISIONS, check_precision, int8_layers, quantize_int8
from auditkit.models._loading import (
    MINILM_ALIAS,
    load_classifier,
    resolve_model_source,
    select_device,
)
from auditkit.models._thresholds import DEFAULT_THRESHOLD, check_thresholds, resolve_thresholds

__all__ = [
    "TextClassifier",
    "Predictions",
    "load_classifier",
    "resolve_model_source",
    "select_device",
    "map_labels",
    "check_label_columns",
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
