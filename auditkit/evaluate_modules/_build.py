"""What every auditkit evaluate module shares: citations, the metric class, the pair measures, the three bias AUCs.

Only the module scripts import this (they run inside ``evaluate.load``), so
``evaluate`` and ``datasets`` are imported here at the top.
"""

from __future__ import annotations

from typing import Callable

import datasets
import evaluate
import numpy as np

from auditkit.metrics import bnsp_auc, bpsn_auc, subgroup_auc

CITATIONS = {
    "kiritchenko2018": """
@inproceedings{kiritchenko2018examining,
  title={Examining Gender and Race Bias in Two Hundred Sentiment Analysis Systems},
  author={Kiritchenko, Svetlana and Mohammad, Saif},
  booktitle={Proceedings of the Seventh Joint Conference on Lexical and Computational Semantics},
  year={2018}
}
""",
    "garg2019": """
@inproceedings{garg2019counterfactual,
  title={Counterfactual Fairness in Text Classification through Robustness},
  author={Garg, Sahaj and Perot, Vincent and Limtiaco, Nicole and Taly, Ankur and Chi, Ed H. and Beutel, Alex},
  booktitle={Proceedings of the 2019 AAAI/ACM Conference on AI, Ethics, and Society},
  year={2019}
}
""",
    "borkan2019": """
@inproceedings{borkan2019nuanced,
  title={Nuanced Metrics for Measuring Unintended Bias with Real Data for Text Classification},
  author={Borkan, Daniel and Dixon, Lucas and Sorensen, Jeffrey and Thain, Nithum and Vasserman, Lucy},
  booktitle={Companion Proceedings of The 2019 World Wide Web Conference},
  year={2019}
}
""",
}
URLS = {
    "kiritchenko2018": ["https://aclanthology.org/S18-2005/"],
    "garg2019": ["https://arxiv.org/abs/1809.10610"],
    "borkan2019": ["https://arxiv.org/abs/1903.04561"],
}


def make_metric(class_name: str, *, module: str, description: str, inputs: str, features: dict, source: str,
                compute: Callable[..., dict]) -> type:
    """An ``evaluate.Metric`` subclass whose ``_compute`` is ``compute`` (called with the inputs and options).

    Parameters
    ----------
    class_name : str
        evaluate names the module after it (``CounterfactualGap`` -> ``counterfactual_gap``).
    module : str
        ``__name__`` of the script, so the class belongs to it.
    description, inputs : str
        What the module measures; its arguments and outputs (``Args:`` / ``Returns:``).
    features : dict
        Input name -> ``datasets`` feature.
    source : str
        Key of :data:`CITATIONS` and :data:`URLS`.
    compute : callable
    """

    def _info(self):
        return evaluate.MetricInfo(
            module_type="metric", description=description, citation=CITATIONS[source], inputs_description=inputs,
            features=datasets.Features(features), reference_urls=URLS[source],
        )

    def _compute(self, **kwargs):
        return compute(**kwargs)

    return type(class_name, (evaluate.Metric,),
                {"__module__": module, "__doc__": description + inputs, "_info": _info, "_compute": _compute})


def pair_metric(name: str, class_name: str, *, module: str, function: Callable, columns: tuple[str, str], dtype: type,
                feature: datasets.Value, description: str, inputs: str) -> type:
    """The evaluate metric of a measure over counterfactual pairs (Garg et al. 2019).

    ``function`` gets the pairs as one array, the ``columns`` inputs (first and second member of each pair, as
    ``dtype``) side by side; the module returns its value as ``name`` and the number of pairs as ``n_pairs``.
    """
    first, second = columns

    def compute(**kwargs):
        pairs = np.column_stack([np.asarray(kwargs[first], dtype=dtype), np.asarray(kwargs[second], dtype=dtype)])
        return {name: function(pairs), "n_pairs": int(len(pairs))}

    return make_metric(class_name, module=module, description=description, inputs=inputs,
                       features={first: feature, second: feature}, source="garg2019", compute=compute)


_AUCS = {
    "subgroup_auc": (subgroup_auc, "ROC-AUC restricted to the examples of the subgroup (those that mention the "
                                   "identity). Low when the model separates positives from negatives poorly within "
                                   "the subgroup."),
    "bpsn_auc": (bpsn_auc, "Background-positive, subgroup-negative AUC: ROC-AUC over the subgroup's negative examples "
                           "and the background's positive ones. Low when innocuous examples that mention the identity "
                           "score as high as positive examples that do not (false positives driven by the identity)."),
    "bnsp_auc": (bnsp_auc, "Background-negative, subgroup-positive AUC: ROC-AUC over the subgroup's positive examples "
                           "and the background's negative ones. Low when positive examples that mention the identity "
                           "score as low as negative examples that do not (missed positives driven by the identity)."),
}


def auc_metric(name: str, class_name: str, *, module: str) -> type:
    """The evaluate metric of one of the bias AUCs of :mod:`auditkit.metrics._bias_auc`."""
    function, what = _AUCS[name]
    description = (f"\n{what}\nOne of the nuanced bias metrics of Borkan et al. (2019), used by the Jigsaw Unintended "
                   "Bias in Toxicity Classification benchmark; auditkit computes it with scikit-learn's roc_auc_score "
                   "on the selected rows.\n")
    inputs = f"""
Args:
    predictions (`list` of `float`): the model's score of the positive label for each example.
    references (`list` of `int`): true label of each example.
    subgroup (`list` of `bool`): whether each example belongs to (mentions) the subgroup.
    pos_label (`int`, defaults to 1): the positive label.
Returns:
    {name} (`float` or `None`): the AUC; None when one side of the pairing has no examples.
    n_subgroup (`int`): examples in the subgroup.
Examples:
    >>> auc = evaluate.load(auditkit.evaluate_module("{name}"))
    >>> auc.compute(predictions=[0.1, 0.9, 0.8, 0.2], references=[0, 1, 0, 1], subgroup=[True, True, False, False])
"""

    def compute(predictions, references, subgroup, pos_label=1):
        value = function(references, predictions, subgroup=subgroup, pos_label=pos_label)
        return {name: value, "n_subgroup": int(sum(bool(s) for s in subgroup))}

    features = {"predictions": datasets.Value("float64"), "references": datasets.Value("int64"),
                "subgroup": datasets.Value("bool")}
    return make_metric(class_name, module=module, description=description, inputs=inputs, features=features,
                       source="borkan2019", compute=compute)
