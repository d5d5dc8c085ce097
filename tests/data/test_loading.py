
import pandas as pd
import pytest

from auditkit.data import load_dataset
from auditkit.data._loading import parse_source
from auditkit.errors import DataError


def write_csv(path, rows, header="text,label"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def frame():
    return pd.DataFrame({"text": ["good film", "bad film", "my sister liked it"], "label": ["pos", "neg", "pos"], "g": ["none", "none", "female"]})


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_every_format_loads_the_same_examples(tmp_path, frame, fmt):
    path = tmp_path / f"d.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    ds = load_dataset(path, group_cols=["g"])
    assert ds.texts == frame.text.tolist()
    assert ds.labels == frame.label.tolist()
    assert ds.groups == {"g": frame.g.tolist()}
    assert ds.label_names == ["neg", "pos"]


def test_integer_labels_stay_integers_and_limit_applies(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a,1", "b,0", "c,1", "d,0"])
    ds = load_dataset(path, limit=3)
    assert ds.labels == [1, 0, 1]
    assert ds.label_names == ["0", "1"]


def test_fingerprint_changes_with_content(tmp_path):
    a = load_dataset(write_csv(tmp_path / "a.csv", ["a,1", "b,0"]))
    b = load_dataset(write_csv(tmp_path / "b.csv", ["a,1", "b,1"]))
    assert a.fingerprint != b.fingerprint
    assert a.fingerprint == load_dataset(tmp_path / "a.csv").fingerprint


def test_quoted_commas_and_newlines_survive(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"text": ['he said "fine, ok"\nthen left'], "label": [1]}).to_csv(path, index=False)
    assert load_dataset(path).texts == ['he said "fine, ok"\nthen left']


def put(name, content):
    def make(directory):
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return make


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p / "missing.csv", "does not exist"),
        (put("empty.csv", ""), "is empty"),
        (put("hdr.csv", "text,label\n"), "holds no examples"),
        (put("bad.csv", b"text,label\ncaf\xe9,1\n"), "not valid UTF-8"),
        (put("d.xlsx", "x"), "cannot tell the format"),
        (put("bad.jsonl", '{"text": "a", "label": 1}\n{not json\n'), "cannot parse"),
        (put("bad.parquet", b"PAR1garbage"), "as PARQUET"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path, make, expected):
    with pytest.raises(DataError) as info:
        load_dataset(make(tmp_path))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_column_lists_the_columns_that_exist(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a,1"], header="sentence,label")
    with pytest.raises(DataError, match=r"text column 'text' is not in .*columns there are: sentence, label \(choose one with text_col\)"):
        load_dataset(path)
    with pytest.raises(DataError, match="group column 'gender'"):
        load_dataset(path, text_col="sentence", group_cols=["gender"])


def test_empty_texts_are_counted_and_located(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a,1", '"",0', "c,1", '"   ",0'])
    with pytest.raises(DataError, match=r"2 empty or missing text\(s\) .* at data row\(s\) 2, 4"):
        load_dataset(path)


def test_missing_labels_are_reported(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a,1", "b,"])
    with pytest.raises(DataError, match=r"1 empty or missing label\(s\) .* row\(s\) 2"):
        load_dataset(path)


def test_hub_source_syntax():
    assert parse_source("hf:glue/sst2:validation") == ("glue", "sst2", "validation")
    assert parse_source("hf:imdb") == ("imdb", None, "test")
    with pytest.raises(DataError, match="names no dataset"):
        parse_source("hf:")


def test_hub_dataset_offline_says_so(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataError, match="Hub is unreachable"):
        load_dataset("hf:glue/sst2:validation", text_col="sentence")


def test_limit_must_be_positive(tmp_path):
    with pytest.raises(DataError, match="^limit must be a positive"):
        load_dataset(write_csv(tmp_path / "d.csv", ["a,1"]), limit=0)
