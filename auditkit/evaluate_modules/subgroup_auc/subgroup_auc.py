"""auditkit subgroup auc as an ``evaluate`` metric (computed by auditkit.metrics.subgroup_auc)."""

import datasets
import evaluate

from auditkit.metrics import subgroup_auc

_DESCRIPTION = """
ROC-AUC restricted to the examples of the subgroup (those that mention the identity). Low when the model separates positives from negatives poorly within the subgroup.
One of the nuanced bias metrics of Borkan et al. (2019), used by the Jigsaw Unintended Bias in Toxicity
Classification benchmark; auditkit computes it with scikit-learn's roc_auc_score on the selected rows.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `float`): the model's score of the positive label for each example.
    references (`list` of `int`): true label of each example (1 = positive).
    subgroup (`list` of `bool`): whether each example belongs to (mentions) the subgroup.
    pos_label (`int`, defaults to 1): the positive label.
Returns:
    subgroup_auc (`float` or `None`): the AUC; None when one side of the pairing has no examples.
    n_subgroup (`int`): examples in the subgroup.
Examples:
    >>> auc = evaluate.load(auditkit.evaluate_module("subgroup_auc"))
    >>> auc.compute(predictions=[0.1, 0.9, 0.8, 0.2], references=[0, 1, 0, 1], subgroup=[True, True, False, False])
"""

_CITATION = """
@inproceedings{borkan2019nuanced,
  title={Nuanced Metrics for Measuring Unintended Bias with Real Data for Text Classification},
  author={Borkan, Daniel and Dixon, Lucas and Sorensen, Jeffrey and Thain, Nithum and Vasserman, Lucy},
  booktitle={Companion Proceedings of The 2019 World Wide Web Conference},
  year={2019}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SubgroupAuc(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            module_type="metric",
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({
                "predictions": datasets.Value("float64"),
                "references": datasets.Value("int64"),
                "subgroup": datasets.Value("bool"),
            }),
            reference_urls=["https://arxiv.org/abs/1903.04561"],
        )

    def _compute(self, predictions, references, subgroup, pos_label=1):
        value = subgroup_auc(references, predictions, subgroup=subgroup, pos_label=pos_label)
        return {"subgroup_auc": value, "n_subgroup": int(sum(bool(s) for s in subgroup))}
