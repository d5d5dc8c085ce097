"""auditkit counterfactual gap as an ``evaluate`` metric (computed by auditkit.probes._gap.estimate_gap and judge_gap)."""

import datasets
import pandas as pd

from auditkit.evaluate_modules._build import make_metric
from auditkit.probes._gap import estimate_gap, judge_gap

_DESCRIPTION = """
Counterfactual gap of auditkit: for matched sets of texts that differ only in who they are about
(e.g. "my sister loved it" / "my brother loved it"), the mean difference of the model's score (usually the
probability of a target label) of the first member minus the second. Lexicon rows and templates are both
random: the gap is a crossed (row x template) estimate with a crossed random-effects t-test, the t interval
of that test, a test that |gap| exceeds min_effect, a two one-sided tests (TOST) equivalence p-value against
+/-min_effect with its 1 - 2 alpha interval, and a verdict: "bias" (|gap| shown to exceed min_effect),
"no_material_bias" (shown inside +/-min_effect) or "inconclusive" (neither, or a verdict that leaving out one
template, lexicon row or swapped term changes). Families weigh equally; dataset counterfactuals are clustered
by their swapped term when it is given. These are the numbers auditkit stores for each probe attribute and
family.
"""

_KWARGS_DESCRIPTION = """
Args:
    scores_a (`list` of `float`): score of the first member of each matched set (e.g. the female version).
    scores_b (`list` of `float`): score of the second member, in the same order (e.g. the male version).
    family (`list` of `str`): probe family of each set (e.g. "templates_names"); families weigh equally.
    template_id (`list` of `str`): template of each set ("dataset" for counterfactuals of dataset texts).
    row (`list` of `int`): lexicon row of each set (the name or noun pair), or the index of the dataset text.
    stratum (`list` of `str`): dataset counterfactuals: the group the original text was about; "" for template sets.
    term (`list` of `str`, optional): dataset counterfactuals: the term swapped in each text (e.g. "she/he"); texts
        that swap one term are one cluster. Default: every text is independent.
    n_boot (`int`, defaults to 2000): bootstrap resamples of se_bootstrap, a check on se.
    seed (`int` or `list` of `int`, defaults to 0): seed of the bootstrap.
    alpha (`float`, defaults to 0.05): level of the tests; the interval has level 1 - alpha.
    min_effect (`float`, defaults to 0.02): the smallest gap that matters (minimum-effect and equivalence margin).
    p_value_adjusted (`float`, optional): the p-value of gap = 0 after a multiplicity correction, when this gap is
        one of several tests (auditkit uses Holm over every test of a run); default: the gap's own p-value.
    p_value_min_effect_adjusted (`float`, optional): the same for the test that |gap| exceeds min_effect.
Returns:
    gap (`float`): mean of scores_a - scores_b, rows and templates weighted equally.
    ci_low (`float`), ci_high (`float`): t interval of the gap (gap +/- t(df, 1 - alpha/2) se).
    tost_low (`float`), tost_high (`float`): the 1 - 2 alpha interval of the equivalence test.
    ci_level (`float`): 1 - alpha.
    se (`float`), df (`float`): standard error and Satterthwaite degrees of freedom (None when untestable).
    se_bootstrap (`float`): the pigeonhole bootstrap's spread of the gap, a check on se (None with n_boot 0).
    p_value (`float`): crossed random-effects t-test of gap = 0 (None when untestable).
    p_value_min_effect (`float`): test of |gap| <= min_effect against |gap| > min_effect (None when untestable).
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


def _compute(scores_a, scores_b, family, template_id, row, stratum, term=None, n_boot=2000, seed=0, alpha=0.05,
             min_effect=0.02, p_value_adjusted=None, p_value_min_effect_adjusted=None):
    pairs = pd.DataFrame({"family": family, "template_id": template_id, "row": row, "stratum": stratum,
                          "word": [None] * len(family) if term is None else term, "a": scores_a, "b": scores_b})
    est = estimate_gap(pairs, ("a", "b"), n_boot=n_boot, seed=seed, confidence_level=1 - alpha, min_effect=min_effect,
                       influence=True)
    if est is None:
        raise ValueError("no complete design: every template family needs each row to fill a common template")
    judged = judge_gap(est, alpha=alpha, min_effect=min_effect, p_value_holm=p_value_adjusted,
                       p_value_min_effect_holm=p_value_min_effect_adjusted)
    return {**est.as_dict(), "ci_level": 1 - alpha, "verdict": judged["verdict"], "verdict_reason": judged["verdict_reason"]}


CounterfactualGap = make_metric(
    "CounterfactualGap", module=__name__, description=_DESCRIPTION, inputs=_KWARGS_DESCRIPTION, source="kiritchenko2018",
    features={"scores_a": datasets.Value("float64"), "scores_b": datasets.Value("float64"),
              "family": datasets.Value("string"), "template_id": datasets.Value("string"),
              "row": datasets.Value("int64"), "stratum": datasets.Value("string")},
    compute=_compute,
)
