"""A multi-label (toxicity-style) model through train -> audit -> report -> compare -> gate -> dashboard: every
stored metric equals scikit-learn's on the stored predictions, every label is probed, compare tests each label
(McNemar, Holm across labels), the gate checks each label."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_helpers import markdown_report, pick_another_class
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support, roc_auc_score


ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "sample_data" / "toxicity" / "toxicity_train.csv"
TEST = ROOT / "sample_data" / "toxicity" / "toxicity_test.csv"
LABELS = ["toxic", "insult", "threat", "identity_attack"]


@pytest.fixture(scope="module")
def flow(trained_and_audited, tmp_path_factory):
    columns = [a for name in LABELS for a in ("--label-col", name)]  # 0/1 columns: the model's labels in column order
    thresholds = tmp_path_factory.mktemp("thresholds") / "thresholds.json"
    thresholds.write_text(json.dumps({"threat": 0.4}))
    return trained_and_audited("toxicity", ("--data", TRAIN, *columns, "--multi-label"),
                               ("--data", TEST, "--label-col", "labels", "--group-col", "identity",
                                "--threshold-file", thresholds, "--probe-n-boot", "200"))


def test_training_writes_a_multi_label_checkpoint(flow):
    config = json.loads((flow / "models" / "toxicity" / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert [config["id2label"][str(k)] for k in range(len(LABELS))] == LABELS


def test_metrics_equal_scikit_learn_and_every_label_is_probed(flow):
    truth = pd.read_csv(TEST).head(100)
    for name in ("a", "b"):
        run = flow / "runs" / name
        record = json.loads((run / "run.json").read_text())
        preds = pd.read_parquet(run / "predictions.parquet")
        m = record["metrics"]
        assert record["model"]["labels"] == LABELS and m["task"] == "multi_label"
        assert m["thresholds"] == {"toxic": 0.5, "insult": 0.5, "threat": 0.4, "identity_attack": 0.5}
        y = preds[[f"true_{k}" for k in LABELS]].to_numpy()
        p = preds[[f"prob_{k}" for k in LABELS]].to_numpy()
        d = preds[[f"pred_{k}" for k in LABELS]].to_numpy()
        np.testing.assert_array_equal(y, truth[LABELS].to_numpy())  # the label lists read as the 0/1 columns say
        np.testing.assert_array_equal(d, (p >= [0.5, 0.5, 0.4, 0.5]).astype(int))
        assert m["subset_accuracy"]["value"] == pytest.approx(accuracy_score(y, d))
        assert m["hamming_loss"]["value"] == pytest.approx(hamming_loss(y, d))
        for avg in ("micro", "macro", "samples"):
            entry = m[f"{avg}_f1"]
            assert entry["value"] == pytest.approx(f1_score(y, d, average=avg, zero_division=1.0 if avg == "samples" else 0))
            assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
        prec, rec, f1, sup = precision_recall_fscore_support(y, d, average=None, zero_division=0)
        for k, label in enumerate(LABELS):
            row = m["per_label"][label]
            assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((prec[k], rec[k], f1[k], sup[k]))
            assert row["roc_auc"] == pytest.approx(roc_auc_score(y[:, k], p[:, k]))
        for group, part in m["by_group"]["identity"].items():
            rows = (preds["identity"] == group).to_numpy()
            assert part["n"] == rows.sum()
            assert part["micro_f1"] == pytest.approx(f1_score(y[rows], d[rows], average="micro", zero_division=0))
        bias = record["bias"]
        assert list(bias["classes"]) == LABELS and bias["target_label"] is None
        head = bias["gender"]["headline_class"]
        assert bias["gender"]["gap"] == bias["classes"][head]["gender"]["gap"]
        # one Holm correction over every label x attribute x scope test (statsmodels' Holm on the raw p-values);
        # an attribute resting on one family is that family's test, counted once
        tests = []
        for label in LABELS:
            entry = bias["classes"][label]["gender"]
            scopes = [entry, *entry["families"].values()]
            scopes += [pair for scope in list(scopes) for pair in (scope.get("pairs") or {}).values()]
            tests += [sc for sc in scopes if sc is not entry or len(entry["families_combined"]) > 1]
        tested = [sc for sc in tests if sc["p_value"] is not None]
        from statsmodels.stats.multitest import multipletests
        assert [sc["p_value_holm"] for sc in tested] == pytest.approx(
            multipletests([sc["p_value"] for sc in tested], method="holm")[1].tolist())
        assert bias["settings"]["n_tests"] == len(tested) >= len(LABELS)


def test_report_compare_gate(flow, cli, tmp_path):
    runs = flow / "runs"
    text, record = markdown_report(cli, runs, tmp_path / "a.md")
    assert "## Per-label scores" in text and "### Every label" in text and "| samples_f1 |" in text
    assert "## Confusion matrix" not in text
    assert f"gender (on {record['bias']['gender']['headline_class']})" in text
    code, _, err = cli("report", runs / "a", "--out", tmp_path / "a.html")
    assert code == 0, err
    assert "Per-label scores" in (tmp_path / "a.html").read_text()

    code, out, err = cli("compare", runs / "a", runs / "b", "--format", "json")
    assert code == 0, err
    comparison = json.loads(out)
    [pair] = comparison["pairs"]
    assert pair["paired"] and set(pair["mcnemar_labels"]) == set(LABELS)
    ps = [pair["mcnemar_labels"][k]["p_value"] for k in LABELS]
    holm = [pair["mcnemar_labels"][k]["p_value_holm"] for k in LABELS]
    from statsmodels.stats.multitest import multipletests
    assert holm == pytest.approx(multipletests(ps, method="holm")[1].tolist())
    rows = {r["metric"]: r for r in comparison["metrics"] if r["run"] == "b"}
    assert all(rows[f"label_accuracy[{k}]"]["p_value"] == pytest.approx(pair["mcnemar_labels"][k]["p_value_holm"]) for k in LABELS)

    policy = tmp_path / "policy.toml"
    policy.write_text("[checks.min_label_recall]\nthreshold = 0.0\n[checks.min_accuracy]\nthreshold = 0.5\n"
                      "[checks.max_bias_gap]\nthreshold = 1.0\n[checks.no_significant_bias]\n"
                      "[checks.max_flip_rate]\nthreshold = 1.0\n")
    code, out, err = cli("gate", runs / "b", "--policy", policy, "--baseline", runs / "a")
    assert code in (0, 1), err
    assert all(f"min_label_recall[{k}]" in out and f"max_bias_gap[gender:{k}]" in out for k in LABELS), out
    assert all(f"max_flip_rate[gender:{k}]" in out for k in LABELS), out  # each label's decisions, not the headline's
    assert all(f"no_regression[label_accuracy:{k}]" in out for k in LABELS), out
    assert "skipped: min_accuracy does not apply to a multi-label run" in out


def test_dashboard_label_pickers(flow, app_page):
    from auditkit_dashboard._views import number

    record = json.loads((flow / "runs" / "a" / "run.json").read_text())
    at = app_page(flow / "runs", "a", "app_pages/model.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Micro-F1"] == number(record["metrics"]["micro_f1"]["value"])
    at.selectbox(key="ak_model_label").select("threat").run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Recall"] == number(record["metrics"]["per_label"]["threat"]["recall"])

    at.switch_page("app_pages/bias.py").run()
    assert not at.exception, [e.value for e in at.exception]
    pick_another_class(at, record, LABELS)
    for page in ("app_pages/compare.py", "app_pages/overview.py", "app_pages/explanations.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
