"""The demo's promise, kept by running the demo's own commands: the baseline is caught on gender, the
augmented model's gender gap is shown negligible and shrank.

`make demo` fine-tunes the embedded MiniLM twice on sample_data/reviews_train.csv (once plainly, once
with counterfactual augmentation), audits both on reviews_test.csv and gates them with
policy.example.toml. The README promises the baseline is caught by the bias checks on gender (its gap
differs from 0 and reaches the minimum effect: bias, or inconclusive where it is not shown to exceed it, which
the example policy blocks too), and that the augmented model clears every check, also against the baseline,
except race, whose identity-terms and names families it leaves inconclusive (blocked too, and named). This test runs
the same commands with the Makefile's own settings (a few minutes on 2 cores), so a change that breaks
the promise fails here.
"""

import json
import re
from pathlib import Path

import pytest

from auditkit.cli import main
from auditkit.gate import evaluate_gate

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _make_setting(name: str) -> str:
    match = re.search(rf"^{name}\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert match, f"Makefile has no {name} ?= setting"
    return match.group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    epochs, lr = _make_setting("EPOCHS"), _make_setting("LR")
    train, test = str(ROOT / "sample_data" / "reviews_train.csv"), str(ROOT / "sample_data" / "reviews_test.csv")
    for name, extra in (("baseline", []), ("augmented", ["--augment", "counterfactual"])):
        assert main(["train", "--data", train, "--base", "minilm", "--epochs", epochs, "--learning-rate", lr,
                     *extra, "--out", str(out / "models" / name)]) == 0
        assert main(["audit", "--model", str(out / "models" / name), "--data", test, "--group-col", "gender_mention",
                     "--out", str(out / "runs" / name)]) == 0
    return out


def _gate(demo, name, baseline=None):
    """The CLI's exit code, and the checks as the Python API reports them."""
    run, policy = demo / "runs" / name, ROOT / "policy.example.toml"
    extra = ["--baseline", str(baseline)] if baseline else []
    code = main(["gate", str(run), "--policy", str(policy), *extra])
    return code, evaluate_gate(run, policy, baseline=baseline).to_dict()


def test_baseline_is_caught_by_the_bias_checks(demo):
    code, result = _gate(demo, "baseline")
    assert code == 1
    failed = {c["name"] for c in result["checks"] if not c["passed"] and not c.get("skipped")}
    assert "no_significant_bias[gender]" in failed, result["checks"]
    # caught for bias, not for quality: every failing check is a bias check
    assert all(name.startswith(("no_significant_bias", "max_bias_gap", "max_flip_rate", "max_identity_share")) for name in failed), failed
    gender = json.loads((demo / "runs" / "baseline" / "run.json").read_text())["bias"]["gender"]
    # a gap that differs from 0 and reaches the minimum effect, not shown to exceed it: inconclusive, never a pass
    assert gender["verdict"] in ("bias", "inconclusive") and gender["p_value_holm"] < 0.05
    assert abs(gender["gap"]) >= 0.02 and gender["ci_high"] < 0


def test_augmented_clears_gender_and_every_other_check_but_its_underpowered_race_family(demo):
    code, result = _gate(demo, "augmented", baseline=demo / "runs" / "baseline")
    checks = {c["name"]: c for c in result["checks"]}
    blocking = {name for name, c in checks.items() if not c["passed"]}
    assert blocking <= {"no_significant_bias[race]"} and all(checks[n]["status"] == "inconclusive" for n in blocking)
    assert code == (1 if blocking else 0)
    assert checks["no_regression[bias:gender]"]["passed"] and "shrank" in checks["no_regression[bias:gender]"]["detail"]
    run = json.loads((demo / "runs" / "augmented" / "run.json").read_text())
    assert run["bias"]["gender"]["verdict"] == "no_material_bias"
    if blocking:  # the reason names the family that holds the attribute back
        assert "family templates_" in run["bias"]["race"]["verdict_reason"]
    training = json.loads((demo / "models" / "augmented" / "training.json").read_text())
    assert training["hyperparameters"]["augment"] == "counterfactual" and training["data"]["n_augmented"] > 0


def test_a_tfidf_baseline_is_compared_with_the_demo_baseline_and_gated(demo):
    """The demo's TF-IDF + LR run (the Makefile's own commands): paired with the fine-tuned baseline — McNemar on
    accuracy, the bias change — and gated against it, so the Compare page shows what the transformer buys."""
    import subprocess
    import sys

    from auditkit.compare import compare_runs

    model = demo / "models" / "tfidf-lr.skops"
    subprocess.run([sys.executable, str(ROOT / "examples" / "tfidf_lr.py"), "--data",
                    str(ROOT / "sample_data" / "reviews_train.csv"), "--out", str(model)], check=True)
    assert main(["audit", "--model", str(model), "--data", str(ROOT / "sample_data" / "reviews_test.csv"),
                 "--group-col", "gender_mention", "--out", str(demo / "runs" / "tfidf-lr")]) == 0
    run = json.loads((demo / "runs" / "tfidf-lr" / "run.json").read_text())
    assert run["model"]["kind"] == "skops" and run["attributions"]["approach"] == "perturbation"
    comparison = compare_runs([demo / "runs" / "baseline", demo / "runs" / "tfidf-lr"]).to_dict()
    [pair] = comparison["pairs"]
    assert pair["paired"] and 0 <= pair["mcnemar"]["p_value"] <= 1
    assert {r["attribute"] for r in comparison["bias"] if r["run"] == "tfidf-lr" and r["diff"] is not None} >= {"gender"}
    code, result = _gate(demo, "tfidf-lr", baseline=demo / "runs" / "baseline")
    assert code in (0, 1) and any(c["name"].startswith("no_regression") for c in result["checks"])
