"""Runs assembled by the real producers (runner, probes, attributions) on tiny models (importable as ``real_runs``).

The synthetic fixtures of tests/report follow the contract as written; these
runs guard against drift between that contract and what the producers store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tiny_models import build_tiny_classifier

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "reviews_test.csv"


def audit_run(out, seed: int, *, limit: int = 60, n_boot: int = 200):
    """Assemble and store a run from the real producers on a tiny model; return the Run."""
    pytest.importorskip("captum")
    from auditkit.attribution import audit_attributions
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.probes import run_probes
    from auditkit.store import write_run

    clf = build_tiny_classifier(seed=seed)
    data = load_dataset(SAMPLE, text_col="text", label_col="label", group_cols=["gender_mention"], limit=limit)
    result = run_audit(clf, data, options=AuditOptions(n_boot=n_boot, probes=(), attributions=0), log=lambda m: None,
                       progress=False)
    record, tables = result.record, dict(result.tables)
    # two families keep this fast; the full template suite scores ~10k sentences
    probes = run_probes(clf, texts=data.texts, n_boot=n_boot, progress=False,
                        families=["templates_names", "dataset_counterfactual"])
    record["bias"], tables["probes"] = probes.summary, probes.table
    preds = tables["predictions"]
    probs = preds[[f"prob_{l}" for l in clf.labels]].to_numpy()
    attr = audit_attributions(clf, texts=data.texts, probabilities=probs, y_true=preds["label_id"].to_numpy(),
                              probe_table=probes.table, n=4, method="input_x_gradient", progress=False)
    record["attributions"], tables["attributions"] = attr.summary, attr.table
    return write_run(out, record, tables)
