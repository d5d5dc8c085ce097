"""auditkit counterfactual gap as an ``evaluate`` metric (computed by auditkit.probes.paired_gap_test)."""

import datasets
import evaluate

from auditkit.probes import paired_gap_test

_DESCRIPTION = """
Counterfactual gap of auditkit: for matched pairs of texts that differ only in who they are about
(e.g. "my sister loved it" / "my brother loved it"), the mean paired difference of the model's score
(usually the probability of a target label) of the first member minus the second, with a seeded
percentile bootstrap interval over the pairs, a paired t-test and a Wilcoxon signed-rank test.
The numbers are those auditkit stores for each probe attribute and family (before the run-wide
Holm correction, which needs every test of the run).
"""

_KWARGS_DESCRIPTION = """
Args:
    scores_a (`list` of `float`): score of the first member of each pair (e.g. the female version).
    scores_b (`list` of `float`): score of the second member, in the same order (e.g. the male version).
    n_boot (`int`, defaults to 1000): bootstrap resamples of the pairs.
    seed (`int` or `list` of `int`, defaults to 0): seed of the bootstrap.
    confidence_level (`float`, defaults to 0.95): level of the interval.
Returns:
    gap (`float`): mean of scores_a - scores_b.
    ci_low (`float`), ci_high (`float`): bootstrap interval of the gap.
    ci_level (`float`): the confidence level used.
    p_value (`float`): paired t-test (two-sided), 1.0 when every difference is zero.
    p_value_wilcoxon (`float`): Wilcoxon signed-rank test.
    n_pairs (`int`): number of pairs.
Examples:
    >>> gap = evaluate.load(auditkit.evaluate_module("counterfactual_gap"))
    >>> gap.compute(scores_a=[0.9, 0.7, 0.8, 0.6], scores_b=[0.6, 0.5, 0.7, 0.6], n_boot=200)["gap"]
    0.15
"""

_CITATION = """
@inproceedings{kiritchenko2018examining,
  title={Examining Gender and Race Bias in Two Hundred Sentiment Analysis Systems},
  author={Kiritchenko, Svetlana and Mohammad, Saif},
  booktitle={Proceedings of the Seventh Joint Conference on Lexical and Computational Semantics},
  year={2018}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CounterfactualGap(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            module_type="metric",
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"scores_a": datasets.Value("float64"), "scores_b": datasets.Value("float64")}),
            reference_urls=["https://aclanthology.org/S18-2005/"],
        )

    def _compute(self, scores_a, scores_b, n_boot=1000, seed=0, confidence_level=0.95):
        result = paired_gap_test(scores_a, scores_b, n_boot=n_boot, seed=seed, confidence_level=confidence_level)
        return {**result, "ci_level": confidence_level}
