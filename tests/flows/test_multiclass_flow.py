"""A 4-class (emotion) model through train -> audit -> report -> compare -> gate -> dashboard: every
class is probed (no --target-label needed), every stored metric equals scikit-learn's."""

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support, roc_auc_score

from auditkit import load_classifier
from auditkit.cli import main
from flow_helpers import markdown_report, pick_another_class

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "sample_data" / "emotion" / "emotion_train.csv"
TEST = ROOT / "sample_data" / "emotion" / "emotion_test.csv"
EMOTIONS = ["anger", "fear", "joy", "sadness"]


@pytest.fixture(scope="module")
def flow(trained_and_audited):
    return trained_and_audited("emotion", ("--data", TRAIN), ("--data", TEST, "--group-col", "gender_mention"))


def test_metrics_equal_scikit_learn_and_every_class_is_probed(flow):
    for name in ("a", "b"):
        run = flow / "runs" / name
        record = json.loads((run / "run.json").read_text())
        preds = pd.read_parquet(run / "predictions.parquet")
        m = record["metrics"]
        assert record["model"]["labels"] == EMOTIONS
        y, p = preds["label"], preds["predicted"]
        assert m["accuracy"]["value"] == pytest.approx(accuracy_score(y, p))
        assert m["macro_f1"]["value"] == pytest.approx(f1_score(y, p, average="macro", labels=sorted(set(y) | set(p)), zero_division=0))
        prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=EMOTIONS, average=None, zero_division=0)
        for j, c in enumerate(EMOTIONS):
            assert (m["per_class"][c]["recall"], m["per_class"][c]["support"]) == pytest.approx((rec[j], sup[j]))
        assert m["confusion_matrix"]["matrix"] == confusion_matrix(y, p, labels=EMOTIONS).tolist()
        proba = preds[[f"prob_{c}" for c in EMOTIONS]].to_numpy()
        assert m["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", labels=EMOTIONS))
        bias = record["bias"]
        assert list(bias["classes"]) == EMOTIONS == bias["settings"]["classes"]
        assert bias["target_label"] is None and bias["gender"]["headline_class"] in EMOTIONS
        head = bias["gender"]["headline_class"]
        assert bias["gender"]["gap"] == bias["classes"][head]["gender"]["gap"]
        # a flip is a change of the predicted class (argmax), the same for every class
        flips = {bias["classes"][c]["gender"]["flip_rate"] for c in EMOTIONS}
        assert len(flips) == 1
        # probes.parquet scores the headline class: each stored score is the model's probability of that class
        probes = pd.read_parquet(run / "probes.parquet").query("attribute == 'gender'").head(40)
        model = load_classifier(flow / "models" / "emotion", device="cpu", max_length=8 if name == "b" else None)
        expected = model.predict_proba(probes["text"].tolist()).probabilities[:, EMOTIONS.index(head)]
        assert probes["score"].to_numpy() == pytest.approx(expected, abs=1e-5)


def test_report_compare_gate(flow, cli, tmp_path):
    runs = flow / "runs"
    text, record = markdown_report(cli, runs, tmp_path / "a.md")
    assert "### Every class" in text and f"gender (on {record['bias']['gender']['headline_class']})" in text
    code, _, err = cli("report", runs / "a", "--out", tmp_path / "a.html")
    assert code == 0, err

    code, out, err = cli("compare", runs / "a", runs / "b")
    assert code == 0, err
    assert "McNemar" in out and "gender" in out

    policy = tmp_path / "policy.toml"
    policy.write_text("[checks.min_class_recall]\nthreshold = 0.0\n[checks.max_bias_gap]\nthreshold = 1.0\n")
    code, out, err = cli("gate", runs / "b", "--policy", policy, "--baseline", runs / "a")
    assert "no_regression[accuracy]" in out and "min_class_recall[joy]" in out
    # per-class runs: the bias checks run for every class x attribute
    assert all(f"max_bias_gap[gender:{c}]" in out for c in EMOTIONS), out
    assert code in (0, 1), err


def test_dashboard_class_picker(flow, app_page):
    from auditkit_dashboard._views import number

    record = json.loads((flow / "runs" / "a" / "run.json").read_text())
    at = app_page(flow / "runs", "a", "app_pages/bias.py")
    head = record["bias"]["gender"]
    assert {m.label: m.value for m in at.metric}["Gap"] == number(head["gap"], signed=True)
    pick_another_class(at, record, EMOTIONS)
    for page in ("app_pages/model.py", "app_pages/compare.py", "app_pages/overview.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]


def test_compare_pairs_the_gaps_of_one_class_only(flow, tmp_path):
    """Runs probed for one target class against a per-class run: the gaps compared are always of one class."""
    from auditkit.compare import compare_runs

    record = json.loads((flow / "runs" / "a" / "run.json").read_text())
    head = record["bias"]["gender"]["headline_class"]
    other = next(c for c in EMOTIONS if c != head)
    for label in (head, other):
        assert main([str(a) for a in ("audit", "--model", flow / "models" / "emotion", "--data", TEST, "--group-col",
                                      "gender_mention", "--limit", "100", "--n-boot", "100", "--probes", "gender",
                                      "--attributions", "0", "--target-label", label, "--out", tmp_path / label)]) == 0
    per_class = flow / "runs" / "a"
    # the same class scored in both: the stored sentences pair, and the change gets its paired interval
    row = compare_runs([tmp_path / head, per_class]).bias.set_index("run").iloc[-1]
    assert row["class"] == head and row["diff_ci_low"] is not None
    # another class: the per-class run's gap of THAT class is compared, and tested: every probe table stores each
    # class's probability beside its score
    row = compare_runs([tmp_path / other, per_class]).bias.set_index("run").iloc[-1]
    assert row["class"] == other
    assert row["gap"] == pytest.approx(record["bias"]["classes"][other]["gender"]["gap"])
    assert row["diff_ci_low"] is not None and row["abs_diff_p_value_holm"] is not None
    # the per-class run first: every one of its classes is compared where the other run has a gap; it has none
    # for the per-class run's headline class, and says so
    rows = compare_runs([per_class, tmp_path / other]).bias
    rows = rows[rows["run"] == other].set_index("class")
    assert not pd.isna(rows.loc[other, "diff_ci_low"])
    assert pd.isna(rows.loc[head, "diff"]) and str(rows.loc[head, "diff_method"]).startswith("not compared")
