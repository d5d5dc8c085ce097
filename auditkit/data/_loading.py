"""Read CSV, TSV, JSONL and Parquet files, or Hugging Face datasets by id."""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit._fs import PATH_PROBLEMS, path_kind
from auditkit._hub import hub_offline_reason
from auditkit.data._dataset import TextDataset
from auditkit.errors import DataError

HF_PREFIX = "hf:"
_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_MAX_ROWS_LISTED = 10
_INT = re.compile(r"[+-]?\d+")
_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")
#: The parameter (of load_dataset and dataset_from_frame) that names the column of each role.
_PARAMETERS = {"text": "text_col", "label": "label_col", "group": "group_cols"}


def parse_source(source: str) -> tuple[str, str | None, str]:
    """Split ``hf:name[/config][:split]`` into (name, config, split).

    Examples
    --------
    >>> parse_source("hf:glue/sst2:validation")
    ('glue', 'sst2', 'validation')
    >>> parse_source("hf:imdb")
    ('imdb', None, 'test')
    """
    if not source.startswith(HF_PREFIX):
        raise DataError(f"{source!r} is not a Hugging Face dataset id; write it as hf:NAME[/CONFIG][:SPLIT]")
    spec = source[len(HF_PREFIX):]
    spec, _, split = spec.partition(":")
    parts = [p for p in spec.split("/") if p]
    if not parts:
        raise DataError(f"{source!r} names no dataset; write it as hf:NAME[/CONFIG][:SPLIT], e.g. hf:glue/sst2:validation")
    # Hub ids may carry an owner ("stanfordnlp/imdb"); a third part is the config.
    if len(parts) == 1:
        name, config = parts[0], None
    elif len(parts) == 2:
        # "glue/sst2" is (dataset, config) for canonical datasets and (owner, name)
        # for community ones; datasets resolves both when given as name+config,
        # so try the whole id first in _read_hf.
        name, config = parts[0], parts[1]
    else:
        name, config = "/".join(parts[:2]), "/".join(parts[2:])
    return name, config, split or "test"


def data_format(path: Path) -> str:
    """The reader a data path needs (csv, tsv, jsonl, parquet), after checking it can be read.

    A directory is read as a folder of Parquet files (``*.parquet``, e.g.
    written in parts by Spark, Ray or Dask).
    """
    kind = path_kind(path)
    if kind == "missing":
        raise DataError(f"data file {str(path)!r} does not exist; check the path passed to --data")
    if kind == "directory":
        if not any(path.glob("*.parquet")):
            raise DataError(f"{str(path)!r} is a directory without *.parquet files; pass a CSV, TSV, JSONL or Parquet file, "
                            "or a folder of Parquet files, to --data")
        return "parquet"
    if kind != "file":
        raise DataError(f"data file {str(path)!r} {PATH_PROBLEMS[kind]}; pass a CSV, TSV, JSONL or Parquet file to --data")
    fmt = _READERS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"cannot tell the format of {str(path)!r} from its extension; "
            f"use one of {', '.join(sorted(_READERS))}"
        )
    if path.stat().st_size == 0:
        raise DataError(f"data file {str(path)!r} is empty; it needs a header row and at least one example")
    return fmt


def _read_file(path: Path) -> pd.DataFrame:
    fmt = data_format(path)
    try:
        if fmt in ("csv", "tsv"):
            return _read_delimited(path, sep="," if fmt == "csv" else "\t")
        if fmt == "jsonl":
            return _read_jsonl(path)
        import pyarrow.parquet as pq

        parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        for part in parts:
            _check_unique_columns(pq.read_schema(part).names, part)
        if path.is_dir():
            return pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
        return pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {str(path)!r} has no columns; it needs a header row and at least one example") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"cannot parse {str(path)!r} as {fmt.upper()}: {first}") from None
    except DataError:
        raise
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {str(path)!r} as {fmt.upper()}: {first}") from None
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise DataError(f"cannot read {str(path)!r} as {fmt.upper()}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def _read_utf8(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 are reported with their offset and line in the file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"data file {str(path)!r} is not valid UTF-8 (bad byte 0x{data[exc.start]:02x} at byte {exc.start}, line {line}); "
            "re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8"
        ) from None


def _check_unique_columns(names: Sequence, path: Path) -> None:
    names = [str(n) for n in names]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(
            f"column name(s) {', '.join(repr(n) for n in twice)} appear more than once in {str(path)!r}; "
            "rename the columns so that each name is used once"
        )


def _read_delimited(path: Path, *, sep: str) -> pd.DataFrame:
    text = _read_utf8(path)
    header = next((row for row in csv.reader(StringIO(text), delimiter=sep) if row), [])
    _check_unique_columns(header, path)
    return pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[])


def _read_jsonl(path: Path) -> pd.DataFrame:
    lines = [(i, ln) for i, ln in enumerate(_read_utf8(path).splitlines(), start=1) if ln.strip()]
    if not lines:
        raise DataError(f"data file {str(path)!r} has no records; it needs at least one JSON object per line")

    def pairs(items):
        _check_unique_columns([k for k, _ in items], path)
        return dict(items)

    records = []
    for number, line in lines:
        try:
            value = json.loads(line, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            raise DataError(f"cannot parse {str(path)!r} as JSONL: line {number}: {exc.msg}") from None
        items = value if len(lines) == 1 and isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                raise DataError(f"cannot parse {str(path)!r} as JSONL: line {number} is not a JSON object; write one object per line")
            records.append(item)
    return pd.DataFrame.from_records(records)


def _read_hf(source: str) -> pd.DataFrame:
    return read_hf_dataset(source).to_pandas()


def read_hf_dataset(source: str):
    """The ``datasets.Dataset`` an ``hf:NAME[/CONFIG][:SPLIT]`` source names (local cache when offline)."""
    name, config, split = parse_source(source)
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a dependency
        raise DataError("reading hf: datasets needs the 'datasets' package; pip install datasets") from None
    attempts = [(name, config)]
    if config is not None and "/" not in name:
        attempts.append((f"{name}/{config}", None))
    # datasets retries an unreachable Hub for most of a minute; when a quick probe
    # says it is unreachable, read the local cache only.
    offline = hub_offline_reason() is not None
    last: Exception | None = None
    for repo, cfg in attempts:
        try:
            with _datasets_offline(offline):
                return datasets.load_dataset(repo, cfg, split=split)
        except Exception as exc:  # datasets raises many types; report the cause
            last = exc
    message = str(last).splitlines()[0] if last and str(last) else type(last).__name__
    if offline or _looks_offline(last):
        raise DataError(
            f"cannot fetch {source!r}: the Hugging Face Hub is unreachable; "
            "download the data where you have access and pass the local CSV/JSONL/Parquet file to --data"
        ) from None
    raise DataError(f"cannot load {source!r} from the Hugging Face Hub: {message}") from None


@contextmanager
def _datasets_offline(offline: bool):
    """Make datasets use only its local cache while the block runs (when ``offline``)."""
    if not offline:
        yield
        return
    import datasets.config

    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    saved_flag = getattr(datasets.config, "HF_HUB_OFFLINE", None)
    os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    datasets.config.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if saved_flag is not None:
            datasets.config.HF_HUB_OFFLINE = saved_flag


def _looks_offline(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        return True
    text = f"{type(exc).__name__} {exc}".lower()
    return any(
        marker in text
        for marker in ("connection", "offline", "resolve", "timed out", "timeout", "network", "couldn't reach", "max retries")
    )


def _coerce_labels(values: pd.Series) -> list:
    """Integers stay integers (also when read as text, e.g. "1"), everything else a stripped str."""
    as_str = [str(v).strip() for v in values]
    if all(_INT.fullmatch(v) for v in as_str):
        return [int(v) for v in as_str]
    return as_str


def _blank(value) -> bool:
    """Missing, or made only of white space and invisible characters (zero-width spaces, controls)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in str(value))


def _row_list(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:_MAX_ROWS_LISTED])
    more = f" and {len(rows) - _MAX_ROWS_LISTED} more" if len(rows) > _MAX_ROWS_LISTED else ""
    return shown + more


def load_dataset(
    source: str | os.PathLike,
    *,
    text_col: str = "text",
    label_col: str | Sequence[str] | None = "label",
    group_cols: Sequence[str] = (),
    limit: int | None = None,
    multi_label: bool = False,
) -> TextDataset:
    """Load a labelled text dataset.

    Parameters
    ----------
    source : str or path
        A ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet`` file, or a Hugging
        Face dataset written ``hf:NAME[/CONFIG][:SPLIT]`` (split defaults to
        ``test``), e.g. ``hf:glue/sst2:validation``.
    text_col, label_col : str
        Column names. ``label_col=None`` loads texts only.
        With ``multi_label``, ``label_col`` may list several 0/1 columns,
        one per label (the column name is the label name).
    group_cols : sequence of str
        Columns holding observed identity attributes, for slice metrics.
    limit : int, optional
        Keep only the first ``limit`` examples.
    multi_label : bool, default False
        Labels are label sets (see :func:`dataset_from_frame`).

    Returns
    -------
    TextDataset

    Raises
    ------
    DataError
        With a one-line message naming the problem and the fix.
    """
    source = str(source)
    check_limit(limit)
    frame = _read_hf(source) if source.startswith(HF_PREFIX) else _read_file(Path(source))
    return dataset_from_frame(frame, source=source, text_col=text_col, label_col=label_col, group_cols=group_cols, limit=limit,
                              multi_label=multi_label)


def check_limit(limit: int | None) -> None:
    """Refuse a ``limit`` that keeps no rows."""
    if limit is not None and limit < 1:
        raise DataError(f"limit must be a positive number of examples, got {limit}", parameter="limit")


def _label_columns(label_col: str | Sequence[str] | None) -> list[str]:
    return [] if label_col is None else [label_col] if isinstance(label_col, str) else list(label_col)


def dataset_columns(*, text_col: str = "text", label_col: str | Sequence[str] | None = "label",
                    group_cols: Sequence[str] = (), multi_label: bool = False) -> list[str]:
    """The columns a dataset is read for (text, labels, groups), each once, in that order.

    Takes the column options of :func:`dataset_from_frame`, so a reader
    that can select columns (Ray Data) reads just these.
    """
    return list(dict.fromkeys([text_col, *_label_columns(label_col), *group_cols]))


def dataset_from_frame(
    frame: pd.DataFrame,
    *,
    source: str,
    text_col: str = "text",
    label_col: str | Sequence[str] | None = "label",
    group_cols: Sequence[str] = (),
    limit: int | None = None,
    multi_label: bool = False,
) -> TextDataset:
    """Check a frame read from ``source`` and turn it into a :class:`TextDataset`.

    Every loader (the local one, the Ray engine's) goes through here, so the
    same data gives the same dataset, fingerprint and error messages.

    With ``multi_label`` every label is a label set, a tuple of label names:
    from several 0/1 columns (``label_col`` a list; a column's name is its
    label's name), or from one column holding a JSON list (``["toxic",
    "insult"]``) or names separated by ``|`` or ``,`` (``toxic|insult``); an
    empty cell is the empty set.
    """
    if len(frame.columns) == 0 or len(frame) == 0:
        raise DataError(f"{source!r} holds no examples; it needs a header row and at least one data row")
    columns = [str(c) for c in frame.columns]
    _check_unique_columns(columns, Path(source))
    frame.columns = columns
    label_cols = _label_columns(label_col)
    if len(label_cols) > 1 and not multi_label:
        raise DataError(f"{len(label_cols)} label columns ({', '.join(map(repr, label_cols))}) describe multi-label data, "
                        "but a single-label model takes one label_col", parameter="label_col")
    if len(set(label_cols)) != len(label_cols):
        raise DataError(f"label_col names a column more than once ({', '.join(map(repr, label_cols))}); name each label column once",
                        parameter="label_col")
    wanted = [("text", text_col)] + [("label", c) for c in label_cols]
    wanted += [("group", g) for g in group_cols]
    for role, col in wanted:
        if col not in columns:
            raise DataError(
                f"{role} column {col!r} is not in {source!r}; columns there are: {', '.join(columns)} "
                f"(choose one with {_PARAMETERS[role]})", parameter=_PARAMETERS[role],
            )
    for role, col in wanted[1:]:
        if col == text_col:
            raise DataError(f"{_PARAMETERS[role]} and text_col both name column {col!r}; the texts need a column of their own",
                            parameter=(_PARAMETERS[role], "text_col"))
    if limit is not None:
        frame = frame.iloc[:limit]
    list_col = label_cols[0] if multi_label and len(label_cols) == 1 else None  # may hold lists (JSONL, Parquet)
    for role, col in wanted:
        if col == list_col and role == "label":
            continue
        nested = next(((i, v) for i, v in enumerate(frame[col]) if isinstance(v, (list, tuple, dict, set, np.ndarray))), None)
        if nested is not None:
            raise DataError(
                f"{role} column {col!r} of {source!r} holds {type(nested[1]).__name__} values (data row {nested[0] + 1}), "
                f"not single values; pass a column of plain text to {_PARAMETERS[role]}", parameter=_PARAMETERS[role],
            )
    texts_raw = frame[text_col]
    bad = [i + 1 for i, v in enumerate(texts_raw) if _blank(v)]
    if bad:
        raise DataError(
            f"{len(bad)} empty or missing text(s) in column {text_col!r} of {source!r} at data row(s) {_row_list(bad)} "
            "(1 = first row after the header; invisible characters alone count as empty); fill or drop them"
        )
    texts = [str(v) for v in texts_raw]
    labels = None
    if len(label_cols) == 1 and multi_label:
        raw = frame[label_cols[0]]
        if all(isinstance(v, (str, int, np.integer)) and not _blank(v) and not re.search(r"[\[|,]", str(v)) for v in raw):
            raise DataError(
                f"label column {label_cols[0]!r} of {source!r} holds one class per example (single-label data), but the "
                "model is multi-label; give label_col one 0/1 column per label, or a column of label lists such as "
                "'toxic|insult' (empty for none)", parameter="label_col",
            )
        labels = [parse_label_list(v, where=f"column {label_cols[0]!r} of {source!r}, data row {i + 1}")
                  for i, v in enumerate(raw)]
    elif label_cols:
        for col in label_cols:
            missing = [i + 1 for i, v in enumerate(frame[col]) if _blank(v)]
            if missing:
                raise DataError(
                    f"{len(missing)} empty or missing label(s) in column {col!r} of {source!r} at data row(s) "
                    f"{_row_list(missing)} (1 = first row after the header); fill or drop them"
                )
        labels = _label_sets(frame, label_cols, source) if multi_label else _coerce_labels(frame[label_cols[0]])
    groups = {}
    for g in group_cols:
        groups[g] = ["<missing>" if _blank(v) else str(v) for v in frame[g]]
    per_label = tuple(label_cols) if multi_label and len(label_cols) > 1 else ()
    return TextDataset(texts=texts, labels=labels, groups=groups, source=source, label_columns=per_label)


def parse_label_list(value, *, where: str = "a label list") -> tuple[str, ...]:
    """One example's label set from a cell: a JSON list, or names separated by ``|`` or ``,``; blank is no label.

    Examples
    --------
    >>> parse_label_list("toxic|insult"), parse_label_list('["threat"]'), parse_label_list("")
    (('toxic', 'insult'), ('threat',), ())
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(dict.fromkeys(str(n).strip() for n in value if not _blank(n)))
    if _blank(value):
        return ()
    text = str(value).strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except ValueError:
            raise DataError(f"{where}: {text[:60]!r} starts like a JSON list but is not one; "
                            'write ["toxic", "insult"] or toxic|insult') from None
        if not isinstance(names, list) or not all(isinstance(n, (str, int)) for n in names):
            raise DataError(f"{where}: a JSON label list must hold label names, got {text[:60]!r}")
        names = [str(n) for n in names]
    else:
        names = re.split(r"[|,]", text)
    return tuple(dict.fromkeys(n.strip() for n in names if not _blank(n)))


_TRUE, _FALSE = {"1", "1.0", "true"}, {"0", "0.0", "false"}


def _label_sets(frame: pd.DataFrame, label_cols: Sequence[str], source: str) -> list[tuple[str, ...]]:
    """Label sets from 0/1 columns, one per label: each row's set names the columns holding 1."""
    present = np.zeros((len(frame), len(label_cols)), dtype=bool)
    for k, col in enumerate(label_cols):
        cells = [str(v).strip().lower() for v in frame[col]]
        bad = [i + 1 for i, v in enumerate(cells) if v not in _TRUE | _FALSE]
        if bad:
            raise DataError(
                f"label column {col!r} of {source!r} must hold 0 or 1, got {str(frame[col].iloc[bad[0] - 1])!r} at data "
                f"row(s) {_row_list(bad)}; give one 0/1 column per label, or one column of label lists as a single label_col",
                parameter="label_col",
            )
        present[:, k] = [v in _TRUE for v in cells]
    return [tuple(c for c, on in zip(label_cols, row) if on) for row in present]
