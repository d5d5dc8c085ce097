"""Labelled text datasets: load files or Hugging Face datasets into one shape."""

from auditkit.data._dataset import TextDataset
from auditkit.data._loading import dataset_from_frame, load_dataset

__all__ = [
    "TextDataset",
    "load_dataset",
    "dataset_from_frame",
]
