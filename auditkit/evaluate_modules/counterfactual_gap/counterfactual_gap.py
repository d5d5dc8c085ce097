"""auditkit counterfactual gap as an ``evaluate`` metric (computed by auditkit.probes.estimate_gap and bias_verdict)."""

import datasets
import pandas as pd

from auditkit.evaluate_modules._build import make_metric
from auditkit.probes import bias_verdict, estimate_gap

_DESCRIPTION = """
Counterfactual gap of auditkit: for matched sets of texts that differ only in who they are about
(e.g. "my sister loved it" / "my brother loved it"), the mean difference of the model's score (usually the
probability of a target label) of the first member minus the second. Lexicon rows and templates are both
random: the gap is a crossed (row x template) estimate, its interval a pigeonhole bootstrap, its p-value a
crossed random-effects t-test, plus a two one-sided tests (TOST) equivalence p-value against +/-min_effect,
and a verdict: "bias", "no_material_bias" or "inconclusive". Families weigh equally. These are the numbers
auditkit stores for each probe attribute and family.
"""

_KWARGS_DESCRIPTION = """
Args:
    scores_a (`list` of `float`): score of the first member of each matched set (e.g. the female version).
    scores_b (`list` of `float`): score of the second member, in the same order (e.g. the male version).
    family (`list` of `str`): probe family of each set (e.g. "templates_names"); families weigh equally.
    template_id (`list` of `str`): template of each set ("dataset" for counterfactuals of dataset texts).
    row (`list` of `int`): lexicon row of each set (the name or noun pair), or the index of the dataset text.
    stratum (`list` of `str`): dataset counterfactuals: the group the original text was about; "" for template sets.
    n_boot (`int`, defaults to 2000): bootstrap resamples.
    seed (`int` or `list` of `int`, defaults to 0): seed of the bootstrap.
    alpha (`float`, defaults to 0.05): level of the tests; the interval has level 1 - alpha.
    min_effect (`float`, defaults to 0.02): the smallest gap that matters (equivalence margin).
    p_value_adjusted (`float`, optional): the p-value after a multiplicity correction, when this gap is one of
        several tests (auditkit uses Holm over every test of a run); default: the gap's own p-value.
Returns:
    gap (`float`): mean of scores_a - scores_b, rows and templates weighted equally.
    ci_low (`float`), ci_high (`float`): pigeonhole bootstrap interval of the gap.
    ci_level (`float`): 1 - alpha.
    se (`float`), df (`float`): standard error and Satterthwaite degrees of freedom (None when untestable).
    p_value (`float`): crossed random-effects t-test of gap = 0 (None when untestable).
    p_value_equivalence (`float`): TOST p-value of |gap| < min_effect (None when untestable or min_effect is 0).
    verdict (`str`): "bias", "no_material_bias" or "inconclusive".
    verdict_reason (`str`): why, in one sentence.
    n_rows (`int`), n_templates (`int`), n_pairs (`int`): size of the design.
Examples:
    >>> gap = evaluate.load(auditkit.evaluate_module("counterfactual_gap"))
    >>> gap.compute(scores_a=[0.9, 0.7, 0.8, 0.6], scores_b=[0.6, 0.5, 0.7, 0.6], family=["templates_names"] * 4,
    ...             template_id=["t1", "t2", "t1", "t2"], row=[0, 0, 1, 1], stratum=[""] * 4)["verdict"]
    'inconclusive'
"""


def _compute(scores_a, scores_b, family, template_id, row, stratum, n_boot=2000, seed=0, alpha=0.05, min_effect=0.02,
             p_value_adjusted=None):
    pairs = pd.DataFrame({"family": family, "template_id": template_id, "row": row, "stratum": stratum,
                          "a": scores_a, "b": scores_b})
    est = estimate_gap(pairs, ("a", "b"), n_boot=n_boot, seed=seed, confidence_level=1 - alpha, min_effect=min_effect)
    if est is None:
        raise ValueError("no complete design: every template family needs each row to fill a common template")
    verdict, reason = bias_verdict(
        gap=est.gap, ci_low=est.ci_low, ci_high=est.ci_high,
        p_value_holm=est.p_value if p_value_adjusted is None else p_value_adjusted,
        p_value_equivalence=est.p_value_equivalence, alpha=alpha, min_effect=min_effect, untestable=est.untestable,
    )
    return {**est.as_dict(), "ci_level": 1 - alpha, "verdict": verdict, "verdict_reason": reason}


CounterfactualGap = make_metric(
    "CounterfactualGap", module=__name__, description=_DESCRIPTION, inputs=_KWARGS_DESCRIPTION, source="kiritchenko2018",
    features={"scores_a": datasets.Value("float64"), "scores_b": datasets.Value("float64"),
              "family": datasets.Value("string"), "template_id": datasets.Value("string"),
              "row": datasets.Value("int64"), "stratum": datasets.Value("string")},
    compute=_compute,
)
