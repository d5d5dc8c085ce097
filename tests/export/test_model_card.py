"""Model cards of real runs: parsed back by huggingface_hub, merged into an author's README, escaped."""

from __future__ import annotations

import json
import shutil

from pathlib import Path

import pytest

from auditkit.cli import main
from auditkit.store import read_run

hub = pytest.importorskip("huggingface_hub")

HOSTILE = "evil<script>alert(1)</script>|[click](javascript:alert(2))\n---\nlicense: stolen\n"
AUTHOR_README = """---
license: mit
language: en
model-index:
- name: my-model
  results:
  - task: {type: text-classification}
    dataset: {name: SST-2, type: glue, split: validation}
    metrics:
    - {type: accuracy, value: 0.91}
---

# My model

Fine-tuned by me on my data.

## Training procedure

Two epochs, learning rate 1e-4.
"""


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditkit: error: ") and "\n" not in err
    return err


def _card(path):
    return hub.ModelCard.load(path)  # an existing local path: read from disk, never the Hub


def test_card_parses_back_with_the_runs_values(stored_runs, tmp_path, capsys):
    run = stored_runs[0]
    out = tmp_path / "model" / "README.md"
    assert main(["report", str(run.path), "--format", "model-card", "--out", str(out)]) == 0
    card = _card(out)
    results = {r.metric_type: r for r in card.data.eval_results}
    metrics = run.record["metrics"]
    assert results["accuracy"].metric_value == metrics["accuracy"]["value"]
    assert results["f1"].metric_value == metrics["macro_f1"]["value"]
    assert results["f1"].metric_args == {"average": "macro"}
    assert {r.task_type for r in results.values()} == {"text-classification"}
    assert {r.dataset_name for r in results.values()} == {Path(run.record["dataset"]["source"]).name}
    assert card.data.model_name == run.record["model"]["name"]
    text = card.text
    for name in ("accuracy", "macro_f1"):  # intervals in the text
        assert f"{metrics[name]['ci_low']:.3f} to {metrics[name]['ci_high']:.3f}" in text
    bias = run.record["bias"]
    for attr in ("gender", "race"):
        for family, entry in bias[attr]["families"].items():
            row = next(line for line in text.splitlines() if line.startswith(f"| {attr} | {family} |"))
            assert f"| {entry['verdict']}" in row and f"| {entry['n_pairs']} |" in row
    share = run.record["attributions"]["identity_share"]
    assert f"{share:.1%}" in text
    assert "binary" in text and "English" in text and "distinct sentences" in text
    # the default output lands in the run folder, and our own card may be replaced
    assert main(["report", str(run.path), "--format", "model-card"]) == 0
    assert main(["report", str(run.path), "--format", "model-card"]) == 0
    assert _card(run.path / "README.md").data.eval_results


def test_hostile_dataset_text_is_escaped(stored_runs, tmp_path):
    from auditkit.export import render_model_card

    copy = tmp_path / "hostile"
    shutil.copytree(stored_runs[0].path, copy)
    record = json.loads((copy / "run.json").read_text())
    record["dataset"]["source"] = f"/data/{HOSTILE}"
    record["model"]["name"] = f"model {HOSTILE}"
    (copy / "run.json").write_text(json.dumps(record))
    text = render_model_card(read_run(copy))
    card = hub.ModelCard(text)
    assert card.data.license is None  # the newline and '---' in the name did not end the YAML block
    assert card.data.model_name == f"model {HOSTILE}"  # YAML keeps the exact string
    assert card.data.eval_results[0].dataset_name == HOSTILE.rsplit("/", 1)[-1]
    assert "<script>" not in card.text and "[click](" not in card.text  # no raw HTML, no live link
    assert "evil&lt;script&gt;alert(1)&lt;/script&gt;\\|\\[click\\](javascript:alert(2)) --- license: stolen" in card.text


def test_update_keeps_the_authors_card(stored_runs, tmp_path, capsys):
    readme = tmp_path / "my-model" / "README.md"
    readme.parent.mkdir()
    readme.write_text(AUTHOR_README)
    run_a, run_b = stored_runs
    # without --update a foreign README is never replaced
    assert main(["report", str(run_a.path), "--format", "model-card", "--out", str(readme)]) == 2
    assert "--update" in _one_line_error(capsys)
    assert readme.read_text() == AUTHOR_README
    for run in (run_a, run_b):  # a second audit replaces the first one's block and results
        assert main(["report", str(run.path), "--format", "model-card", "--out", str(readme), "--update"]) == 0
    card = _card(readme)
    assert card.data.license == "mit" and card.data.language == "en"
    assert card.data.model_name == "my-model"
    assert "# My model" in card.text and "Two epochs, learning rate 1e-4." in card.text
    assert card.text.count("## Evaluation results") == 1
    by_dataset = {(r.dataset_name, r.metric_type): r.metric_value for r in card.data.eval_results}
    data_name = Path(run_b.record["dataset"]["source"]).name
    assert by_dataset == {("SST-2", "accuracy"): 0.91,
                          (data_name, "accuracy"): run_b.record["metrics"]["accuracy"]["value"],
                          (data_name, "f1"): run_b.record["metrics"]["macro_f1"]["value"]}
    assert run_b.run_id in card.text and run_a.run_id not in card.text


def test_update_on_broken_yaml_changes_nothing(stored_runs, tmp_path, capsys):
    readme = tmp_path / "README.md"
    broken = "---\nlicense: [mit\ntags: {\n---\n\n# Mine\n"
    readme.write_text(broken)
    assert main(["report", str(stored_runs[0].path), "--format", "model-card", "--out", str(readme), "--update"]) == 2
    err = _one_line_error(capsys)
    assert "YAML" in err and str(readme) in err
    assert readme.read_text() == broken
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


def test_out_folder_not_writable(stored_runs, capsys):
    # /proc refuses new files even to root, where permission bits would not
    assert main(["report", str(stored_runs[0].path), "--format", "model-card", "--out", "/proc/README.md"]) == 2
    assert "cannot write into '/proc'" in _one_line_error(capsys)


def test_hub_dataset_gives_name_config_and_split(stored_runs, tmp_path):
    from auditkit.export._model_card import eval_results

    copy = tmp_path / "hub"
    shutil.copytree(stored_runs[0].path, copy)
    record = json.loads((copy / "run.json").read_text())
    record["dataset"]["source"] = "hf:glue/sst2:validation"
    (copy / "run.json").write_text(json.dumps(record))
    [acc, f1] = eval_results(read_run(copy))
    assert (acc.dataset_type, acc.dataset_config, acc.dataset_split) == ("glue", "sst2", "validation")
    assert (acc.metric_value, f1.metric_value) == (record["metrics"]["accuracy"]["value"], record["metrics"]["macro_f1"]["value"])
