"""Report, compare and gate on runs produced by the real audit, probe and attribution code.

The synthetic fixtures follow the contract as written; this test guards
against drift between that contract and what the producers actually store
(the ``real_runs`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from auditkit.cli import main
from auditkit.compare import compare_runs
from auditkit.gate import default_policy_path, evaluate_gate
from auditkit.report import render_report


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
