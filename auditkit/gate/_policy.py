"""Release-gate policies: a TOML file naming the checks a run must pass.

```toml
[gate]
alpha = 0.05                 # significance level for tests against a baseline

[checks.min_accuracy]
threshold = 0.80
on = "ci_low"                # "ci_low" (the CI's lower bound) or "value"
```

Every table under ``[checks]`` is one check; its options are validated here,
so a typo fails at load time with a one-line :class:`ConfigError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from auditkit._bounds import BOUNDS
from auditkit._documents import load_toml
from auditkit.errors import ConfigError

#: The largest min_effect a run may have been audited with to pass no_significant_bias (policy: max_min_effect):
#: 0.1, five times the audit's default; a larger minimum effect lets a bigger gap read "no material bias".
DEFAULT_MAX_MIN_EFFECT = 0.1
# check name -> {option: (kind, default)}; kind is "prob", "on", "list", "bool", "metrics"
# the metrics compare_runs gives a paired test (McNemar for accuracy, paired bootstrap otherwise)
_METRIC_CHOICES = ("accuracy", "macro_f1", "class_recall", "subset_accuracy", "micro_f1", "samples_f1", "hamming_loss")
#: The no_regression metrics of multi-label runs only (their headline metrics beside macro-F1).
MULTILABEL_ONLY_METRICS = ("subset_accuracy", "micro_f1", "samples_f1", "hamming_loss")
CHECKS: dict[str, dict[str, tuple[str, object]]] = {
    "min_accuracy": {"threshold": ("prob", None), "on": ("on", "ci_low")},
    "min_macro_f1": {"threshold": ("prob", None), "on": ("on", "ci_low")},
    "min_class_recall": {"threshold": ("prob", None), "classes": ("list", None)},
    "min_label_recall": {"threshold": ("prob", None), "labels": ("list", None)},
    "max_bias_gap": {"threshold": ("prob", None), "attributes": ("list", None), "on": ("gap_on", "value")},
    "no_significant_bias": {"attributes": ("list", None), "require": ("require", "not_bias"),
                            "max_min_effect": ("min_effect", DEFAULT_MAX_MIN_EFFECT)},
    "max_influence": {"threshold": ("prob", None), "attributes": ("list", None)},
    "max_flip_rate": {"threshold": ("prob", None), "attributes": ("list", None)},
    "max_identity_share": {"threshold": ("prob", None)},
    "no_regression": {"metrics": ("metrics", ["accuracy", "macro_f1", "class_recall"]), "bias": ("bool", True),
                      "tolerance": ("prob", 0.0)},
}
CHECK_DOCS = {
    "min_accuracy": "accuracy (CI lower bound or point value) ≥ threshold (single-label runs; skipped on multi-label ones)",
    "min_macro_f1": "macro-F1 (CI lower bound or point value) ≥ threshold",
    "min_class_recall": "recall of every class (or those listed) ≥ threshold; one check per class (single-label runs; skipped on multi-label ones)",
    "min_label_recall": ("multi-label runs: recall of every label (or those listed) at its decision threshold ≥ threshold; "
                         "one check per label (skipped on single-label runs)"),
    "max_bias_gap": "|bias gap| of every probed attribute (or those listed) ≤ threshold; on = value or ci (the CI bound farthest from 0); per-class runs: one check per class x attribute",
    "no_significant_bias": ("no probed attribute has the verdict \"bias\" (|gap| shown to exceed the minimum effect, "
                            "Holm-corrected); an \"inconclusive\" one is shown as inconclusive and blocks unless "
                            "[gate] inconclusive = \"allow\"; require = \"no_material_bias\" demands that each gap is "
                            "shown to lie inside ±min-effect; a run audited with a min-effect above max_min_effect "
                            f"(default {DEFAULT_MAX_MIN_EFFECT}) is refused; per-class runs: one check per class x attribute"),
    "max_influence": ("leaving out any one template, lexicon row or swapped term moves no attribute's gap by more "
                      "than threshold (needs a run audited with influence; older runs are refused)"),
    "max_flip_rate": "counterfactual flip rate of every probed attribute ≤ threshold",
    "max_identity_share": "share of attribution on identity words ≤ threshold",
    "no_regression": ("with --baseline: no significant drop in accuracy (McNemar), macro-F1 (paired bootstrap) or class "
                      "recall (paired bootstrap, Holm across classes), and no significant growth of any |bias gap| "
                      "(intersection-union test, Holm across attributes and classes); multi-label runs: accuracy is each label's decisions "
                      "(McNemar, Holm across labels), class recall each label's recall, and subset_accuracy, micro_f1, "
                      "samples_f1 and hamming_loss (a rise is the regression) can be listed too (paired bootstrap)"),
}
_ON = ("ci_low", "value")
_GAP_ON = ("value", "ci")
_REQUIRE = ("not_bias", "no_material_bias")
#: What an inconclusive check does: block the release (the default), or show it and let the release through.
_INCONCLUSIVE = ("fail", "allow")
#: Option kinds whose value is one of a few words.
_CHOICES = {"on": _ON, "gap_on": _GAP_ON, "require": _REQUIRE, "inconclusive": _INCONCLUSIVE}
#: A policy is a few tables of options; a megabyte is far more than one needs.
MAX_POLICY_BYTES = 2**20
_GATE_OPTIONS = {"alpha": ("alpha", 0.05), "n_boot": ("n_boot", 1000), "seed": ("seed", 0),
                 "inconclusive": ("inconclusive", "fail")}
#: Option kinds checked against a range of auditkit._bounds: kind -> its BOUNDS key.
_BOUNDED = {"alpha": "alpha", "n_boot": "paired_n_boot", "seed": "seed", "min_effect": "min_effect"}


@dataclass
class Policy:
    """A validated gate policy: ``checks`` maps check name → options (defaults filled in)."""

    checks: dict[str, dict] = field(default_factory=dict)
    alpha: float = 0.05
    n_boot: int = 1000
    seed: int = 0
    inconclusive: str = "fail"
    source: str = "<dict>"

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str = "<dict>") -> "Policy":
        """Validate a parsed policy; raises :class:`ConfigError` with a one-line message."""
        where = f"policy {source}"
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a TOML table at the top level")
        unknown = set(data) - {"gate", "checks"}
        if unknown:
            raise ConfigError(f"{where}: unknown top-level key {sorted(unknown)[0]!r}; expected [gate] and [checks.NAME] tables")
        gate = data.get("gate", {})
        if not isinstance(gate, Mapping):
            raise ConfigError(f"{where}: [gate] must be a table")
        opts = {}
        for key, value in gate.items():
            if key not in _GATE_OPTIONS:
                raise ConfigError(f"{where}: unknown option {key!r} in [gate]; expected one of {', '.join(_GATE_OPTIONS)}")
            opts[key] = _validate(where, "gate", key, _GATE_OPTIONS[key][0], value)
        checks_in = data.get("checks")
        if not isinstance(checks_in, Mapping) or not checks_in:
            raise ConfigError(f"{where}: no checks; add at least one [checks.NAME] table (known checks: {', '.join(CHECKS)})")
        checks = {}
        for name, options in checks_in.items():
            if name not in CHECKS:
                raise ConfigError(f"{where}: unknown check {name!r}; known checks: {', '.join(CHECKS)}")
            if options is True or options == {}:
                options = {}
            if not isinstance(options, Mapping):
                raise ConfigError(f"{where}: [checks.{name}] must be a table of options")
            spec = CHECKS[name]
            resolved = {}
            for key, value in options.items():
                if key not in spec:
                    raise ConfigError(f"{where}: unknown option {key!r} in [checks.{name}]; expected one of {', '.join(spec)}")
                resolved[key] = _validate(where, f"checks.{name}", key, spec[key][0], value)
            for key, (kind, default) in spec.items():
                if key not in resolved:
                    if default is None and key == "threshold":
                        raise ConfigError(f"{where}: [checks.{name}] needs a threshold (a number between 0 and 1)")
                    resolved[key] = default
            checks[name] = resolved
        return cls(checks=checks, source=source, **opts)


def _validate(where, table, key, kind, value):
    bad = f"{where}: [{table}] {key} = {value!r} is invalid; expected "
    if kind == "prob":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(bad + "a number between 0 and 1")
        return float(value)
    if kind in _BOUNDED:  # the ranges every entry point shares (auditkit._bounds)
        bound = BOUNDS[_BOUNDED[kind]]
        if bound.problem(value):
            what = "" if bound.expected().startswith("an integer") else "an integer " if bound.integer else "a number "
            raise ConfigError(bad + what + bound.expected())
        return value if bound.integer else float(value)
    if kind in _CHOICES:
        if value not in _CHOICES[kind]:
            raise ConfigError(bad + " or ".join(repr(v) for v in _CHOICES[kind]))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(bad + "true or false")
        return value
    if kind == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(bad + "a non-empty list of names")
        return list(value)
    if kind == "metrics":
        if not isinstance(value, list) or not value or any(v not in _METRIC_CHOICES for v in value):
            raise ConfigError(bad + "a non-empty list drawn from " + ", ".join(_METRIC_CHOICES))
        return list(value)
    raise AssertionError(kind)  # pragma: no cover - table above is closed


def load_policy(path: str | os.PathLike) -> Policy:
    """Read and validate a policy TOML file.

    Raises
    ------
    ConfigError
        Missing file, malformed TOML, unknown check or option, or a bad value
        — one line saying which and what was expected.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise ConfigError(f"policy file {str(p)!r} does not exist; see policy.example.toml for a starting point")
    data = load_toml(p, what="policy", max_bytes=MAX_POLICY_BYTES, error=ConfigError,
                     fix="see policy.example.toml for a starting point")
    return Policy.from_dict(data, source=repr(str(p)))


def default_policy_path() -> Path:
    """The example policy shipped with auditkit."""
    return Path(__file__).with_name("default_policy.toml")
