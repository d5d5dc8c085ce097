"""The one safe reader of the small JSON and TOML documents users hand auditkit.

Threshold files, lexicons, policies and a run's ``run.json`` are parsed
here and nowhere else, with the same bounds: the file is a regular file of
bounded size (:func:`auditkit._fs.read_regular_file`), UTF-8 text, nested at
most :data:`MAX_DEPTH` levels (a document nested 10^5 levels deep would
exhaust Python's recursion in the parser or in whatever walks it later), and
its integers have at most :data:`MAX_INT_DIGITS` digits (Python refuses to
convert 4,301 digits and more with an error that names none of this).
Every refusal is one line naming the file.
"""

from __future__ import annotations

import json
import os
from typing import Any

from auditkit._fs import read_regular_file

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "decode_text", "load_json", "load_toml", "parse_json", "parse_toml"]

#: Deepest nesting of lists and objects a document may have.
MAX_DEPTH = 64
#: Most digits an integer in a document may have.
MAX_INT_DIGITS = 40


class _Refused(ValueError):
    """A bound was hit while parsing (raised by a parser hook, turned into the caller's error)."""


def _int(text: str) -> int:
    if len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise _Refused(f"holds an integer of {len(text.lstrip('+-'))} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _depth_problem(value: Any) -> str | None:
    """Why ``value`` nests too deeply (walked without recursion), or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            return f"nests lists or objects more than {MAX_DEPTH} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


def _refuse(error, where: str, kind: str, problem: str, fix: str):
    return error(f"{where} is not a {kind} document auditkit reads: it {problem}; {fix}")


def decode_text(data: bytes, *, where: str, error, fix: str = "re-save it as UTF-8 text") -> str:
    """``data`` as UTF-8 text (a leading BOM dropped); binary or UTF-16 data is refused in one line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{where} is not UTF-8 text (bad byte 0x{data[exc.start]:02x} at byte {exc.start}, line {line}); "
                    f"{fix}") from None
    if "\x00" in text:
        raise error(f"{where} holds NUL bytes (a binary or UTF-16 file), not UTF-8 text; {fix}")
    return text


def parse_json(text: str, *, where: str, error, fix: str = "fix the file") -> Any:
    """Parse JSON ``text`` within the bounds; ``where`` names it in the one-line ``error``."""
    try:
        value = json.loads(text, parse_int=_int)
    except _Refused as exc:
        raise _refuse(error, where, "JSON", str(exc), fix) from None
    except RecursionError:
        raise _refuse(error, where, "JSON", f"nests lists or objects more than {MAX_DEPTH} levels deep", fix) from None
    except ValueError as exc:  # json.JSONDecodeError
        raise error(f"{where} is not valid JSON ({' '.join(str(exc).split())[:160]}); {fix}") from None
    problem = _depth_problem(value)
    if problem:
        raise _refuse(error, where, "JSON", problem, fix)
    return value


def parse_toml(text: str, *, where: str, error, fix: str = "fix the file") -> Any:
    """Parse TOML ``text`` within the bounds; ``where`` names it in the one-line ``error``."""
    import tomllib

    try:
        value = tomllib.loads(text)
    except RecursionError:
        raise _refuse(error, where, "TOML", f"nests arrays or tables more than {MAX_DEPTH} levels deep", fix) from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where} is not valid TOML: {' '.join(str(exc).split())[:160]}; {fix}") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise _refuse(error, where, "TOML", f"holds a value Python cannot convert ({' '.join(str(exc).split())[:80]})",
                      fix) from None
    problem = _depth_problem(value)
    if problem is None:
        stack = [value]
        while stack and problem is None:  # big integers: tomllib has no hook, so check the parsed values
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > MAX_INT_DIGITS * 3.33:
                problem = f"holds an integer of more than {MAX_INT_DIGITS} digits"
    if problem:
        raise _refuse(error, where, "TOML", problem, fix)
    return value


def load_json(path: str | os.PathLike, *, what: str, max_bytes: int, error, fix: str = "fix the file") -> Any:
    """Read and parse a JSON file ``what`` (e.g. "lexicon file") within the bounds."""
    where = f"{what} {str(path)!r}"
    data = read_regular_file(path, what=what, max_bytes=max_bytes, error=error)
    return parse_json(decode_text(data, where=where, error=error), where=where, error=error, fix=fix)


def load_toml(path: str | os.PathLike, *, what: str, max_bytes: int, error, fix: str = "fix the file") -> Any:
    """Read and parse a TOML file ``what`` (e.g. "policy") within the bounds."""
    where = f"{what} {str(path)!r}"
    data = read_regular_file(path, what=what, max_bytes=max_bytes, error=error)
    return parse_toml(decode_text(data, where=where, error=error), where=where, error=error, fix=fix)
