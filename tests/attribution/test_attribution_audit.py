import json

import numpy as np
import pandas as pd
import pytest

from auditkit.attribution import audit_attributions
from auditkit.attribution._audit import BAD_N, CLAMPED, TABLE_COLUMNS
from auditkit.attribution._methods import UNKNOWN_METHOD
from auditkit.errors import ConfigError, LabelMismatchError


@pytest.fixture(scope="module")
def audited(identity_model, held_out, probe_table):
    texts = held_out[:12]
    probabilities = identity_model.predict_proba(texts).probabilities
    y_true = [1 if "sister" in t else 0 for t in texts]
    y_true[0] = 1 - y_true[0]  # one sure error
    report = audit_attributions(identity_model, texts=texts, probabilities=probabilities, y_true=y_true,
                                probe_table=probe_table, n=500, n_pairs=2)
    return report, texts


def test_summary_has_the_run_json_section(audited):
    report, texts = audited
    s = report.summary
    assert s["method"] == "integrated_gradients"
    assert s["n_examples"] == 12 + 4 and s["n_dataset_examples"] == 12 and s["n_probe_pairs"] == 2
    assert s["notes"][0] == CLAMPED.format(asked=500, n=12)
    assert sum(s["n_steps_used"].values()) == 16 and all(k.isdigit() for k in s["n_steps_used"])
    assert 0 <= s["mean_abs_convergence_delta"] <= s["max_abs_convergence_delta"]
    assert s["identity_share"] > 0.5
    assert set(s["identity_share_by_group"]) >= {"gender"}
    assert set(s["faithfulness"]) >= {"aopc", "random_aopc", "curve"}
    assert set(s["top_words"]) <= {"negative", "positive"}
    json.dumps(s)  # run.json must be able to hold it


def test_table_rows(audited):
    report, texts = audited
    t = report.table
    assert list(t.columns) == TABLE_COLUMNS and len(t) == 16
    assert set(t["kind"]) <= {"error", "borderline", "correct", "probe_pair"}
    assert "error" in set(t["kind"])
    data = t[t["kind"] != "probe_pair"]
    assert sorted(data["row"]) == list(range(12)) and set(data["text"]) == set(texts)
    pairs = t[t["kind"] == "probe_pair"]
    assert pairs.groupby("pair_id")["side"].apply(sorted).tolist() == [["high", "low"]] * 2
    assert pairs.groupby("pair_id")["target_id"].nunique().eq(1).all()  # both sides explain one class
    assert all(len(w) == len(s) for w, s in zip(t["words"], t["scores"]))
    pd.DataFrame(t).to_parquet(__import__("io").BytesIO())  # parquet-able


def test_no_labels_and_no_probes(identity_model, held_out):
    texts = held_out[:5]
    probabilities = identity_model.predict_proba(texts).probabilities
    report = audit_attributions(identity_model, texts=texts, probabilities=probabilities, n=3, method="occlusion",
                                identity_words={"g": {"f": {"sister"}}})
    assert report.summary["n_examples"] == 3 and report.summary["n_steps_used"] == {}
    assert report.summary["mean_abs_convergence_delta"] is None
    assert set(report.table["kind"]) <= {"borderline", "confident"}


def test_zero_skips(identity_model):
    report = audit_attributions(identity_model, texts=["a"], probabilities=np.array([[0.5, 0.5]]), n=0)
    assert report.summary["n_examples"] == 0 and report.table.empty


def test_bad_input(identity_model):
    probabilities = np.array([[0.5, 0.5]])
    with pytest.raises(ConfigError) as err:
        audit_attributions(identity_model, texts=["a"], probabilities=probabilities, method="shap")
    assert str(err.value) == UNKNOWN_METHOD.format(method="shap")
    with pytest.raises(ConfigError) as err:
        audit_attributions(identity_model, texts=["a"], probabilities=probabilities, n=-1)
    assert str(err.value) == BAD_N.format(n=-1)
    with pytest.raises(ConfigError):
        audit_attributions(identity_model, texts=["a", "b"], probabilities=probabilities)
    with pytest.raises(LabelMismatchError, match="does not know label"):  # the same check as the audit's labels
        audit_attributions(identity_model, texts=["a"], probabilities=probabilities, y_true=["neutral"])
