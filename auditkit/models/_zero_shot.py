"""A zero-shot classifier: an NLI model through the transformers zero-shot pipeline (``zero-shot:MODEL``).

Each text is paired with one hypothesis per candidate label
("This example is {label}."); the model's entailment score of each pair,
softmaxed over the candidates (or a sigmoid of entailment vs contradiction
per label when ``multi_label``), is the label's probability. The backbone
must be an NLI checkpoint whose labels include entailment — the embedded
MiniLM is not one.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

from auditkit.errors import ModelError
from auditkit.models._blackbox import BlackBoxClassifier, check_labels

__all__ = ["ZeroShotClassifier", "ZERO_SHOT_PREFIX", "DEFAULT_HYPOTHESIS"]

ZERO_SHOT_PREFIX = "zero-shot:"
DEFAULT_HYPOTHESIS = "This example is {}."

NO_CANDIDATES = ("a zero-shot model needs candidate labels; pass candidate_labels (--candidate-labels "
                 "negative,positive), the classes to choose between")
NOT_NLI = ("{name!r} is not an NLI model (its labels are {labels}; none is 'entailment'); zero-shot classification "
           "needs a model fine-tuned on natural language inference, such as an MNLI checkpoint")


class ZeroShotClassifier(BlackBoxClassifier):
    """An NLI checkpoint choosing between candidate labels.

    Parameters
    ----------
    nli : TextClassifier
        The loaded NLI model (see :func:`auditkit.models.load_classifier`).
    candidate_labels : sequence of str
        The classes, in the order of the probability columns.
    hypothesis_template : str, default "This example is {}."
        Must hold one ``{}``, where a label goes.
    multi_label : bool, default False
        Score each label on its own (entailment vs contradiction).
    source : str
    """

    kind = "zero-shot"

    def __init__(self, nli, *, candidate_labels: Sequence[str] | None, hypothesis_template: str | None = None,
                 multi_label: bool = False, source: str):
        if not candidate_labels:
            raise ModelError(NO_CANDIDATES, parameter="candidate_labels")
        candidate_labels = check_labels(candidate_labels, what="candidate_labels")
        template = DEFAULT_HYPOTHESIS if hypothesis_template is None else str(hypothesis_template)
        if template.count("{}") != 1 or template.replace("{}", "").count("{") or template.replace("{}", "").count("}"):
            raise ModelError(f"hypothesis_template {template!r} must hold exactly one {{}} (where the label goes) and "
                             "no other braces, e.g. 'This review is {}.'", parameter="hypothesis_template")
        names = [str(v).lower() for v in nli.labels]
        if not any(n.startswith("entail") for n in names):
            raise ModelError(NOT_NLI.format(name=nli.name, labels=", ".join(map(repr, nli.labels))))
        from transformers import pipeline

        self.nli = nli
        self.hypothesis_template = template
        self._pipeline = pipeline("zero-shot-classification", model=nli.model, tokenizer=nli.tokenizer,
                                  device=nli.device)
        super().__init__(labels=candidate_labels, multi_label=multi_label, source=source,
                         name=f"{ZERO_SHOT_PREFIX}{nli.name}")

    @property
    def where(self) -> str:
        return str(self.nli.device)

    @property
    def fingerprint(self) -> str:
        """The NLI weights' hash with the candidate labels and the template (another template is another model)."""
        if not self.nli.fingerprint:
            return ""
        digest = hashlib.sha256(self.nli.fingerprint.encode())
        digest.update("\x1f".join(self.labels + [self.hypothesis_template, str(self.multi_label)]).encode())
        return digest.hexdigest()[:16]

    def describe(self) -> dict:
        return {"zero_shot": {"hypothesis_template": self.hypothesis_template, "nli_labels": list(self.nli.labels)}}

    def _score(self, texts: list[str], *, where: str):
        import numpy as np

        # the pipeline refuses an empty text, which word perturbation makes (every word deleted): one space reads the same
        texts = [t if t else " " for t in texts]
        results = self._pipeline(texts, candidate_labels=list(self.labels), hypothesis_template=self.hypothesis_template,
                                 multi_label=self.multi_label, batch_size=len(self.labels) * len(texts))
        if isinstance(results, dict):
            results = [results]
        column = {name: k for k, name in enumerate(self.labels)}
        out = np.zeros((len(results), len(self.labels)))
        for row, result in enumerate(results):
            for label, score in zip(result["labels"], result["scores"]):
                out[row, column[label]] = score
        return out
