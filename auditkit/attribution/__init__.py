"""Captum attributions: word scores, their faithfulness, and identity share.

Construct an attributor once for a classifier, then call ``attribute``::

    from auditkit.attribution import IntegratedGradients
    scores = IntegratedGradients(classifier).attribute(texts)

Gradient methods need a local PyTorch model; ``WordAblation``,
``WordKernelShap`` and ``WordLime`` perturb words and run on any model kind.
"""

from auditkit.attribution._audit import AttributionReport, audit_attributions
from auditkit.attribution._base import Attributor, WordAttribution
from auditkit.attribution._faithfulness import deletion_curve
from auditkit.attribution._identity import IdentityShare, identity_share
from auditkit.attribution._input_x_gradient import InputXGradient
from auditkit.attribution._integrated_gradients import IntegratedGradients
from auditkit.attribution._kernel_shap import WordKernelShap
from auditkit.attribution._lime import WordLime
from auditkit.attribution._methods import METHODS, make_attributor
from auditkit.attribution._occlusion import WordOcclusion
from auditkit.attribution._perturbation import WordPerturbation
from auditkit.attribution._word_ablation import WordAblation

__all__ = [
    "Attributor",
    "WordAttribution",
    "IntegratedGradients",
    "InputXGradient",
    "WordOcclusion",
    "WordPerturbation",
    "WordAblation",
    "WordKernelShap",
    "WordLime",
    "METHODS",
    "make_attributor",
    "identity_share",
    "IdentityShare",
    "deletion_curve",
    "audit_attributions",
    "AttributionReport",
]
