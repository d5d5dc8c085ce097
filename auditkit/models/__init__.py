"""Text classifiers: the Classifier protocol, the model kinds --model names, label mapping, fast prediction."""

from auditkit.models._classifier import Predictions, TextClassifier
from auditkit.models._protocol import Classifier, GradientClassifier
from auditkit.models._blackbox import BlackBoxClassifier
from auditkit.models._endpoint import EndpointClassifier
from auditkit.models._python import PythonClassifier
from auditkit.models._zero_shot import ZeroShotClassifier
from auditkit.models._onnx import OnnxClassifier, export_onnx
from auditkit.models._kinds import MODEL_KINDS, ModelKind, load_model
from auditkit.models._loading import load_classifier

__all__ = [
    "Classifier",
    "GradientClassifier",
    "Predictions",
    "TextClassifier",
    "BlackBoxClassifier",
    "EndpointClassifier",
    "PythonClassifier",
    "ZeroShotClassifier",
    "OnnxClassifier",
    "ModelKind",
    "MODEL_KINDS",
    "load_model",
    "load_classifier",
    "export_onnx",
]
