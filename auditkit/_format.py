"""How numbers read in every document auditkit writes (report, compare, gate, dashboard).

One formatter per kind of value, so a number reads the same in the HTML report, the Markdown
report, the gate's table and the dashboard.
"""

from __future__ import annotations

import math

__all__ = ["MISSING", "number", "p_value"]

#: What a value that was not measured (None / NaN) reads as.
MISSING = "–"


def _finite(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def number(value, *, digits: int = 3, signed: bool = False, missing: str = MISSING) -> str:
    """``digits`` decimals; a value that would print as zero in scientific notation (a 3e-05 gap is not 0.000).

    Examples
    --------
    >>> number(0.81234), number(-0.00003, signed=True), number(None)
    ('0.812', '-3.00e-05', '–')
    """
    f = _finite(value)
    if f is None:
        return missing
    if f != 0 and abs(f) < 0.5 * 10 ** -digits:
        return f"{f:+.2e}" if signed else f"{f:.2e}"
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


def p_value(value, *, missing: str = MISSING) -> str:
    """A p-value in scientific notation with three significant digits, e.g. ``1.23e-04``.

    Examples
    --------
    >>> p_value(0.0001234), p_value(0.5), p_value(None)
    ('1.23e-04', '5.00e-01', '–')
    """
    f = _finite(value)
    return missing if f is None else f"{f:.2e}"
