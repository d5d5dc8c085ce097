"""What the audit engine needs from a model: the :class:`Classifier` protocol.

The runner, the probes, the attribution stage and the Ray engine depend on
this contract, not on a concrete class, so a served endpoint, a scikit-learn
pipeline, a zero-shot NLI model or an ONNX export is audited exactly as a
checkpoint loaded with PyTorch. A model kind is a class that satisfies it
(see :mod:`auditkit.models._kinds` for how ``--model`` picks one).

Gradient attributions need more: a local, differentiable model with its
tokenizer (:class:`GradientClassifier`). A classifier says whether it is one
with ``supports_gradients``; the others are explained by perturbing words.
"""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from auditkit.models._classifier import Predictions

__all__ = ["Classifier", "GradientClassifier", "model_section"]

@runtime_checkable
class Classifier(Protocol):
    """A text classifier the audit can run.

    Attributes
    ----------
    labels : list of str
        Class (or label) names in the order of the probability columns.
    kind : str
        Recorded as ``model.kind``: transformers, endpoint, python, skops, zero-shot or onnx (one
        :class:`~auditkit.models.ModelKind` each, in ``auditkit.models.MODEL_KINDS``).
    multi_label : bool
        Whether each label is scored on its own (a sigmoid each) rather than
        one softmax over classes whose probabilities sum to 1.
    name, source : str
        A short name, and where the model came from (path, Hub id or URL
        without credentials).
    fingerprint : str
        What identifies the model's behaviour: a hash of its files, or for
        an endpoint a hash of its outputs on a fixed probe set.
    where : str
        Where predictions run, in words.
    max_length : int or None
        Tokens per input when auditkit tokenizes (None: the model's own business).
    precision : str or None
        ``--precision`` of a PyTorch model; None when auditkit does not set it.
    supports_gradients : bool
        Whether gradient attributions can run (then it is a :class:`GradientClassifier`).
    """

    labels: list[str]
    kind: str
    multi_label: bool
    name: str
    source: str
    fingerprint: str
    where: str
    max_length: int | None
    precision: str | None
    supports_gradients: bool

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool | None = None,
                      first_row: int = 0) -> Predictions:
        """Probabilities of ``texts``, one row per text in input order, one column per label.

        ``first_row`` is the row number of ``texts[0]`` in the caller's data, so that a failure names the
        batch's rows as the user counts them (a caller predicting in chunks passes it).
        """

    def describe(self) -> dict:
        """Kind-specific facts for the run record (``model.endpoint`` of an endpoint); empty for most kinds."""


@runtime_checkable
class GradientClassifier(Classifier, Protocol):
    """A local PyTorch classifier whose probabilities can be differentiated through its input embeddings."""

    model: object
    tokenizer: object
    device: object
    pad_id: int
    pads_left: bool

    def pad(self, rows: Sequence[Sequence[int]]):
        """Token id rows padded to the longest: ``(input_ids, attention_mask)`` tensors."""

    def unpad(self, values, length: int):
        """The ``length`` real positions of one padded row."""

    def probabilities(self, input_ids, attention_mask):
        """Class probabilities (a tensor, differentiable) for padded id rows."""


def model_section(classifier: Classifier) -> dict:
    """The run record's ``model`` section for ``classifier`` (``auditkit.store.schema.Model``)."""
    return {
        "name": classifier.name,
        "kind": classifier.kind,
        "source": classifier.source,
        "fingerprint": classifier.fingerprint,
        "labels": list(classifier.labels),
        "max_length": classifier.max_length,
        "precision": classifier.precision,
        "engine": classifier.where,
        **classifier.describe(),
    }
