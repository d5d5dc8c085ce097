"""Auditing a multi-label (toxicity-style) model from the command line: label lists or 0/1 columns,
per-label thresholds, metrics equal to scikit-learn's on the stored predictions, probes per label."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support, roc_auc_score

from auditkit.cli import main
from auditkit.store import read_run

ROOT = Path(__file__).resolve().parents[2]
TEST = ROOT / "sample_data" / "toxicity" / "toxicity_test.csv"
LABELS = ["toxic", "insult", "threat", "identity_attack"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from tiny_models import build_tiny_classifier

    path = tmp_path_factory.mktemp("ml") / "tox"
    clf = build_tiny_classifier(LABELS, multi_label=True, layers=1)
    clf.model.save_pretrained(path)
    clf.tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def runs(model, tmp_path_factory):
    root = tmp_path_factory.mktemp("ml-runs")
    thresholds = root / "t.toml"
    thresholds.write_text("insult = 0.3\n")
    common = ("audit", "--model", model, "--data", TEST, "--limit", "80", "--n-boot", "60", "--group-col", "identity")
    assert main([str(a) for a in (*common, "--label-col", "labels", "--probes", "gender", "--probe-n-boot", "100",
                                  "--attributions", "2", "--out", root / "lists")]) == 0
    cols = [a for name in LABELS for a in ("--label-col", name)]
    assert main([str(a) for a in (*common, *cols, "--threshold", "0.45", "--threshold-file", thresholds,
                                  "--probes", "none", "--attributions", "0", "--min-group-size", "12",  # some identities small, some not
                                  "--out", root / "columns")]) == 0
    return root


def test_every_stored_metric_equals_scikit_learn_on_the_stored_predictions(runs):
    for name, expected in (("lists", dict.fromkeys(LABELS, 0.5)), ("columns", dict(dict.fromkeys(LABELS, 0.45), insult=0.3))):
        stored = read_run(runs / name)
        m, preds = stored.record["metrics"], stored.table("predictions")
        assert m["task"] == "multi_label" and m["thresholds"] == pytest.approx(expected)
        y = preds[[f"true_{k}" for k in LABELS]].to_numpy()
        p = preds[[f"prob_{k}" for k in LABELS]].to_numpy()
        d = preds[[f"pred_{k}" for k in LABELS]].to_numpy()
        np.testing.assert_array_equal(d, (p >= np.array([expected[k] for k in LABELS])).astype(int))
        truth = pd.read_csv(TEST).head(80)
        np.testing.assert_array_equal(y, truth[LABELS].to_numpy())
        assert m["subset_accuracy"]["value"] == pytest.approx(accuracy_score(y, d))
        for avg in ("micro", "macro", "samples"):
            assert m[f"{avg}_f1"]["value"] == pytest.approx(f1_score(y, d, average=avg, zero_division=1.0 if avg == "samples" else 0))
        assert m["hamming_loss"]["value"] == pytest.approx(hamming_loss(y, d))
        assert preds["exact_match"].mean() == pytest.approx(accuracy_score(y, d))
        prec, rec, f1, sup = precision_recall_fscore_support(y, d, average=None, zero_division=0)
        for k, label in enumerate(LABELS):
            row = m["per_label"][label]
            assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((prec[k], rec[k], f1[k], sup[k]))
            if 0 < y[:, k].sum() < len(y):
                assert row["roc_auc"] == pytest.approx(roc_auc_score(y[:, k], p[:, k]))
        intervals = m["micro_f1"]
        assert intervals["ci_low"] <= intervals["value"] <= intervals["ci_high"]
        assert set(m["by_group"]["identity"]) == set(truth["identity"])
        assert preds["labels"].tolist() == ["|".join(k for k in LABELS if r[f"true_{k}"]) for _, r in preds.iterrows()]


def test_probes_run_per_label_and_attributions_explain_the_top_label(runs):
    stored = read_run(runs / "lists")
    bias = stored.record["bias"]
    assert bias["target_label"] is None and set(bias["classes"]) == set(LABELS)
    assert "threshold" in bias["settings"]["flip"]
    attributions = stored.record["attributions"]
    assert attributions["target"] == "sigmoid probability of the label with the highest probability"
    table = stored.table("attributions")
    preds = stored.table("predictions").set_index("text")
    for _, row in table[table["kind"] != "probe_pair"].iterrows():
        probs = preds.loc[row["text"], [f"prob_{k}" for k in LABELS]].to_numpy(dtype=float)
        assert row["target"] == LABELS[int(np.argmax(probs))]


def test_bias_aucs_per_label_and_identity_equal_their_published_definitions(runs):
    """Borkan et al. 2019, recomputed with scikit-learn from the stored predictions and the data's identity column."""
    stored = read_run(runs / "columns")
    preds = stored.table("predictions")
    identity = pd.read_csv(TEST, keep_default_na=False).head(80)["identity"].astype(str).to_numpy()
    entry = stored.record["metrics"]["bias_aucs"]["identity"]
    assert set(entry) == set(LABELS)
    checked = 0
    for label in LABELS:
        y, s = preds[f"true_{label}"].to_numpy(), preds[f"prob_{label}"].to_numpy()
        for group, got in entry[label]["groups"].items():
            sub = identity == group
            assert got["n"] == int(sub.sum())
            cases = {"subgroup_auc": sub,
                     "bpsn_auc": (~sub & (y == 1)) | (sub & (y == 0)),
                     "bnsp_auc": (~sub & (y == 0)) | (sub & (y == 1))}
            for kind, keep in cases.items():
                if len(set(y[keep])) < 2:
                    assert got[kind] is None
                else:
                    assert got[kind] == pytest.approx(roc_auc_score(y[keep], s[keep]))
                    checked += 1
        # the power mean averages the identities that are not small, and says which
        large = [g for g, v in entry[label]["groups"].items() if not v["small"]]
        assert entry[label]["power_mean_over"] == large and 0 < len(large) < len(entry[label]["groups"])
        values = [entry[label]["groups"][g]["bpsn_auc"] for g in large if entry[label]["groups"][g]["bpsn_auc"] is not None]
        expected = np.mean(np.power(values, -5.0)) ** (1 / -5.0) if values else None
        assert entry[label]["power_mean"]["bpsn_auc"] == (None if expected is None else pytest.approx(expected))
    assert checked > 0
    report = main(["report", str(runs / "columns"), "--format", "md", "--out", str(runs / "columns.md")])
    assert report == 0 and "Bias AUCs by identity" in (runs / "columns.md").read_text()


def test_python_callers_get_one_line_errors_for_thresholds_and_single_label_data():
    from auditkit import TextDataset, run_audit
    from auditkit.errors import ConfigError
    from auditkit.models._thresholds import check_thresholds
    from tiny_models import build_tiny_classifier

    assert check_thresholds(LABELS, {LABELS[1]: 0.3}).tolist() == [0.3 if k == 1 else 0.5 for k in range(len(LABELS))]
    with pytest.raises(ConfigError, match="thresholds must be numbers, one per label"):
        check_thresholds(LABELS, ["high"] * len(LABELS))
    with pytest.raises(ConfigError, match="names label\\(s\\) the model lacks: 'spam'"):
        check_thresholds(LABELS, {"spam": 0.3})
    clf = build_tiny_classifier(LABELS, multi_label=True, layers=1)
    single = TextDataset(texts=["a", "b"], labels=[LABELS[0], LABELS[1]], source="memory")
    with pytest.raises(ConfigError, match="load it with multi_label=True"):
        run_audit(clf, single)
