"""Run prediction and probe scoring on a Ray cluster (``auditkit audit --engine ray``).

Layer 2b: uses :mod:`auditkit.data` and :mod:`auditkit.models` only. The
seam with the rest of auditkit is :class:`RayClassifier`, a
:class:`~auditkit.models.TextClassifier` whose ``predict_proba`` runs on a
pool of classifier replicas (Ray actors); the audit runner, the probe suite and the
attributions use it like any other classifier.
"""

from auditkit.distributed._cluster import connect
from auditkit.distributed._classifier import RayClassifier
from auditkit.distributed._reading import read_ray_dataset

__all__ = [
    "RayClassifier",
    "connect",
    "read_ray_dataset",
]
