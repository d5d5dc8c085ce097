"""auditkit: evaluate and bias-audit Hugging Face text classifiers."""

from auditkit.data import TextDataset, load_dataset
from auditkit.errors import AuditkitError
from auditkit.models import Predictions, TextClassifier, load_classifier

__version__ = "0.1.0"

__all__ = [
    "AuditkitError",
    "TextDataset",
    "load_dataset",
    "TextClassifier",
    "Predictions",
    "load_classifier",
    "__version__",
]
