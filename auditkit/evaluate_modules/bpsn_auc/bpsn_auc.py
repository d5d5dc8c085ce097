"""auditkit bpsn auc as an ``evaluate`` metric (computed by auditkit.metrics.bpsn_auc)."""

import datasets
import evaluate

from auditkit.metrics import bpsn_auc

_DESCRIPTION = """
Background-positive, subgroup-negative AUC: ROC-AUC over the subgroup's negative examples and the background's positive ones. Low when the model scores innocuous examples that mention the identity as high as positive examples that do not (false positives driven by the identity).
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
    bpsn_auc (`float` or `None`): the AUC; None when one side of the pairing has no examples.
    n_subgroup (`int`): examples in the subgroup.
Examples:
    >>> auc = evaluate.load(auditkit.evaluate_module("bpsn_auc"))
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
class BpsnAuc(evaluate.Metric):
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
        value = bpsn_auc(references, predictions, subgroup=subgroup, pos_label=pos_label)
        return {"bpsn_auc": value, "n_subgroup": int(sum(bool(s) for s in subgroup))}
