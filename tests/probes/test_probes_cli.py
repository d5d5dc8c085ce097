"""``auditkit audit`` with probes: artefacts, and each bad input a one-line error with exit 2."""

import json

import pandas as pd
import pytest

from auditkit.cli import main

ROWS = [
    ("She loved the film.", "positive", "female"),
    ("He hated the film.", "negative", "male"),
    ("My sister said it was dull.", "negative", "female"),
    ("Jack found it great fun.", "positive", "male"),
] * 10


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame(ROWS, columns=["text", "label", "gender"]).to_csv(path, index=False)
    return path


def audit(model, data, out, *extra):
    return main(["audit", "--model", str(model), "--data", str(data), "--out", str(out),
                 "--n-boot", "50", "--probe-n-boot", "200", "--attributions", "0", *extra])


def test_audit_writes_bias_section_and_probes_table(tiny_model_dir, data_csv, tmp_path):
    out = tmp_path / "run"
    assert audit(tiny_model_dir, data_csv, out, "--probes", "gender", "--group-col", "gender") == 0
    record = json.loads((out / "run.json").read_text())
    bias = record["bias"]
    assert bias["target_label"] == "positive"
    assert bias["gender"]["families"]["dataset_counterfactual"]["n_pairs"] == 4
    assert set(bias["observed_groups"]["gender"]["groups"]) == {"female", "male"}
    table = pd.read_parquet(out / "probes.parquet")
    assert {"attribute", "family", "template_id", "instance_id", "group", "text", "score", "predicted_label"} <= set(table.columns)


def test_probes_none_skips(tiny_model_dir, data_csv, tmp_path):
    out = tmp_path / "run"
    assert audit(tiny_model_dir, data_csv, out, "--probes", "none") == 0
    assert "bias" not in json.loads((out / "run.json").read_text())


def lexicon(tmp_path, **data):
    path = tmp_path / "lex.json"
    path.write_text(json.dumps({"attribute": "religion", "groups": ["muslim", "christian"], **data}))
    return str(path)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--probes", "caste"], "unknown attribute 'caste'"),
        (["--probes", "gender", "--target-label", "toxic"], "target label 'toxic' is not a label of the model"),
        (["--probes", "religion", "--lexicon", "EMPTY"], "is empty"),
        (["--probes", "religion", "--lexicon", "NOPAIRS"], "yields no matched pairs"),
    ],
)
def test_bad_probe_input_exits_2_with_one_line(tiny_model_dir, data_csv, tmp_path, capsys, args, fragment):
    args = [
        lexicon(tmp_path) if a == "EMPTY"
        else lexicon(tmp_path, terms=[{"muslim": "mosque", "christian": "church"}]) if a == "NOPAIRS"
        else a
        for a in args
    ]
    assert audit(tiny_model_dir, data_csv, tmp_path / "run", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("auditkit: error: ") and fragment in err[-1]
    assert not (tmp_path / "run").exists()


def test_observed_group_fairness_without_probes(tiny_model_dir, data_csv, tmp_path):
    out = tmp_path / "run"
    assert audit(tiny_model_dir, data_csv, out, "--probes", "none", "--group-col", "gender") == 0
    bias = json.loads((out / "run.json").read_text())["bias"]
    assert set(bias) == {"target_label", "target_label_reason", "observed_groups"}
    fairness = bias["observed_groups"]["gender"]
    assert set(fairness["groups"]) == {"female", "male"}
    assert fairness["bootstrap"]["n_boot"] == 50
    # 20 texts per group, under the default --min-group-size 30: listed, and no difference claimed
    assert fairness["demographic_parity_difference"] is None
    assert set(fairness["excluded_groups"]["demographic_parity_difference"]) == {"female", "male"}
    assert fairness["fairlearn"]["demographic_parity_difference"] is not None
    out2 = tmp_path / "run2"
    assert audit(tiny_model_dir, data_csv, out2, "--probes", "none", "--group-col", "gender", "--min-group-size", "10") == 0
    fairness = json.loads((out2 / "run.json").read_text())["bias"]["observed_groups"]["gender"]
    assert fairness["demographic_parity_difference"] == pytest.approx(fairness["fairlearn"]["demographic_parity_difference"])
    ci = fairness["intervals"]["demographic_parity_difference"]
    assert ci["ci_low"] <= fairness["demographic_parity_difference"] <= ci["ci_high"]
    # the stored run still reports and gates: probes read as not measured
    assert main(["report", str(out2), "--format", "md", "--out", str(tmp_path / "r.md")]) == 0
    assert "Observed-group fairness by gender" in (tmp_path / "r.md").read_text()
