"""auditkit CTF gap as an ``evaluate`` metric (computed by auditkit.probes.counterfactual_token_fairness_gap)."""

import datasets

from auditkit.evaluate_modules._build import pair_metric
from auditkit.probes import counterfactual_token_fairness_gap

_DESCRIPTION = """
Counterfactual token fairness (CTF) gap of Garg et al. (2019), as auditkit stores it: the mean absolute
difference |f(x) - f(x')| of the model's score between the two members of each counterfactual pair.
Unlike the counterfactual gap it has no sign: differences in both directions add up.
"""

_KWARGS_DESCRIPTION = """
Args:
    scores_a (`list` of `float`): score of the first member of each pair.
    scores_b (`list` of `float`): score of the second member, in the same order.
Returns:
    ctf_gap (`float`): mean |scores_a - scores_b|.
    n_pairs (`int`): number of pairs.
Examples:
    >>> ctf = evaluate.load(auditkit.evaluate_module("ctf_gap"))
    >>> ctf.compute(scores_a=[0.9, 0.5], scores_b=[0.7, 0.7])["ctf_gap"]
    0.2
"""


CtfGap = pair_metric(
    "ctf_gap", "CtfGap", module=__name__, function=counterfactual_token_fairness_gap,
    columns=("scores_a", "scores_b"), dtype=float, feature=datasets.Value("float64"),
    description=_DESCRIPTION, inputs=_KWARGS_DESCRIPTION,
)
