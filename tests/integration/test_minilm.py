"""The real embedded MiniLM backbone: a brief fine-tune and an audit (about a minute on 2 cores)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from auditkit.cli import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_fine_tune_minilm_briefly_then_audit(tmp_path, capsys):
    train = pd.read_csv(ROOT / "sample_data" / "reviews_train.csv")
    test = pd.read_csv(ROOT / "sample_data" / "reviews_test.csv")
    # a balanced slice, enough for a pretrained backbone to beat chance clearly
    train = train.groupby("label").sample(160, random_state=0)
    train.to_csv(tmp_path / "train.csv", index=False)
    test.head(120).to_csv(tmp_path / "test.csv", index=False)
    assert main(["train", "--data", str(tmp_path / "train.csv"), "--base", "minilm", "--epochs", "3",
                 "--batch-size", "16", "--learning-rate", "1e-4", "--out", str(tmp_path / "model")]) == 0
    record = json.loads((tmp_path / "model" / "training.json").read_text())
    assert record["base"] == "minilm" and record["labels"] == ["negative", "positive"]
    assert main(["audit", "--model", str(tmp_path / "model"), "--data", str(tmp_path / "test.csv"),
                 "--group-col", "gender_mention", "--out", str(tmp_path / "run"), "--n-boot", "200",
                 "--attributions", "4"]) == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["metrics"]["accuracy"]["value"] > 0.7
    assert run["model"]["labels"] == ["negative", "positive"]
    # the full default probe suite and attributions ran on the real backbone
    probes = pd.read_parquet(tmp_path / "run" / "probes.parquet")
    assert set(probes.attribute) == {"gender", "race"}
    for attribute in ("gender", "race"):
        entry = run["bias"][attribute]
        assert entry["n_pairs"] > 1000
        # the gap, recomputed from the stored sentence scores: per family the mean of D[lexicon row, template]
        # (slot words averaged) or, for dataset counterfactuals, the mean of the strata means; families weigh equally
        a, b = entry["gap_groups"]
        rows = probes[probes.attribute == attribute]
        family_gaps = []
        for family in entry["families_combined"]:
            sub = rows[rows.family == family]
            wide = sub.pivot_table(index="instance_id", columns="group", values="score")
            d = (wide[a] - wide[b]).rename("d").to_frame().join(sub.drop_duplicates("instance_id").set_index("instance_id"))
            if family == "dataset_counterfactual":
                sizes = d.groupby("stratum")["d"].size()
                family_gaps.append(d[d.stratum.isin(sizes[sizes >= 2].index)].groupby("stratum")["d"].mean().mean())
            else:
                family_gaps.append(d.groupby(["row", "template_id"])["d"].mean().mean())
        assert entry["gap"] == pytest.approx(sum(family_gaps) / len(family_gaps), abs=1e-9)
        means = entry["group_means"]
        assert entry["gap"] == pytest.approx(means[a] - means[b], abs=1e-9)
    attributions = pd.read_parquet(tmp_path / "run" / "attributions.parquet")
    section = run["attributions"]
    assert section["n_examples"] == len(attributions) >= 4
    stuck = int((attributions["convergence_delta"].abs() > section["tolerance"]).sum())
    if stuck:  # every example the steps cap left unconverged is reported
        assert any(note.startswith(f"{stuck} example(s) kept |convergence delta|") for note in section["notes"])
    else:
        assert section["max_abs_convergence_delta"] <= section["tolerance"]
    # where results go: a model card merged into the model folder, and an MLflow run
    from huggingface_hub import ModelCard

    card_path = tmp_path / "model" / "README.md"
    assert main(["report", str(tmp_path / "run"), "--format", "model-card", "--out", str(card_path), "--update"]) == 0
    results = {r.metric_type: r.metric_value for r in ModelCard.load(card_path).data.eval_results}
    assert results == {"accuracy": run["metrics"]["accuracy"]["value"], "f1": run["metrics"]["macro_f1"]["value"]}
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["export", "mlflow", str(tmp_path / "run"), "--tracking-uri", uri]) == 0
    mlflow.set_tracking_uri(uri)
    [logged] = mlflow.search_runs(experiment_names=["auditkit"]).to_dict(orient="records")
    assert logged["params.model.fingerprint"] == run["model"]["fingerprint"]
    assert logged["metrics.bias.gender.gap"] == pytest.approx(run["bias"]["gender"]["gap"], rel=1e-12)
