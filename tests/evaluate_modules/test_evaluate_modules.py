"""auditkit's evaluate modules load offline and give the numbers the run stores."""

from __future__ import annotations

import os

import pytest
from sklearn.metrics import roc_auc_score

import auditkit
from auditkit.evaluate_modules import MODULES
from auditkit.probes._designs import paired_frame
from auditkit.probes._suite import _seed_for

# evaluate reads these when imported: loading must work with the Hub switched off
os.environ["HF_HUB_OFFLINE"] = os.environ["HF_EVALUATE_OFFLINE"] = "1"
evaluate = pytest.importorskip("evaluate")


def _load(name):
    return evaluate.load(auditkit.evaluate_module(name))


def _scope(run, attribute, family):
    """The probe rows of one scope and its stored entry."""
    probes = run.table("probes")
    rows = probes[probes["attribute"] == attribute]
    entry = run.record["bias"][attribute]
    if family is not None:
        rows, entry = rows[rows["family"] == family], entry["families"][family]
    return rows, entry


@pytest.mark.parametrize("attribute,family", [("gender", None), ("race", None), ("gender", "templates_nouns"),
                                              ("race", "templates_identity_terms"), ("gender", "dataset_counterfactual")])
def test_counterfactual_modules_match_the_run(stored_runs, attribute, family):
    run = stored_runs[0]
    settings = run.record["bias"]["settings"]
    rows, entry = _scope(run, attribute, family)
    a, b = entry["gap_groups"]
    # the design the gap was tested on: the families it combined, one row per matched set
    design = paired_frame(rows[rows["family"].isin(entry["families_combined"])], a, b)
    gap = _load("counterfactual_gap").compute(
        scores_a=design["a"].tolist(), scores_b=design["b"].tolist(), family=design["family"].tolist(),
        template_id=design["template_id"].tolist(), row=design["row"].tolist(),
        stratum=[s if isinstance(s, str) else "" for s in design["stratum"]],  # template sets have none
        term=[w if isinstance(w, str) else "" for w in design["word"]],  # dataset texts: the swapped term
        n_boot=settings["n_boot"], seed=_seed_for(settings["seed"], attribute, family or "all", a, b),
        alpha=settings["alpha"], min_effect=settings["min_effect"], p_value_adjusted=entry["p_value_holm"],
        p_value_min_effect_adjusted=entry["p_value_min_effect_holm"])
    for key in ("gap", "ci_low", "ci_high", "tost_low", "tost_high", "se", "se_bootstrap", "df", "p_value",
                "p_value_min_effect", "p_value_equivalence"):
        if entry[key] is None:
            assert gap[key] is None, key
        else:
            assert gap[key] == pytest.approx(entry[key], rel=1e-9, abs=1e-15), key
    for key in ("n_rows", "n_templates", "n_pairs", "ci_level"):
        assert gap[key] == entry[key], key
    if family is not None:  # an attribute's stored verdict also looks at its families (combine_verdicts)
        assert gap["verdict"] == entry["verdict"]
        if entry["influence"]["flipped_by"] is None:  # a flip's reason names the unit by its text in the run
            assert gap["verdict_reason"] == entry["verdict_reason"]
    # flip rate and CTF gap describe every matched set of the scope
    scores = rows.pivot(index="instance_id", columns="group", values="score").reindex(columns=entry["groups"]).dropna()
    preds = rows.pivot(index="instance_id", columns="group", values="predicted_label").loc[scores.index]
    flips = _load("flip_rate").compute(predictions_a=preds[a].tolist(), predictions_b=preds[b].tolist())
    assert flips["flip_rate"] == pytest.approx(entry["flip_rate"])
    ctf = _load("ctf_gap").compute(scores_a=scores[a].tolist(), scores_b=scores[b].tolist())
    assert ctf["ctf_gap"] == pytest.approx(entry["ctf_gap"], rel=1e-9)


def test_auc_modules_match_scikit_learn_and_combine(stored_runs):
    run = stored_runs[0]
    preds = run.predictions
    positive = run.record["model"]["labels"][1]
    y = (preds["label"] == positive).astype(int).to_numpy()
    score = preds[f"prob_{positive}"].to_numpy()
    member = (preds["gender_mention"] == preds["gender_mention"].value_counts().index[0]).to_numpy()
    combined = evaluate.combine([_load("subgroup_auc"), _load("bpsn_auc"), _load("bnsp_auc")])
    got = combined.compute(predictions=score.tolist(), references=y.tolist(), subgroup=member.tolist())
    bpsn = (member & (y == 0)) | (~member & (y == 1))
    bnsp = (member & (y == 1)) | (~member & (y == 0))
    assert got["subgroup_auc"] == pytest.approx(roc_auc_score(y[member], score[member]))
    assert got["bpsn_auc"] == pytest.approx(roc_auc_score(y[bpsn], score[bpsn]))
    assert got["bnsp_auc"] == pytest.approx(roc_auc_score(y[bnsp], score[bnsp]))


@pytest.mark.parametrize("name", list(MODULES))
def test_module_info_documents_inputs_and_outputs(name):
    module = _load(name)
    info = module.info
    assert info.description.strip() and info.citation.strip()
    doc = info.inputs_description
    assert "Args:" in doc and "Returns:" in doc
    for feature in info.features:
        assert f"{feature} (" in doc.split("Returns:")[0]
    design = dict(family=["templates_names"] * 6, template_id=["t1", "t2", "t3"] * 2, row=[0, 0, 0, 1, 1, 1],
                  stratum=[""] * 6)
    example = {"counterfactual_gap": dict(scores_a=[0.9, 0.7, 0.8, 0.6, 0.5, 0.9], scores_b=[0.6, 0.5, 0.8, 0.6, 0.4, 0.7],
                                          n_boot=100, **design),
               "ctf_gap": dict(scores_a=[0.9, 0.7], scores_b=[0.6, 0.7]),
               "flip_rate": dict(predictions_a=["a", "b"], predictions_b=["a", "a"])}.get(
        name, dict(predictions=[0.1, 0.9, 0.8, 0.2], references=[0, 1, 0, 1], subgroup=[True, True, False, False]))
    outputs = module.compute(**example)
    for key in outputs:
        assert f"{key} (" in doc.split("Returns:")[1], f"{name} does not document its output {key!r}"


def test_unknown_module_is_a_one_line_error():
    with pytest.raises(auditkit.AuditkitError, match="unknown auditkit evaluate module 'gap'; choose one of counterfactual_gap"):
        auditkit.evaluate_module("gap")
