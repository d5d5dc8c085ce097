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
from auditkit.attribution._methods import AUTO, METHODS, make_attributor, resolve_method
from auditkit.attribution._occlusion import WordOcclusion
from auditkit.attribution._perturbation import WordPerturbation
from auditkit.attribution._word_ablation import WordAblation
from auditkit.attribution._selection import select_examples, select_probe_pairs
from auditkit.attribution._top_words import top_words
from auditkit.attribution._words import merge_word_pieces, word_spans

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
    "AUTO",
    "make_attributor",
    "resolve_method",
    "merge_word_pieces",
    "word_spans",
    "deletion_curve",
    "identity_share",
    "IdentityShare",
    "top_words",
    "select_examples",
    "select_probe_pairs",
    "audit_attributions",
    "AttributionReport",
]
