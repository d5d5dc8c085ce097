import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from _runs import build_run
from auditkit.cli import main
from auditkit.errors import ConfigError, RunStoreError
from auditkit.gate import CHECKS, default_policy_path, evaluate_gate, load_policy
from auditkit.store import read_run

REPO = Path(__file__).resolve().parents[2]

LENIENT = """
[checks.min_accuracy]
threshold = 0.5
on = "ci_low"
[checks.min_macro_f1]
threshold = 0.5
on = "value"
[checks.min_class_recall]
threshold = 0.5
[checks.max_bias_gap]
threshold = 0.2
[checks.max_flip_rate]
threshold = 0.2
[checks.max_identity_share]
threshold = 0.5
"""

STRICT = """
[checks.min_accuracy]
threshold = 0.95
[checks.max_bias_gap]
threshold = 0.02
on = "ci"
[checks.no_significant_bias]
"""


def _policy(tmp_path, text, name="policy.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _junit(path):
    root = ET.parse(path).getroot()
    return root.findall("./testsuite/testcase")


def test_example_policies_are_valid_and_identical():
    shipped = default_policy_path()
    assert shipped.read_text() == (REPO / "policy.example.toml").read_text()
    policy = load_policy(shipped)
    assert set(policy.checks) == set(CHECKS)


def test_pass(tmp_path, capsys):
    run = build_run(tmp_path / "run")
    junit = tmp_path / "gate.xml"
    assert main(["gate", str(run), "--policy", str(_policy(tmp_path, LENIENT)), "--junit", str(junit)]) == 0
    out = capsys.readouterr().out
    assert "gate PASSED" in out and "min_class_recall[negative]" in out
    result = evaluate_gate(run, _policy(tmp_path, LENIENT))
    cases = _junit(junit)
    assert [c.get("name") for c in cases] == [c.name for c in result.checks]
    assert not any(c.find("failure") is not None for c in cases)


def test_fail(tmp_path, capsys):
    run = build_run(tmp_path / "run", gap_gender=0.1)
    junit = tmp_path / "gate.xml"
    assert main(["gate", str(run), "--policy", str(_policy(tmp_path, STRICT)), "--junit", str(junit)]) == 1
    assert "gate FAILED" in capsys.readouterr().out
    cases = {c.get("name"): c for c in _junit(junit)}
    assert set(cases) == {"min_accuracy", "max_bias_gap[gender]", "max_bias_gap[race]",
                          "no_significant_bias[gender]", "no_significant_bias[race]"}
    assert cases["min_accuracy"].find("failure") is not None
    assert cases["max_bias_gap[gender]"].find("failure") is not None
    assert cases["no_significant_bias[gender]"].find("failure") is not None
    assert cases["no_significant_bias[race]"].find("failure") is None
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "5" and int(suite.get("failures")) >= 3
    # rerun may replace its own JUnit file
    assert main(["gate", str(run), "--policy", str(_policy(tmp_path, STRICT)), "--junit", str(junit)]) == 1


def test_require_no_material_bias_also_fails_an_inconclusive_verdict(tmp_path):
    run = read_run(build_run(tmp_path / "run", gap_gender=0.0, gap_race=0.0))
    run.record["bias"]["race"]["verdict"] = "inconclusive"
    lenient = evaluate_gate(run, {"checks": {"no_significant_bias": {}}})
    strict = evaluate_gate(run, {"checks": {"no_significant_bias": {"require": "no_material_bias"}}})
    assert lenient.passed
    assert [c.name for c in strict.failures] == ["no_significant_bias[race]"]
    assert "inconclusive" in strict.failures[0].detail


def test_equivalence_policy_on_a_run_without_minimum_effect_is_bad_input(tmp_path, capsys):
    run = build_run(tmp_path / "run")
    record = json.loads((run / "run.json").read_text())
    record["bias"]["settings"]["min_effect"] = 0.0
    (run / "run.json").write_text(json.dumps(record))
    policy = _policy(tmp_path, '[checks.no_significant_bias]\nrequire = "no_material_bias"\n')
    assert main(["gate", str(run), "--policy", str(policy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "minimum effect above 0" in err[0]


def test_ci_lower_bound_versus_point_value(tmp_path):
    run = read_run(build_run(tmp_path / "run"))
    acc = run.record["metrics"]["accuracy"]
    between = (acc["ci_low"] + acc["value"]) / 2
    on_ci = evaluate_gate(run, {"checks": {"min_accuracy": {"threshold": between, "on": "ci_low"}}})
    on_value = evaluate_gate(run, {"checks": {"min_accuracy": {"threshold": between, "on": "value"}}})
    assert not on_ci.passed and on_value.passed
    assert on_ci.checks[0].observed == acc["ci_low"]


BAD_POLICIES = {
    "malformed": ("[checks.min_accuracy\nthreshold = 0.8\n", "not valid TOML"),
    "unknown_check": ("[checks.min_accuracyy]\nthreshold = 0.8\n", "unknown check 'min_accuracyy'"),
    "unknown_option": ("[checks.min_accuracy]\ntreshold = 0.8\n", "unknown option 'treshold'"),
    "bad_value": ("[checks.min_accuracy]\nthreshold = 1.5\n", "threshold = 1.5 is invalid"),
    "bad_on": ("[checks.min_accuracy]\nthreshold = 0.8\non = 'lower'\n", "on = 'lower' is invalid"),
    "no_threshold": ("[checks.max_flip_rate]\n", "needs a threshold"),
    "no_checks": ("[gate]\nalpha = 0.05\n", "no checks"),
    "bad_alpha": ("[gate]\nalpha = 2\n[checks.no_significant_bias]\n", "alpha = 2 is invalid"),
}


@pytest.mark.parametrize("case", sorted(BAD_POLICIES))
def test_bad_policy(tmp_path, capsys, case):
    text, message = BAD_POLICIES[case]
    run = build_run(tmp_path / "run")
    policy = _policy(tmp_path, text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        load_policy(policy)
    junit = tmp_path / "gate.xml"
    assert main(["gate", str(run), "--policy", str(policy), "--junit", str(junit)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditkit: error: ") and "\n" not in err and message in err
    assert not junit.exists()


def test_missing_policy_file(tmp_path, capsys):
    run = build_run(tmp_path / "run")
    assert main(["gate", str(run), "--policy", str(tmp_path / "none.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("check,section", [("max_bias_gap", "bias"), ("no_significant_bias", "bias"),
                                           ("max_identity_share", "attributions")])
def test_missing_section_names_it(tmp_path, capsys, check, section):
    run = build_run(tmp_path / "run", with_bias=False, with_attributions=False)
    options = "" if check == "no_significant_bias" else "threshold = 0.1\n"
    assert main(["gate", str(run), "--policy", str(_policy(tmp_path, f"[checks.{check}]\n{options}"))]) == 2
    err = capsys.readouterr().err
    assert f"no {section!r} section" in err and check in err


def test_unknown_attribute_in_policy(tmp_path):
    run = build_run(tmp_path / "run")
    with pytest.raises(RunStoreError, match="no 'religion' probe"):
        evaluate_gate(run, {"checks": {"max_bias_gap": {"threshold": 0.1, "attributes": ["religion"]}}})


def test_baseline_regression(tmp_path, capsys):
    base = build_run(tmp_path / "released")
    worse = build_run(tmp_path / "candidate", seed=5, accuracy=0.65, gap_gender=0.15,
                      base_predictions=read_run(base).predictions)
    policy = _policy(tmp_path, "[checks.no_regression]\n")
    assert main(["gate", str(worse), "--policy", str(policy), "--baseline", str(base)]) == 1
    result = evaluate_gate(worse, policy, baseline=base)
    by_name = {c.name: c for c in result.checks}
    assert not by_name["no_regression[accuracy]"].passed
    assert not by_name["no_regression[macro_f1]"].passed
    assert not by_name["no_regression[bias:gender]"].passed
    assert main(["gate", str(base), "--policy", str(policy), "--baseline", str(base)]) == 0
    # without a baseline the check is skipped, not failed
    skipped = evaluate_gate(worse, policy)
    assert skipped.passed and skipped.checks[0].skipped


def test_baseline_on_other_dataset_is_bad_input(tmp_path, capsys):
    base = build_run(tmp_path / "released")
    other = build_run(tmp_path / "other", fingerprint="elsewhere")
    policy = _policy(tmp_path, "[checks.no_regression]\n")
    assert main(["gate", str(other), "--policy", str(policy), "--baseline", str(base)]) == 2
    assert "different datasets" in capsys.readouterr().err


def test_junit_refuses_foreign_file(tmp_path, capsys):
    run = build_run(tmp_path / "run")
    junit = tmp_path / "results.xml"
    junit.write_text("<mine/>")
    assert main(["gate", str(run), "--policy", str(_policy(tmp_path, LENIENT)), "--junit", str(junit)]) == 2
    assert junit.read_text() == "<mine/>"


def test_baseline_without_bias_is_bad_input_not_a_silent_pass(tmp_path, capsys):
    base = build_run(tmp_path / "released", with_bias=False)
    cand = build_run(tmp_path / "candidate", base_predictions=read_run(base).predictions)
    policy = _policy(tmp_path, "[checks.no_regression]\n")
    assert main(["gate", str(cand), "--policy", str(policy), "--baseline", str(base)]) == 2
    assert "baseline 'released' has no 'bias' section" in capsys.readouterr().err


def test_regression_metrics_without_a_paired_test_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="accuracy, macro_f1, class_recall"):
        load_policy(_policy(tmp_path, '[checks.no_regression]\nmetrics = ["macro_precision"]\n'))
