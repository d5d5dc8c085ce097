"""A multi-label (toxicity) model through train -> audit -> report -> compare -> gate -> dashboard,
every stored number checked against scikit-learn on the stored predictions."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support, roc_auc_score

from auditkit.cli import main
from auditkit.compare import compare_runs

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "sample_data" / "toxicity" / "toxicity_train.csv"
TEST = ROOT / "sample_data" / "toxicity" / "toxicity_test.csv"
LABELS = ["toxic", "insult", "threat", "identity_attack"]


def label_cols():
    return [a for name in LABELS for a in ("--label-col", name)]


@pytest.fixture(scope="module")
def flow(tmp_path_factory, tiny_base):
    """Train once; audit twice (label-list column at 0.5; 0/1 columns with a lower toxic threshold)."""
    root = tmp_path_factory.mktemp("multilabel")
    base = tiny_base
    model = root / "models" / "tox"
    assert main([str(a) for a in ("train", "--data", TRAIN, *label_cols(), "--multi-label", "--base", base, "--epochs", "1",
                                  "--batch-size", "16", "--limit", "160", "--learning-rate", "1e-3", "--out", model)]) == 0
    (root / "thresholds.json").write_text(json.dumps({"toxic": 0.3}))
    common = ("--group-col", "identity", "--limit", "150", "--n-boot", "100", "--probes", "gender", "--attributions", "2")
    assert main([str(a) for a in ("audit", "--model", model, "--data", TEST, "--label-col", "labels", *common,
                                  "--out", root / "runs" / "a")]) == 0
    assert main([str(a) for a in ("audit", "--model", model, "--data", TEST, *label_cols(), *common,
                                  "--threshold-file", root / "thresholds.json", "--out", root / "runs" / "b")]) == 0
    return root


def stored(run: Path):
    record = json.loads((run / "run.json").read_text())
    preds = pd.read_parquet(run / "predictions.parquet")
    y = preds[[f"true_{n}" for n in LABELS]].to_numpy()
    p = preds[[f"pred_{n}" for n in LABELS]].to_numpy()
    proba = preds[[f"prob_{n}" for n in LABELS]].to_numpy()
    return record, preds, y, p, proba


def test_training_writes_a_multi_label_checkpoint(flow):
    config = json.loads((flow / "models" / "tox" / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert [config["id2label"][str(i)] for i in range(4)] == LABELS
    record = json.loads((flow / "models" / "tox" / "training.json").read_text())
    assert record["multi_label"] is True
    expected = pd.read_csv(TRAIN).head(160)[LABELS].sum()
    assert record["data"]["label_counts"] == {n: int(expected[n]) for n in LABELS}


def test_stored_metrics_equal_scikit_learn(flow):
    for name, thresholds in (("a", [0.5] * 4), ("b", [0.3, 0.5, 0.5, 0.5])):
        record, preds, y, p, proba = stored(flow / "runs" / name)
        m = record["metrics"]
        assert record["model"]["multi_label"] is True
        np.testing.assert_array_equal(p, (proba >= thresholds).astype(int))
        truth = pd.read_csv(TEST).head(150)
        np.testing.assert_array_equal(y, truth[LABELS].to_numpy())
        assert m["subset_accuracy"]["value"] == pytest.approx(accuracy_score(y, p))
        assert m["hamming_loss"]["value"] == pytest.approx(hamming_loss(y, p))
        for avg in ("micro", "macro", "samples"):
            assert m[f"{avg}_f1"]["value"] == pytest.approx(f1_score(y, p, average=avg, zero_division=0))
            assert m[f"{avg}_f1"]["ci_low"] <= m[f"{avg}_f1"]["value"] <= m[f"{avg}_f1"]["ci_high"]
        prec, rec, f1, sup = precision_recall_fscore_support(y, p, average=None, zero_division=0)
        for j, label in enumerate(LABELS):
            row = m["per_label"][label]
            assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((prec[j], rec[j], f1[j], sup[j]))
            assert row["roc_auc"] == pytest.approx(roc_auc_score(y[:, j], proba[:, j]))
            assert row["threshold"] == thresholds[j]


def test_jigsaw_aucs_equal_a_direct_computation(flow):
    record, preds, y, _, proba = stored(flow / "runs" / "a")
    j = LABELS.index("toxic")
    entry = record["bias"]["bias_auc"]["toxic"]["identity"]
    female = (preds["identity"] == "female").to_numpy()
    yt, s = y[:, j], proba[:, j]
    got = entry["groups"]["female"]
    assert got["subgroup_auc"] == pytest.approx(roc_auc_score(yt[female], s[female]))
    bpsn = (female & (yt == 0)) | (~female & (yt == 1))
    assert got["bpsn_auc"] == pytest.approx(roc_auc_score(yt[bpsn], s[bpsn]))
    bnsp = (female & (yt == 1)) | (~female & (yt == 0))
    assert got["bnsp_auc"] == pytest.approx(roc_auc_score(yt[bnsp], s[bnsp]))
    values = np.array([g["bpsn_auc"] for g in entry["groups"].values()])
    assert entry["power_mean"]["bpsn_auc"] == pytest.approx(np.mean(values ** -5) ** (-1 / 5))


def test_probes_score_each_label_with_its_sigmoid(flow):
    record = json.loads((flow / "runs" / "a" / "run.json").read_text())
    bias = record["bias"]
    assert set(bias["classes"]) == set(LABELS)
    head = bias["gender"]
    assert head["class"] in LABELS
    gaps = {c: abs(bias["classes"][c]["gender"]["gap"]) for c in LABELS}
    if head["headline_reason"].startswith("largest |gap|;"):  # no finding: the largest gap heads
        assert gaps[head["class"]] == max(gaps.values())
    probes = pd.read_parquet(flow / "runs" / "a" / "probes.parquet")
    assert set(probes["target_label"]) == set(LABELS)
    # a label's flip is a change of its thresholded decision
    assert set(probes[probes["target_label"] == "toxic"]["predicted_label"]) <= {"toxic", "not toxic"}


def test_report_compare_gate(flow, cli, tmp_path):
    runs = flow / "runs"
    code, _, err = cli("report", runs / "a", "--format", "md", "--out", tmp_path / "a.md")
    assert code == 0, err
    text = (tmp_path / "a.md").read_text()
    assert "## Per-label scores" in text and "BPSN AUC" in text and "subset_accuracy" in text
    code, _, err = cli("report", runs / "a", "--out", tmp_path / "a.html")
    assert code == 0, err

    code, out, err = cli("compare", runs / "a", runs / "b")
    assert code == 0, err
    assert "subset accuracy" in out and "McNemar" in out
    cmp = compare_runs([runs / "a", runs / "b"], n_boot=200)
    assert cmp.pairs[0]["paired"]  # the list column and the 0/1 columns hold the same labels
    _, _, y, pa, _ = stored(runs / "a")
    _, _, _, pb, _ = stored(runs / "b")
    raw = []
    for j in range(4):
        a_ok, b_ok = pa[:, j] == y[:, j], pb[:, j] == y[:, j]
        b, c = int((a_ok & ~b_ok).sum()), int((~a_ok & b_ok).sum())
        raw.append(1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5).pvalue)
    order = np.argsort(raw)
    holm = np.minimum(np.maximum.accumulate([(4 - i) * raw[k] for i, k in enumerate(order)]), 1)
    expected = dict(zip((LABELS[k] for k in order), holm))
    rows = cmp.metrics[cmp.metrics["metric"].str.startswith("label_accuracy[")].set_index("metric")
    for label in LABELS:
        assert rows.loc[f"label_accuracy[{label}]", "p_value"] == pytest.approx(expected[label])

    record, *_ = stored(runs / "b")
    recall = record["metrics"]["per_label"]
    threshold = sorted(r["recall"] for r in recall.values())[1]  # between the two lowest: exactly one label fails
    policy = tmp_path / "policy.toml"
    policy.write_text(f"[checks.min_label_recall]\nthreshold = {threshold}\n")
    code, out, err = cli("gate", runs / "b", "--policy", policy)
    failing = [label for label, r in recall.items() if r["recall"] < threshold]
    assert code == (1 if failing else 0), out + err
    for label in LABELS:
        assert f"min_label_recall[{label}]" in out
    policy.write_text("[checks.min_class_recall]\nthreshold = 0.99\n")  # a single-label check: skipped, not failed
    code, out, err = cli("gate", runs / "b", "--policy", policy)
    assert code == 0 and "skip" in out and "min_label_recall checks it" in out


def test_dashboard_label_picker(flow, app_page):
    from dashboard._views import number

    record = json.loads((flow / "runs" / "b" / "run.json").read_text())
    at = app_page(flow / "runs", "b", "app_pages/model.py")
    at.selectbox(key="ak_model_label").select("threat").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["recall"] == number(record["metrics"]["per_label"]["threat"]["recall"])
    assert shown["Subset accuracy"] == number(record["metrics"]["subset_accuracy"]["value"])
    at.switch_page("app_pages/bias.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="ak_bias_class").select("insult").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Gap"] == number(record["bias"]["classes"]["insult"]["gender"]["gap"], signed=True)
