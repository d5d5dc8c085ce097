"""Read a dataset as a Ray dataset (CSV, TSV, JSONL, Parquet file or folder, ``hf:``)."""

from __future__ import annotations

import csv
from pathlib import Path

from auditkit.data import TextDataset, dataset_from_frame
from auditkit.data._loading import HF_PREFIX, check_limit, data_format, dataset_columns, read_hf_dataset
from auditkit.distributed._cluster import import_ray, ordered_context
from auditkit.errors import DataError


def _ray_dataset(source: str):
    ray = import_ray()
    ordered_context()
    if source.startswith(HF_PREFIX):
        return ray.data.from_huggingface(read_hf_dataset(source))
    path = Path(source)
    kind = data_format(path)
    if kind in ("csv", "tsv"):
        import pyarrow as pa
        from pyarrow import csv as pacsv

        delimiter = "," if kind == "csv" else "\t"
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh, delimiter=delimiter), [])
        except UnicodeDecodeError as exc:
            raise DataError(f"data file {source!r} is not valid UTF-8 (bad byte at position {exc.start}); "
                            "re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8") from None
        # every column as text, empty cells as "" — as the local reader does
        convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in header}, strings_can_be_null=False,
                                       quoted_strings_can_be_null=False)
        return ray.data.read_csv(str(path), parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                                 convert_options=convert)
    if kind == "jsonl":
        return ray.data.read_json(str(path), lines=True)
    return ray.data.read_parquet(str(path))


def read_ray_dataset(source: str, *, limit: int | None = None, **columns) -> TextDataset:
    """Read ``source`` with Ray Data's readers and check it as :func:`auditkit.load_dataset` does.

    The files are read (in parallel, on the cluster) as a Ray dataset; only
    the text, label and group columns are gathered on the driver, where the
    metrics and the counterfactual probes need them. The result — and its
    fingerprint — equals what the local loader gives for the same data.

    Parameters
    ----------
    source : str
        A ``.csv``/``.tsv``/``.jsonl`` file, a ``.parquet`` file or folder
        of Parquet files, or ``hf:NAME[/CONFIG][:SPLIT]``.
    limit : int, optional
        Keep the first ``limit`` rows.
    **columns
        ``text_col``, ``label_col``, ``group_cols``, ``multi_label``: as for
        :func:`auditkit.load_dataset`.

    Returns
    -------
    TextDataset
    """
    source = str(source)
    check_limit(limit)
    dataset = _ray_dataset(source)
    try:
        wanted = dataset_columns(**columns)
        if set(wanted) <= set(dataset.schema().names):  # otherwise dataset_from_frame names the missing one
            dataset = dataset.select_columns(wanted)
        if limit is not None:
            dataset = dataset.limit(limit)
        frame = dataset.to_pandas()
    except DataError:
        raise
    except Exception as exc:  # pyarrow / Ray raise their own types for unreadable files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read {source!r} with Ray Data: {first[:300]}") from None
    return dataset_from_frame(frame, source=source, **columns)
