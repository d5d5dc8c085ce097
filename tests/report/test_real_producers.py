"""Report, compare and gate on runs produced by the real audit, probe and attribution code.

The synthetic fixtures follow the contract as written; this test guards
against drift between that contract and what the producers actually store.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from auditkit.cli import main
from auditkit.compare import compare_runs
from auditkit.gate import default_policy_path, evaluate_gate
from auditkit.report import render_report
from auditkit.store import write_run

TESTS = Path(__file__).resolve().parents[1]
SAMPLE = TESTS.parent / "sample_data" / "reviews_test.csv"


def _tiny(seed):
    spec = importlib.util.spec_from_file_location("auditkit_test_root_conftest", TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_tiny_classifier(seed=seed)


def _audit(out, seed):
    """Assemble a run from the real producers (runner, probes, attributions) on a tiny model."""
    pytest.importorskip("captum")
    from auditkit.attribution import audit_attributions
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.probes import run_probes

    clf = _tiny(seed)
    data = load_dataset(SAMPLE, text_col="text", label_col="label", group_cols=["gender_mention"], limit=60)
    stages_off = {k: v for k, v in (("probes", ()), ("attributions", 0)) if k in AuditOptions.__dataclass_fields__}
    result = run_audit(clf, data, options=AuditOptions(n_boot=200, **stages_off), log=lambda m: None, progress=False)
    record, tables = result.record, dict(result.tables)
    # two families keep this fast; the full template suite scores ~10k sentences
    probes = run_probes(clf, texts=data.texts, n_boot=200, progress=False,
                        families=["templates_names", "dataset_counterfactual"])
    record["bias"], tables["probes"] = probes.summary, probes.table
    preds = tables["predictions"]
    probs = preds[[f"prob_{l}" for l in clf.labels]].to_numpy()
    attr = audit_attributions(clf, texts=data.texts, probabilities=probs, y_true=preds["label_id"].to_numpy(),
                              probe_table=probes.table, n=4, method="input_x_gradient", progress=False)
    record["attributions"], tables["attributions"] = attr.summary, attr.table
    return write_run(out, record, tables)


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    return _audit(root / "seed0", 0), _audit(root / "seed1", 1)


def test_report_reads_every_real_section(real_runs):
    run = real_runs[0]
    data = json.loads(render_report(run, format="json"))
    assert set(data["bias"]["attributes"]) == {"gender", "race"}
    gender = data["bias"]["attributes"]["gender"]
    assert gender["gap_definition"] == "female - male"
    assert gender["worst_pairs"] and gender["worst_pairs"][0]["text_a"]
    means = {g["group"]: g["mean"] for g in gender["group_means"]}
    assert means["female"] - means["male"] == pytest.approx(gender["gap"])  # the gap is the difference of these means
    assert gender["verdict"] in ("bias", "no_material_bias", "inconclusive") and gender["verdict_reason"]
    assert gender["paired_differences"]["n"] == gender["n_pairs"]
    assert data["attributions"]["examples"] and data["attributions"]["pairs"]
    html = render_report(run)
    assert "not measured — the audit ran" not in html
    md = render_report(run, format="md")
    assert "## Bias probes" in md and "p (Holm)" in md


def test_compare_and_gate_on_real_runs(real_runs, capsys):
    a, b = real_runs
    cmp = compare_runs([a, b], n_boot=200)
    assert cmp.pairs[0]["paired"]
    gaps = cmp.bias[cmp.bias.run == b.name]
    assert gaps["diff_method"].str.startswith("crossed pigeonhole bootstrap").all()
    # the paired change equals the difference of the two stored gaps
    ref = cmp.bias[cmp.bias.run == a.name].set_index("attribute")["gap"]
    for _, row in gaps.iterrows():
        assert row["diff"] == pytest.approx(row["gap"] - ref[row["attribute"]])
        assert row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"]
    result = evaluate_gate(b, default_policy_path(), baseline=a)
    names = [c.name for c in result.checks]
    assert "max_bias_gap[gender]" in names and "no_regression[accuracy]" in names
    assert np.isfinite([c.observed for c in result.checks if c.observed is not None]).all()
    assert main(["gate", str(b), "--policy", str(default_policy_path()), "--baseline", str(a)]) in (0, 1)
