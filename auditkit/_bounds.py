"""The numeric options every entry point takes, with their ranges declared once.

The audit options (:class:`auditkit.audit.AuditOptions`), the probes, the
comparison and the gate policy all check their numbers with
:func:`check_option`, so ``--seed -1``, ``--n-boot 10**12``, a policy's
``n_boot = 10**12`` or ``--min-effect nan`` fail the same way everywhere:
one line naming the option, before any work.

Why the upper bounds:

- resamples (:data:`MAX_RESAMPLES`): 100,000 is 100 times the default; a
  percentile interval from more resamples differs from this one only past
  its third digit, and each resample costs time and memory on every
  statistic of the run;
- seeds (:data:`MAX_SEED`): NumPy's and PyTorch's generators take a seed of
  32 bits everywhere auditkit seeds one;
- ``min_effect`` (:data:`MAX_MIN_EFFECT`): a gap is a difference of two
  probabilities. At 0.5 a model may move every sentence about one group from
  0.25 to 0.75 — across a 0.5 decision threshold, flipping every decision —
  and still have its gap called "not material", so no larger minimum effect
  is meaningful; a release policy can demand a smaller one
  (``max_min_effect`` in :mod:`auditkit.gate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from auditkit.errors import ConfigError

__all__ = ["MAX_RESAMPLES", "MAX_SEED", "MAX_MIN_EFFECT", "Bound", "BOUNDS", "check_option"]

MAX_RESAMPLES = 100_000
MAX_SEED = 2**32 - 1
MAX_MIN_EFFECT = 0.5


@dataclass(frozen=True)
class Bound:
    """An integer or float option's range; ``open_low`` / ``open_high`` exclude that end."""

    integer: bool
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    #: Said after the range when a value is refused (why the range is what it is).
    note: str = ""

    def expected(self) -> str:
        """The range in words: "0 or more", "at least 100", "an integer from 0 to 100000", "between 0 and 1"."""
        lo, hi = (None if v is None else int(v) if self.integer else v for v in (self.low, self.high))
        if hi is None:
            if self.open_low:
                return f"more than {lo:g}"
            return "0 or more" if lo == 0 else f"at least {lo}"
        if self.integer:
            return f"an integer from {lo} to {hi}"
        if self.open_low == self.open_high:
            return f"between {lo:g} and {hi:g}"
        return f"more than {lo:g} and at most {hi:g}" if self.open_low else f"at least {lo:g} and below {hi:g}"

    def problem(self, value) -> str | None:
        """Why ``value`` is outside the range (None when it is inside)."""
        if isinstance(value, bool) or not isinstance(value, Real):
            return "must be " + ("an integer" if self.integer else "a number") + f" ({self.expected()})"
        if self.integer and not isinstance(value, Integral):
            return f"must be a whole number ({self.expected()})"
        if not self.integer and not math.isfinite(float(value)):
            return f"must be a finite number ({self.expected()})"
        lo, hi = self.low, self.high
        if lo is not None and (value <= lo if self.open_low else value < lo):
            return f"must be {self.expected()}"
        if hi is not None and (value >= hi if self.open_high else value > hi):
            return f"must be {self.expected()}" + (f" ({self.note})" if self.note else "")
        return None


_RESAMPLES_NOTE = "more resamples change a percentile interval only past its third digit"
#: Every numeric option, by the parameter name the Python API uses.
BOUNDS: dict[str, Bound] = {
    "n_boot": Bound(True, 0, MAX_RESAMPLES, note=_RESAMPLES_NOTE),
    "probe_n_boot": Bound(True, 100, MAX_RESAMPLES, note=_RESAMPLES_NOTE),
    "paired_n_boot": Bound(True, 100, MAX_RESAMPLES, note=_RESAMPLES_NOTE),  # compare and the gate's no_regression
    "seed": Bound(True, 0, MAX_SEED, note="NumPy and PyTorch take 32 bits"),
    "alpha": Bound(False, 0, 1, open_low=True, open_high=True),
    "confidence_level": Bound(False, 0, 1, open_low=True, open_high=True),
    "min_effect": Bound(False, 0, MAX_MIN_EFFECT,
                        note="a gap of probabilities; at 0.5 every decision could flip and still not count"),
    "batch_size": Bound(True, 1),
    "n_bins": Bound(True, 1),
    "min_group_size": Bound(True, 1),
    "attributions": Bound(True, 0),
    "max_probe_sentences": Bound(True, 1),
    "weight_decay": Bound(False, 0, 1),
    "warmup_ratio": Bound(False, 0, 1),
}


def check_option(name: str, value, *, bound: str | None = None, shown: str | None = None):
    """Return ``value`` when it is inside ``BOUNDS[bound or name]``; else raise a one-line :class:`ConfigError`.

    The message names ``shown`` (default ``name``) and carries ``parameter=name``,
    so the CLI writes it as the flag (``--n-boot``).

    Examples
    --------
    >>> check_option("n_boot", 1000)
    1000
    >>> check_option("seed", -1)
    Traceback (most recent call last):
    ...
    auditkit.errors.ConfigError: seed must be an integer from 0 to 4294967295, got -1
    """
    problem = BOUNDS[bound or name].problem(value)
    if problem:
        raise ConfigError(f"{shown or name} {problem}, got {value!r}", parameter=name)
    return value
