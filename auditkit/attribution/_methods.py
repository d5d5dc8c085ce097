"""The attribution methods by name."""

from __future__ import annotations

from auditkit.attribution._base import Attributor
from auditkit.attribution._input_x_gradient import InputXGradient
from auditkit.attribution._integrated_gradients import IntegratedGradients
from auditkit.attribution._occlusion import WordOcclusion
from auditkit.errors import ConfigError

__all__ = ["METHODS", "make_attributor"]

#: Method name -> attributor class.
METHODS: dict[str, type[Attributor]] = {
    IntegratedGradients.name: IntegratedGradients,
    InputXGradient.name: InputXGradient,
    WordOcclusion.name: WordOcclusion,
}

UNKNOWN_METHOD = "unknown attribution method {method!r}; choose one of " + ", ".join(METHODS)


def make_attributor(method: str, classifier, **options) -> Attributor:
    """Build the attributor named ``method`` for ``classifier``.

    Parameters
    ----------
    method : {"integrated_gradients", "input_x_gradient", "occlusion"}
    classifier : TextClassifier
    **options
        Passed to the method's constructor (e.g. ``n_steps`` for integrated
        gradients).
    """
    if method not in METHODS:
        raise ConfigError(UNKNOWN_METHOD.format(method=method))
    return METHODS[method](classifier, **options)
