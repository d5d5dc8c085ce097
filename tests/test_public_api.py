"""The curated public API: each subpackage's __all__ is what a user imports, and nothing internal is in it."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ("errors", "data", "models", "metrics", "probes", "attribution", "training", "audit", "store", "report",
            "compare", "gate", "export", "evaluate_modules", "distributed")
INTERNALS = {  # building blocks the issue named, and option checks: importable from their private modules only
    "probes": ("crossed_bootstrap", "TemplateComponent", "paired_frame", "check_probe_options", "GapEstimate"),
    "models": ("select_device", "map_labels", "check_thresholds", "model_section"),
    "metrics": ("resample_counts", "percentile_interval"),
    "audit": ("check_audit_options",),
    "store": ("to_jsonable", "check_output_dir"),
}


@pytest.mark.parametrize("name", PACKAGES)
def test_every_stable_name_imports(name):
    module = importlib.import_module(f"auditkit.{name}")
    assert module.__all__ and len(set(module.__all__)) == len(module.__all__)
    for attr in module.__all__:
        assert hasattr(module, attr), f"auditkit.{name}.{attr}"


@pytest.mark.parametrize("name", sorted(INTERNALS))
def test_internals_are_not_public(name):
    module = importlib.import_module(f"auditkit.{name}")
    for attr in INTERNALS[name]:
        assert attr not in module.__all__ and not hasattr(module, attr), f"auditkit.{name}.{attr} is public"


def test_internals_stay_importable_from_their_private_modules():
    from auditkit.probes._crossed import TemplateComponent, crossed_bootstrap  # noqa: F401
    from auditkit.probes._designs import paired_frame  # noqa: F401


def test_top_level_names_resolve_and_the_protocol_is_public():
    import auditkit
    from auditkit.models import Classifier, GradientClassifier

    for attr in auditkit.__all__:
        assert getattr(auditkit, attr) is not None
    assert auditkit.Classifier is Classifier
    from tiny_models import build_tiny_classifier

    tiny = build_tiny_classifier()
    assert isinstance(tiny, Classifier) and isinstance(tiny, GradientClassifier)
