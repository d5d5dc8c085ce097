"""Labelled text datasets: load files or Hugging Face datasets into one shape."""

from auditkit.data._dataset import TextDataset, fingerprint_texts
from auditkit.data._loading import load_dataset, parse_source

__all__ = ["TextDataset", "load_dataset", "parse_source", "fingerprint_texts"]
