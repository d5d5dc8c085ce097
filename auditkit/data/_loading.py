"""Read CSV, TSV, JSONL and Parquet files, or Hugging Face datasets by id."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

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


def _read_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"data file {str(path)!r} does not exist; check the path passed to --data")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory; pass a CSV, TSV, JSONL or Parquet file to --data")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"cannot tell the format of {str(path)!r} from its extension; "
            f"use one of {', '.join(sorted(_READERS))}"
        )
    if path.stat().st_size == 0:
        raise DataError(f"data file {str(path)!r} is empty; it needs a header row and at least one example")
    try:
        if kind in ("csv", "tsv"):
            return pd.read_csv(
                path,
                sep="," if kind == "csv" else "\t",
                encoding="utf-8",
                encoding_errors="strict",
                dtype=str,
                keep_default_na=False,
                na_values=[],
            )
        if kind == "jsonl":
            # Read ourselves so that non-UTF-8 bytes fail with a clear message.
            text = path.read_bytes().decode("utf-8")
            from io import StringIO

            lines = [ln for ln in text.splitlines() if ln.strip()]
            if not lines:
                raise DataError(f"data file {str(path)!r} has no records; it needs at least one JSON object per line")
            if len(lines) == 1 and lines[0].lstrip().startswith("["):
                return pd.read_json(StringIO(lines[0]), orient="records", dtype=False)
            return pd.read_json(StringIO("\n".join(lines)), lines=True, dtype=False)
        return pd.read_parquet(path)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"data file {str(path)!r} is not valid UTF-8 (bad byte at position {exc.start}); "
            "re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {str(path)!r} has no columns; it needs a header row and at least one example") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"cannot parse {str(path)!r} as {kind.upper()}: {first}") from None
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {str(path)!r} as {kind.upper()}: {first}") from None
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise DataError(f"cannot read {str(path)!r} as {kind.upper()}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def _read_hf(source: str) -> pd.DataFrame:
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
                ds = datasets.load_dataset(repo, cfg, split=split)
            return ds.to_pandas()
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


_LIST_SEPARATORS = ("|", ",", ";")


def _label_list(value, *, column: str, row: int, source: str) -> tuple[str, ...]:
    """One label-list cell as a tuple of names: a list, a JSON list, or names joined by | , or ;."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, (list, tuple, np.ndarray)):
        names = [str(v).strip() for v in value]
    else:
        text = str(value).strip()
        if text.startswith("["):
            import json

            try:
                parsed = json.loads(text)
            except ValueError:
                raise DataError(
                    f"label list {text[:60]!r} in column {column!r} of {source!r} (data row {row}) is not a valid JSON list; "
                    'write ["toxic", "insult"] or toxic|insult'
                ) from None
            names = [str(v).strip() for v in (parsed if isinstance(parsed, list) else [parsed])]
        else:
            sep = next((s for s in _LIST_SEPARATORS if s in text), None)
            names = [n.strip() for n in (text.split(sep) if sep else [text])]
    names = [n for n in names if n]
    if any(_INT.fullmatch(n) for n in names):
        raise DataError(
            f"column {column!r} of {source!r} holds single-label values (data row {row}: {str(value)[:40]!r}), "
            "not lists of label names; a multi-label model needs several 0/1 columns (--label-col repeated) "
            "or one column of label-name lists such as toxic|insult"
        )
    return tuple(dict.fromkeys(names))


def _indicator_sets(frame: pd.DataFrame, columns: Sequence[str], source: str) -> list[tuple[str, ...]]:
    """Label sets from 0/1 columns (one per label, named after it)."""
    values = {}
    for col in columns:
        raw = [str(v).strip().lower() for v in frame[col]]
        bad = [i + 1 for i, v in enumerate(raw) if v not in ("0", "1", "0.0", "1.0", "true", "false")]
        if bad:
            raise DataError(
                f"label column {col!r} of {source!r} must hold 0 or 1 in every row (multi-label data); "
                f"found {frame[col].iloc[bad[0] - 1]!r} at data row(s) {_row_list(bad)}"
            )
        values[col] = [v in ("1", "1.0", "true") for v in raw]
    return [tuple(col for col in columns if values[col][i]) for i in range(len(frame))]


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
    text_col : str
        The text column.
    label_col : str or sequence of str, optional
        The label column; ``None`` loads texts only. Several columns make a
        multi-label dataset: one 0/1 column per label, named after it.
    multi_label : bool, default False
        Read a single ``label_col`` as label lists (a list, a JSON list, or
        names joined by ``|``, ``,`` or ``;``; empty means no label).
    group_cols : sequence of str
        Columns holding observed identity attributes, for slice metrics.
    limit : int, optional
        Keep only the first ``limit`` examples.

    Returns
    -------
    TextDataset

    Raises
    ------
    DataError
        With a one-line message naming the problem and the fix.
    """
    source = str(source)
    if limit is not None and limit < 1:
        raise DataError(f"--limit must be a positive number of examples, got {limit}")
    frame = _read_hf(source) if source.startswith(HF_PREFIX) else _read_file(Path(source))
    if len(frame.columns) == 0 or len(frame) == 0:
        raise DataError(f"{source!r} holds no examples; it needs a header row and at least one data row")
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    label_cols = [] if label_col is None else [label_col] if isinstance(label_col, str) else list(dict.fromkeys(label_col))
    if not label_cols and label_col is not None:
        raise DataError("no label column given; pass --label-col")
    indicators = len(label_cols) > 1
    wanted = [("text", text_col)] + [("label", c) for c in label_cols]
    wanted += [("group", g) for g in group_cols]
    for role, col in wanted:
        if col not in columns:
            flag = {"text": "--text-col", "label": "--label-col", "group": "--group-col"}[role]
            raise DataError(
                f"{role} column {col!r} is not in {source!r}; columns there are: {', '.join(columns)} (choose one with {flag})"
            )
    if limit is not None:
        frame = frame.iloc[:limit]
    texts_raw = frame[text_col]
    bad = [i + 1 for i, v in enumerate(texts_raw) if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip()]
    if bad:
        raise DataError(
            f"{len(bad)} empty or missing text(s) in column {text_col!r} of {source!r} at data row(s) {_row_list(bad)} "
            "(1 = first row after the header); fill or drop them"
        )
    texts = [str(v) for v in texts_raw]
    labels = None
    if indicators:
        labels = _indicator_sets(frame, label_cols, source)
    elif label_cols and multi_label:
        labels = [_label_list(v, column=label_cols[0], row=i + 1, source=source) for i, v in enumerate(frame[label_cols[0]])]
    elif label_cols:
        label_col = label_cols[0]
        raw = frame[label_col]
        missing = [i + 1 for i, v in enumerate(raw) if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip()]
        if missing:
            raise DataError(
                f"{len(missing)} empty or missing label(s) in column {label_col!r} of {source!r} at data row(s) "
                f"{_row_list(missing)} (1 = first row after the header); fill or drop them"
            )
        labels = _coerce_labels(raw)
    groups = {}
    for g in group_cols:
        groups[g] = ["<missing>" if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "" else str(v) for v in frame[g]]
    return TextDataset(texts=texts, labels=labels, groups=groups, source=source, multi_label=indicators or (multi_label and labels is not None),
                       label_order=label_cols if indicators else None)
