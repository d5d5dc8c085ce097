"""auditkit's evaluate modules load offline and give the numbers the run stores."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import auditkit
from auditkit.evaluate_modules import MODULES
from auditkit.probes._suite import _seed_for

evaluate = pytest.importorskip("evaluate")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")


def _load(name):
    return evaluate.load(auditkit.evaluate_module(name))


def _pairs(run, attribute, family=None):
    """Scores and predictions of the gap's two groups per matched set, as the probes pivot them."""
    probes = run.table("probes")
    rows = probes[probes["attribute"] == attribute]
    if family is not None:
        rows = rows[rows["family"] == family]
    entry = run.record["bias"][attribute]
    a, b = entry["gap_groups"]
    scores = rows.pivot(index="instance_id", columns="group", values="score").reindex(columns=entry["groups"]).dropna()
    preds = rows.pivot(index="instance_id", columns="group", values="predicted_label").loc[scores.index]
    return scores[a], scores[b], preds[a], preds[b], (a, b)


@pytest.mark.parametrize("attribute,family", [("gender", None), ("race", None), ("gender", "templates_names")])
def test_counterfactual_modules_match_the_run(stored_runs, attribute, family):
    run = stored_runs[0]
    bias = run.record["bias"]
    entry = bias[attribute] if family is None else bias[attribute]["families"][family]
    settings = bias["settings"]
    sa, sb, pa, pb, (a, b) = _pairs(run, attribute, family)
    gap = _load("counterfactual_gap").compute(
        scores_a=sa.tolist(), scores_b=sb.tolist(), n_boot=settings["n_boot"],
        seed=_seed_for(settings["seed"], attribute, family or "all", a, b), confidence_level=settings["confidence_level"])
    for key in ("gap", "ci_low", "ci_high", "p_value"):
        assert gap[key] == pytest.approx(entry[key], rel=1e-9, abs=1e-15), key
    assert gap["n_pairs"] == entry["n_pairs"]
    assert gap["ci_level"] == entry["ci_level"]
    flips = _load("flip_rate").compute(predictions_a=pa.tolist(), predictions_b=pb.tolist())
    assert flips["flip_rate"] == pytest.approx(entry["flip_rate"])
    ctf = _load("ctf_gap").compute(scores_a=sa.tolist(), scores_b=sb.tolist())
    assert ctf["ctf_gap"] == pytest.approx(entry["ctf_gap"], rel=1e-9)


def test_auc_modules_match_scikit_learn_and_combine(stored_runs):
    preds = stored_runs[0].predictions
    y = (preds["label"] == "positive").astype(int).to_numpy()
    score = preds["prob_positive"].to_numpy()
    member = (preds["gender_mention"] == "female").to_numpy()
    combined = evaluate.combine([_load("subgroup_auc"), _load("bpsn_auc"), _load("bnsp_auc")])
    got = combined.compute(predictions=score.tolist(), references=y.tolist(), subgroup=member.tolist())
    bpsn = (member & (y == 0)) | (~member & (y == 1))
    bnsp = (member & (y == 1)) | (~member & (y == 0))
    assert got["subgroup_auc"] == pytest.approx(roc_auc_score(y[member], score[member]))
    assert got["bpsn_auc"] == pytest.approx(roc_auc_score(y[bpsn], score[bpsn]))
    assert got["bnsp_auc"] == pytest.approx(roc_auc_score(y[bnsp], score[bnsp]))
    # the pair measures combine too (same inputs)
    pair = evaluate.combine([_load("counterfactual_gap"), _load("ctf_gap")])
    out = pair.compute(scores_a=[0.9, 0.5, 0.7], scores_b=[0.7, 0.7, 0.6])
    assert out["gap"] == pytest.approx(np.mean([0.2, -0.2, 0.1]))
    assert out["ctf_gap"] == pytest.approx(np.mean([0.2, 0.2, 0.1]))


@pytest.mark.parametrize("name", list(MODULES))
def test_module_info_documents_inputs_and_outputs(name):
    module = _load(name)
    info = module.info
    assert info.description.strip() and info.citation.strip()
    doc = info.inputs_description
    assert "Args:" in doc and "Returns:" in doc
    for feature in info.features:
        assert f"{feature} (" in doc.split("Returns:")[0]
    example = {"counterfactual_gap": dict(scores_a=[0.9, 0.7, 0.8], scores_b=[0.6, 0.5, 0.8], n_boot=50),
               "ctf_gap": dict(scores_a=[0.9, 0.7], scores_b=[0.6, 0.7]),
               "flip_rate": dict(predictions_a=["a", "b"], predictions_b=["a", "a"])}.get(
        name, dict(predictions=[0.1, 0.9, 0.8, 0.2], references=[0, 1, 0, 1], subgroup=[True, True, False, False]))
    outputs = module.compute(**example)
    for key in outputs:
        assert f"{key} (" in doc.split("Returns:")[1], f"{name} does not document its output {key!r}"
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_unknown_module_is_a_one_line_error():
    with pytest.raises(auditkit.AuditkitError, match="unknown auditkit evaluate module 'gap'; choose one of counterfactual_gap"):
        auditkit.evaluate_module("gap")
