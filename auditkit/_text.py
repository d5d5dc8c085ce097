"""One rule for showing an untrusted string (from data, a run or a model config) as plain text.

A run name, a model label or a dataset path may carry terminal escape
sequences (set the window title, clear the screen), other control
characters, or Unicode direction overrides that reorder what a reader sees.
:func:`printable` removes them all; everything auditkit prints on a
terminal, and every string the Markdown report copies from a run, goes
through it.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# ESC-introduced sequences whole (CSI "ESC [ ... final", OSC "ESC ] ... BEL|ST", two-byte escapes),
# the C1 forms of CSI/OSC, then any remaining C0/C1 control, bidi override/isolate and line/paragraph separator.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")


def _surrogate(m: re.Match) -> str:
    """A file-name byte that is not UTF-8 (os.fsdecode's surrogateescape) as ``\\xff``; any other lone surrogate as U+FFFD."""
    code = ord(m.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def printable(text, *, keep_newlines: bool = False) -> str:
    """``str(text)`` without escape sequences, control characters or direction overrides.

    Tabs and line breaks become spaces, so one value stays on one line;
    with ``keep_newlines`` a ``\\n`` is kept (for multi-line output made of
    trusted lines and untrusted values).

    Examples
    --------
    >>> printable("model\\x1b]0;pwned\\x07\\x1b[2J name")
    'model name'
    >>> printable("two\\nlines")
    'two lines'
    """
    text = _SURROGATES.sub(_surrogate, str(text))
    text = _ESCAPES.sub("", text)
    if keep_newlines:
        text = text.replace("\r\n", "\n")
        text = _LINE_BREAKS.sub(lambda m: m.group() if m.group() == "\n" else " ", text)
    else:
        text = _LINE_BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text)
