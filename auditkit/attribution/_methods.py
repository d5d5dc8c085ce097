"""The attribution methods by name, and which one fits a classifier."""

from __future__ import annotations

from auditkit.attribution._input_x_gradient import InputXGradient
from auditkit.attribution._integrated_gradients import IntegratedGradients
from auditkit.attribution._kernel_shap import WordKernelShap
from auditkit.attribution._lime import WordLime
from auditkit.attribution._occlusion import WordOcclusion
from auditkit.attribution._word_ablation import WordAblation
from auditkit.errors import ConfigError
from auditkit.models import Classifier

__all__ = ["METHODS", "AUTO", "make_attributor", "resolve_method"]

#: Method name -> attributor class. Gradient methods (and token occlusion) need a local PyTorch model;
#: the word-perturbation ones (word_ablation, kernel_shap, lime) run on every model kind.
METHODS: dict[str, type] = {
    IntegratedGradients.name: IntegratedGradients,
    InputXGradient.name: InputXGradient,
    WordOcclusion.name: WordOcclusion,
    WordAblation.name: WordAblation,
    WordKernelShap.name: WordKernelShap,
    WordLime.name: WordLime,
}
#: Integrated gradients where the model has gradients, word ablation elsewhere.
AUTO = "auto"

UNKNOWN_METHOD = "attribution_method {method!r} is unknown; choose auto or one of " + ", ".join(METHODS)
NEEDS_GRADIENTS = ("attribution_method {method!r} needs a local PyTorch model (gradients or token ids), but {name!r} is "
                   "of the {kind} kind; use auto or a word-perturbation method ({perturbation})")


def resolve_method(method: str, classifier: Classifier) -> str:
    """The method to run for ``classifier``: ``auto`` resolved, an unknown or unfitting one refused (ConfigError)."""
    if method == AUTO:
        return IntegratedGradients.name if classifier.supports_gradients else WordAblation.name
    if method not in METHODS:
        raise ConfigError(UNKNOWN_METHOD.format(method=method), parameter="attribution_method")
    if METHODS[method].needs_gradients and not classifier.supports_gradients:
        perturbation = ", ".join(name for name, cls in METHODS.items() if not cls.needs_gradients)
        raise ConfigError(NEEDS_GRADIENTS.format(method=method, name=classifier.name, kind=classifier.kind,
                                                 perturbation=perturbation), parameter="attribution_method")
    return method


def make_attributor(method: str, classifier: Classifier, **options):
    """Build the attributor named ``method`` (or ``auto``) for ``classifier``.

    Parameters
    ----------
    method : str
        ``auto``, or one of :data:`METHODS`: integrated_gradients,
        input_x_gradient, occlusion (local PyTorch models), word_ablation,
        kernel_shap, lime (any model kind).
    classifier : Classifier
    **options
        Passed to the method's constructor (e.g. ``n_steps`` for integrated
        gradients, ``n_samples`` for kernel_shap).
    """
    return METHODS[resolve_method(method, classifier)](classifier, **options)
