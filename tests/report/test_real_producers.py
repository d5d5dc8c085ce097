"""Report, compare and gate on runs of the real audit (see tests/real_runs.py): every section is read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from auditkit.cli import main
from auditkit.compare import compare_runs
from auditkit.gate import default_policy_path, evaluate_gate
from auditkit.report import render_report
from auditkit.store import read_run
from real_runs import audit_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    return audit_run(root / "seed0", seed=0), audit_run(root / "seed1", seed=1)


def test_report_reads_every_real_section(two_runs):
    run = two_runs[0]
    record = read_run(run).record
    data = json.loads(render_report(run, format="json"))
    assert list(data["bias"]["attributes"]) == record["bias"]["settings"]["attributes"] == ["gender", "race"]
    gender = data["bias"]["attributes"]["gender"]
    assert gender["gap_definition"] == "female - male"
    assert gender["worst_pairs"] == record["bias"]["gender"]["worst_pairs"]
    means = {g["group"]: g["mean"] for g in gender["group_means"]}
    assert means == record["bias"]["gender"]["group_means"]
    assert means["female"] - means["male"] == pytest.approx(gender["gap"])  # the gap is the difference of these means
    assert gender["verdict"] in ("bias", "no_material_bias", "inconclusive") and gender["verdict_reason"]
    probes = read_run(run).table("probes")
    assert gender["paired_differences"]["n"] == gender["n_pairs"] == probes[probes.attribute == "gender"].instance_id.nunique()
    assert data["attributions"]["examples"] and data["attributions"]["pairs"]
    html = render_report(run)
    assert "not measured — the audit ran" not in html
    md = render_report(run, format="md")
    assert "## Bias probes" in md and "p (Holm, gap = 0)" in md and "gap\\| &gt; min effect)" in md
    assert "Holm-adjusted interval" in md and "equivalence interval (1 - 2α)" in md


def test_compare_and_gate_on_real_runs(two_runs, capsys):
    a, b = two_runs
    cmp = compare_runs([a, b], n_boot=200)
    assert cmp.pairs[0]["paired"]
    gaps = cmp.bias[cmp.bias.run == b.name]
    assert gaps["diff_method"].str.startswith("crossed t-test of B - A").all()
    assert gaps["abs_diff_direction"].isin(["grew", "shrank"]).all() and gaps["abs_diff_p_value_holm"].notna().all()
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
