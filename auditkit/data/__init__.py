"""Labelled text datasets: load files or Hugging Face datasets into one shape."""

from auditkit.data._dataset import TextDataset, fingerprint_texts
from auditkit.data._loading import HF_PREFIX, check_limit, data_format, dataset_columns, dataset_from_frame, load_dataset, parse_label_list, parse_source, read_hf_dataset

__all__ = [
    "parse_label_list",
    "HF_PREFIX",
    "TextDataset",
    "check_limit",
    "dataset_columns",
    "data_format",
    "dataset_from_frame",
    "fingerprint_texts",
    "load_dataset",
    "parse_source",
    "read_hf_dataset",
]
