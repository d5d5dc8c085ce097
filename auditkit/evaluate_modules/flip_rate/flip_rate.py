"""auditkit flip rate as an ``evaluate`` metric (computed by auditkit.probes.flip_rate)."""

import datasets

from auditkit.evaluate_modules._build import pair_metric
from auditkit.probes import flip_rate

_DESCRIPTION = """
Flip rate of auditkit: the share of counterfactual pairs (texts that differ only in who they are about)
whose predicted label is not the same for both members.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions_a (`list` of `str` or `int`): predicted label of the first member of each pair.
    predictions_b (`list` of `str` or `int`): predicted label of the second member, in the same order.
Returns:
    flip_rate (`float`): share of pairs whose two predictions differ (0 to 1).
    n_pairs (`int`): number of pairs.
Examples:
    >>> flips = evaluate.load(auditkit.evaluate_module("flip_rate"))
    >>> flips.compute(predictions_a=["pos", "neg", "pos", "pos"], predictions_b=["pos", "pos", "pos", "neg"])
    {'flip_rate': 0.5, 'n_pairs': 4}
"""


FlipRate = pair_metric(
    "flip_rate", "FlipRate", module=__name__, function=flip_rate,
    columns=("predictions_a", "predictions_b"), dtype=object, feature=datasets.Value("string"),
    description=_DESCRIPTION, inputs=_KWARGS_DESCRIPTION,
)
