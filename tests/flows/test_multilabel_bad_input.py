"""Bad multi-label input stops with one line and exit status 2, before anything is written."""

import json

import pandas as pd
import pytest

from auditkit.audit import AuditOptions, run_audit
from auditkit.cli import main
from auditkit.data import TextDataset, load_dataset
from auditkit.errors import DataError, LabelMismatchError
from auditkit.models import load_classifier, map_label_sets


@pytest.fixture
def multilabel_dir(tmp_path):
    from tiny_models import build_tiny_classifier

    clf = build_tiny_classifier(("toxic", "insult", "threat"))
    clf.model.config.problem_type = "multi_label_classification"
    out = tmp_path / "tox"
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def data(tmp_path):
    rows = [("you are an idiot", "toxic|insult", 1, 1, 0, 1), ("nice park", "", 0, 0, 0, 0),
            ("I will find you", '["toxic", "threat"]', 1, 0, 1, 0), ("good plan", "[]", 0, 0, 0, 1)] * 5
    path = tmp_path / "tox.csv"
    pd.DataFrame(rows, columns=["text", "labels", "toxic", "insult", "threat", "label"]).to_csv(path, index=False)
    return path


def audit(capsys, model, data, out, *extra):
    code = main(["audit", "--model", str(model), "--data", str(data), "--out", str(out), "--n-boot", "0",
                 "--probes", "none", "--attributions", "0", *map(str, extra)])
    _, err = capsys.readouterr()
    return code, err


def one_line(code, err, *fragments):
    assert code == 2
    lines = [l for l in err.strip().splitlines() if l.startswith("auditkit: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_the_model_is_multi_label_and_scores_with_sigmoids(multilabel_dir):
    import torch

    clf = load_classifier(multilabel_dir)
    assert clf.multi_label
    texts = ["you are an idiot", "nice park today, the kids loved it"]
    enc = clf.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(clf.model(**enc).logits).numpy()
    got = clf.predict_proba(texts).probabilities
    assert got == pytest.approx(expected, abs=1e-5)


def test_label_lists_and_indicator_columns_load_the_same_sets(data):
    lists = load_dataset(data, label_col="labels", multi_label=True)
    columns = load_dataset(data, label_col=["toxic", "insult", "threat"])
    assert lists.labels[:4] == [("toxic", "insult"), (), ("toxic", "threat"), ()]
    assert columns.labels == lists.labels and columns.multi_label and lists.multi_label
    assert columns.label_names == ["toxic", "insult", "threat"]
    assert map_label_sets(lists.labels[:3], ["toxic", "insult", "threat"]).tolist() == [[1, 1, 0], [0, 0, 0], [1, 0, 1]]


@pytest.mark.parametrize("extra, fragments", [
    (["--threshold", "0"], ["--threshold must be between 0 and 1"]),
    (["--threshold", "1.5"], ["--threshold must be between 0 and 1"]),
    (["--label-col", "labels", "--threshold-file", "{bad_threshold}"], ["threshold of 'toxic'", "between 0 and 1"]),
    (["--label-col", "labels", "--threshold-file", "{unknown}"], ["names label(s) the model lacks: 'obscene'"]),
    (["--label-col", "labels", "--threshold-file", "{not_json}"], ["not valid JSON"]),
    (["--label-col", "{mixed}"], ["does not know label(s) 'spam'"]),
    (["--label-col", "label"], ["single-label values", "--label-col repeated"]),
    (["--label-col", "toxic", "--label-col", "labels"], ["must hold 0 or 1"]),
])
def test_bad_input_is_one_line_exit_2(tmp_path, multilabel_dir, data, capsys, extra, fragments):
    (tmp_path / "bad.json").write_text(json.dumps({"toxic": 1.2}))
    (tmp_path / "unknown.json").write_text(json.dumps({"toxic": 0.4, "obscene": 0.3}))
    (tmp_path / "nj.json").write_text("{toxic: 0.4")
    frame = pd.read_csv(data, keep_default_na=False)
    frame["mixed"] = ["toxic|spam", "", "insult", ""] * 5
    frame.to_csv(data, index=False)
    extra = [e.format(bad_threshold=tmp_path / "bad.json", unknown=tmp_path / "unknown.json", not_json=tmp_path / "nj.json",
                      mixed="mixed") for e in extra]
    code, err = audit(capsys, multilabel_dir, data, tmp_path / "run", *extra)
    one_line(code, err, *fragments)
    assert not (tmp_path / "run").exists()


def test_single_label_data_for_a_multi_label_model_and_the_reverse(tmp_path, multilabel_dir, tiny_model_dir, data, capsys):
    with pytest.raises(LabelMismatchError, match="multi-label model but the data has one label per example"):
        run_audit(load_classifier(multilabel_dir), TextDataset(["a", "b"], ["toxic", "insult"]),
                  options=AuditOptions(n_boot=0, probes=(), attributions=0))
    code, err = audit(capsys, tiny_model_dir, data, tmp_path / "run", "--label-col", "toxic", "--label-col", "insult")
    one_line(code, err, "single-label model")


def test_train_needs_multi_label_for_several_label_columns(tmp_path, tiny_model_dir, data, capsys):
    code = main(["train", "--data", str(data), "--label-col", "toxic", "--label-col", "insult", "--base", str(tiny_model_dir),
                 "--out", str(tmp_path / "m")])
    one_line(code, capsys.readouterr().err, "add --multi-label")


def test_unparseable_json_label_list_is_a_data_error(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"text": ["a"], "labels": ['["toxic", ']}).to_csv(path, index=False)
    with pytest.raises(DataError, match="not a valid JSON list"):
        load_dataset(path, label_col="labels", multi_label=True)
