"""auditkit's bias measures as local Hugging Face ``evaluate`` metric modules.

Each module is a folder ``<name>/<name>.py`` shipped inside the package, so
``evaluate.load`` reads it from disk (no Hub, works with ``HF_HUB_OFFLINE=1``).
The scripts hold no statistics of their own: they call
:func:`auditkit.probes._gap.estimate_gap`, :func:`auditkit.probes.flip_rate`,
:func:`auditkit.probes.counterfactual_token_fairness_gap` and
:func:`auditkit.metrics.subgroup_auc` / ``bpsn_auc`` / ``bnsp_auc``.

>>> import evaluate, auditkit
>>> gap = evaluate.load(auditkit.evaluate_module("counterfactual_gap"))  # doctest: +SKIP
>>> gap.compute(scores_a=[0.9, 0.7, 0.8], scores_b=[0.6, 0.5, 0.7])["gap"]  # doctest: +SKIP
0.2
"""

from __future__ import annotations

from pathlib import Path

from auditkit.errors import ConfigError

__all__ = ["MODULES", "evaluate_module"]

#: Module name -> what it measures.
MODULES = {
    "counterfactual_gap": "mean paired difference score(a) - score(b) with a bootstrap interval and paired tests",
    "flip_rate": "share of counterfactual pairs whose predicted label changes",
    "ctf_gap": "counterfactual token fairness gap: mean |f(x) - f(x')| over pairs",
    "subgroup_auc": "ROC-AUC on the examples of a subgroup",
    "bpsn_auc": "background-positive, subgroup-negative ROC-AUC",
    "bnsp_auc": "background-negative, subgroup-positive ROC-AUC",
}
_HERE = Path(__file__).resolve().parent


def evaluate_module(name: str) -> str:
    """Path of the local ``evaluate`` module ``name``, for ``evaluate.load``.

    Parameters
    ----------
    name : str
        One of :data:`MODULES`.

    Returns
    -------
    str
        A folder holding ``<name>.py``.

    Examples
    --------
    >>> import evaluate  # doctest: +SKIP
    >>> flips = evaluate.load(evaluate_module("flip_rate"))  # doctest: +SKIP
    """
    if name not in MODULES:
        raise ConfigError(f"unknown auditkit evaluate module {name!r}; choose one of {', '.join(MODULES)}")
    return str(_HERE / name)
