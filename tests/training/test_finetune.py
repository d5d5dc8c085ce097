import json

import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, RunStoreError
from auditkit.models import load_classifier
from auditkit.training import TrainingConfig, fine_tune


def toy_dataset(n=48):
    pos = ["great lovely film", "wonderful happy day", "excellent tasty food"]
    neg = ["awful boring film", "terrible sad day", "horrible cold food"]
    texts = [(pos if i % 2 else neg)[i % 3] + f" number {i}" for i in range(n)]
    return TextDataset(texts=texts, labels=["positive" if i % 2 else "negative" for i in range(n)], source="toy")


def test_fine_tune_learns_and_writes_a_standard_model_dir(tmp_path, tiny_model_dir):
    out = tmp_path / "m"
    config = TrainingConfig(base=str(tiny_model_dir), epochs=8, learning_rate=5e-3, batch_size=8, val_fraction=0.25, seed=1)
    record = fine_tune(toy_dataset(), out, config=config, log=lambda m: None)
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    config_json = json.loads((out / "config.json").read_text())
    assert config_json["id2label"] == {"0": "negative", "1": "positive"}
    saved = json.loads((out / "training.json").read_text())
    assert saved["data"]["fingerprint"] == toy_dataset().fingerprint
    assert saved["hyperparameters"]["seed"] == 1 and saved["validation"]["n"] == 12
    assert record["validation"]["accuracy"] >= 0.9  # the toy task is separable by one word
    clf = load_classifier(out)
    assert clf.labels == ["negative", "positive"]
    assert list(clf.predict(["great lovely film number 99", "awful boring film number 98"])) == [1, 0]


def test_label_names_name_integer_labels(tmp_path, tiny_model_dir):
    ds = TextDataset(texts=[f"text {i}" for i in range(12)], labels=[i % 2 for i in range(12)], source="toy")
    config = TrainingConfig(base=str(tiny_model_dir), epochs=1, batch_size=4, val_fraction=0, label_names=["neg", "pos"])
    record = fine_tune(ds, tmp_path / "m", config=config, log=lambda m: None)
    assert record["labels"] == ["neg", "pos"]
    with pytest.raises(ConfigError, match="one name per id"):
        fine_tune(ds, tmp_path / "m2", config=TrainingConfig(base=str(tiny_model_dir), label_names=["only"]))


def test_bad_hyperparameters_and_outputs(tmp_path, tiny_model_dir):
    with pytest.raises(ConfigError, match="^epochs must be positive"):
        TrainingConfig(epochs=0).validate()
    with pytest.raises(ConfigError, match="unknown augment .magic."):
        TrainingConfig(augment="magic").validate()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x.txt").write_text("keep")
    with pytest.raises(RunStoreError, match="not written by auditkit train"):
        fine_tune(toy_dataset(), foreign, config=TrainingConfig(base=str(tiny_model_dir)))


def test_train_cli_bad_input_exit_2(tmp_path, capsys):
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": ["a", "b"], "label": [0, 1]}).to_csv(data, index=False)
    assert main(["train", "--data", str(data), "--epochs", "-1", "--out", str(tmp_path / "m")]) == 2
    assert "--epochs must be positive" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_multi_label_training_uses_a_sigmoid_per_label_and_learns(tmp_path, tiny_model_dir, capsys):
    """train --multi-label: BCE on float labels (problem_type multi_label_classification), 0/1 columns in column order."""
    import torch

    words = {"rude": "insult", "threat": "threat"}
    rows = []
    for i in range(64):
        present = [name for bit, name in ((1, "insult"), (2, "threat")) if i & bit]
        text = " ".join([w for w, name in words.items() if name in present] or ["calm"]) + f" note {i}"
        rows.append({"text": text, "threat": int("threat" in present), "insult": int("insult" in present)})
    data = tmp_path / "ml.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    out = tmp_path / "ml-model"
    assert main([str(a) for a in ("train", "--data", data, "--label-col", "threat", "--label-col", "insult", "--multi-label",
                                  "--base", tiny_model_dir, "--epochs", "12", "--learning-rate", "5e-3", "--batch-size", "8",
                                  "--val-fraction", "0.25", "--out", out)]) == 0
    assert "validation subset accuracy" in capsys.readouterr().out
    config_json = json.loads((out / "config.json").read_text())
    assert config_json["problem_type"] == "multi_label_classification"
    assert config_json["id2label"] == {"0": "threat", "1": "insult"}
    record = json.loads((out / "training.json").read_text())
    assert record["multi_label"] and record["data"]["label_counts"] == {"threat": 32, "insult": 32}
    clf = load_classifier(out)
    assert clf.multi_label
    probs = clf.predict_proba(["calm note 98", "rude note 97", "threat note 96"]).probabilities
    assert probs[1, 1] > probs[0, 1] and probs[2, 0] > probs[0, 0]  # each label rises with its own word
    with torch.no_grad():  # the loss the model trains with is BCE on float labels
        enc = clf.tokenizer(["rude note"], return_tensors="pt")
        loss = clf.model(**enc, labels=torch.tensor([[0.0, 1.0]])).loss
        logits = clf.model(**enc).logits
    assert loss.item() == pytest.approx(torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([[0.0, 1.0]])).item(), rel=1e-5)


def test_train_cli_augment_counterfactual_trains_on_the_swapped_copies(tmp_path, tiny_model_dir, monkeypatch):
    """`auditkit train --augment counterfactual` end to end: the Trainer's training set holds each identity text's
    swapped copy with the text's label, and training.json counts them."""
    from transformers import AutoTokenizer

    import auditkit.training._finetune as finetune

    texts = {"She loved the food here.": "positive", "My brother hated the service.": "negative",
             "Ebony said the film was great.": "positive", "The soup was cold.": "negative", "Great value.": "positive",
             "Awful noise all night.": "negative"}
    data = tmp_path / "train.csv"
    pd.DataFrame({"text": list(texts), "label": list(texts.values())}).to_csv(data, index=False)
    datasets = []

    class Spy(finetune._EncodedTexts):
        def __init__(self, encodings, labels):
            super().__init__(encodings, labels)
            datasets.append(self)

    monkeypatch.setattr(finetune, "_EncodedTexts", Spy)
    out = tmp_path / "m"
    assert main(["train", "--data", str(data), "--base", str(tiny_model_dir), "--augment", "counterfactual", "--epochs", "1",
                 "--batch-size", "4", "--val-fraction", "0", "--out", str(out)]) == 0
    [train] = datasets  # no validation split
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    names = ["negative", "positive"]
    seen = {(tokenizer.decode(ids, skip_special_tokens=True), names[int(label)])
            for ids, label in zip(train.encodings["input_ids"], train.labels)}
    # the MiniLM tokenizer is uncased: the decoded texts are lower case
    originals = {(t.lower(), label) for t, label in texts.items()}
    swapped = {("he loved the food here.", "positive"), ("my sister hated the service.", "negative"),
               ("amanda said the film was great.", "positive"),  # race swap: a white woman's name
               ("alonzo said the film was great.", "positive")}  # gender swap: a Black man's name
    assert seen == originals | swapped
    record = json.loads((out / "training.json").read_text())
    assert record["hyperparameters"]["augment"] == "counterfactual"
    assert record["data"]["n_augmented"] == len(swapped) and record["data"]["n_train"] == len(texts)
    assert load_classifier(out).labels == names


@pytest.mark.parametrize("parameter, value, flag", [("learning_rate", 2.0, "--learning-rate"), ("val_fraction", 0.95, "--val-fraction"),
                                                    ("max_length", 4, "--max-length")])
def test_errors_name_the_parameter_in_python_and_the_flag_on_the_command_line(tmp_path, capsys, parameter, value, flag):
    with pytest.raises(ConfigError) as caught:
        TrainingConfig(**{parameter: value}).validate()
    assert caught.value.parameter == parameter and parameter in str(caught.value) and flag not in str(caught.value)
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": ["a", "b"], "label": [0, 1]}).to_csv(data, index=False)
    assert main(["train", "--data", str(data), flag, str(value), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"auditkit: error: {flag} ") and f"{parameter} " not in err, err
    assert not (tmp_path / "m").exists()


def test_a_message_naming_two_parameters_reads_as_flags_on_the_command_line(tmp_path, capsys, tiny_model_dir):
    """The same mistake (an existing model at out, no overwrite): Python names out and overwrite, the CLI --out and --overwrite."""
    out = tmp_path / "out"
    config = TrainingConfig(base=str(tiny_model_dir), epochs=1, batch_size=8, val_fraction=0)
    fine_tune(toy_dataset(8), out, config=config, log=lambda m: None)
    with pytest.raises(RunStoreError) as caught:
        fine_tune(toy_dataset(8), out, config=config, log=lambda m: None)
    assert caught.value.parameters == ("out", "overwrite")
    assert str(caught.value) == f"out {str(out)!r} already holds a model; pass overwrite to replace it, or choose a new directory"
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": toy_dataset(8).texts, "label": toy_dataset(8).labels}).to_csv(data, index=False)
    capsys.readouterr()
    assert main(["train", "--data", str(data), "--base", str(tiny_model_dir), "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"auditkit: error: --out {str(out)!r} already holds a model; pass --overwrite to replace it, "
                   "or choose a new directory\n"), err
