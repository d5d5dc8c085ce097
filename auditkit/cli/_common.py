"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import sys

from auditkit._text import printable


def add_data_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--data, --text-col, --label-col, --group-col, --limit."""
    parser.add_argument("--data", required=required, metavar="SOURCE",
                        help="CSV/TSV/JSONL/Parquet file, or hf:NAME[/CONFIG][:SPLIT] (e.g. hf:glue/sst2:validation)")
    parser.add_argument("--text-col", default="text", help="column holding the texts (default: text)")
    parser.add_argument("--label-col", action="append", default=None, metavar="COL",
                        help="column holding the labels (default: label); for a multi-label model either one column "
                             "of label lists (a JSON list, or names separated by | or ,) or one 0/1 column per label, "
                             "named as the label (repeat --label-col)")
    parser.add_argument("--group-col", action="append", default=[], metavar="COL", dest="group_cols",
                        help="column with an observed identity attribute, for slice metrics (repeatable)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N examples")


def label_columns(args) -> str | list[str]:
    """The --label-col value(s): one column name, or a list when the flag was repeated."""
    given = args.label_col or ["label"]
    return given[0] if len(given) == 1 else list(given)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """--trust-remote-code, --device, --batch-size, --max-length."""
    parser.add_argument("--trust-remote-code", action="store_true",
                        help="allow model code from the Hub to run (off by default; review the code first)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA when present)")
    parser.add_argument("--batch-size", type=int, default=64, help="prediction batch size (default: 64)")
    parser.add_argument("--max-length", type=int, default=None, help="truncate inputs to N tokens (default: the model's limit)")


def add_output_options(parser: argparse.ArgumentParser, *, writes: str, replaces: str) -> None:
    """--out (the directory written, atomically) and --overwrite."""
    parser.add_argument("--out", required=True, help=f"{writes} to write (atomically: a failed command leaves nothing)")
    parser.add_argument("--overwrite", action="store_true", help=f"replace {replaces} at --out")


def say(message: str) -> None:
    """Progress and notes for a person: stderr, so stdout stays parseable; run/data strings made printable."""
    print(printable(message, keep_newlines=True), file=sys.stderr, flush=True)


def show(text: str) -> None:
    """Results on stdout, with run/data strings made printable (lines kept)."""
    print(printable(text, keep_newlines=True))
