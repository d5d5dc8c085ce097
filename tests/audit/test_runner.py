import pytest

from auditkit.audit import AuditOptions, run_audit
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError


def tiny_data():
    return TextDataset(texts=["good", "bad", "my sister liked it", "awful"] * 5, labels=["positive", "negative"] * 10,
                       groups={"g": ["a", "b"] * 10})


@pytest.mark.parametrize("bad, name", [({"alpha": 2}, "alpha"), ({"n_boot": -1}, "n_boot"), ({"probe_n_boot": 50}, "probe_n_boot"),
                                       ({"attributions": -3}, "attributions"), ({"attribution_method": "magic"}, "attribution_method"),
                                       ({"probes": ("caste",)}, "caste")])
def test_bad_options_fail_before_predicting_with_one_line(tiny_classifier, bad, name):
    """The Python API names its parameters (the CLI names flags: tests/cli)."""
    with pytest.raises(ConfigError) as info:
        run_audit(tiny_classifier, tiny_data(), options=AuditOptions(**bad), log=lambda m: None)
    assert name in str(info.value) and "\n" not in str(info.value)
    if name != "caste":  # AuditOptions' own checks name the parameter, not a flag (the probes' lexicon message names --lexicon)
        assert str(info.value).startswith(name) and "--" not in str(info.value)


def test_cli_defaults_are_the_options_defaults():
    from auditkit.cli import build_parser

    args = build_parser().parse_args(["audit", "--model", "m", "--data", "d", "--out", "o"])
    from auditkit.cli._audit import options_from_args

    assert options_from_args(args) == AuditOptions()


def test_python_api_audit_gives_record_and_tables(tiny_classifier):
    result = run_audit(tiny_classifier, tiny_data(), options=AuditOptions(n_boot=20, probes=(), attributions=0), log=lambda m: None)
    assert set(result.tables) == {"predictions"}
    assert result.record["dataset"]["n_examples"] == 20 and set(result.record["timings"]) == {"predict", "metrics"}
    assert set(result.record["metrics"]["by_group"]["g"]) == {"a", "b"}


def test_unlabelled_data_is_refused(tiny_classifier):
    with pytest.raises(DataError, match="needs labels"):
        run_audit(tiny_classifier, TextDataset(texts=["a"], labels=None), log=lambda m: None)


def test_python_api_refuses_label_columns_that_miss_a_model_label(tmp_path):
    """The CLI's --label-col check holds for a dataset loaded in Python too: a label with no column would read as never
    present and pull macro-F1 down without a word."""
    from tiny_models import build_tiny_classifier

    from auditkit.data import load_dataset
    from auditkit.errors import LabelMismatchError

    clf = build_tiny_classifier(("toxic", "insult", "threat"), multi_label=True)
    path = tmp_path / "cols.csv"
    path.write_text("text,toxic,insult\nyou are awful,1,1\nnice day,0,0\n")
    partial = load_dataset(path, label_col=["toxic", "insult"], multi_label=True)
    assert partial.label_columns == ("toxic", "insult")
    with pytest.raises(LabelMismatchError, match="no column for: 'threat'") as err:
        run_audit(clf, partial, options=AuditOptions(n_boot=0, probes=(), attributions=0), log=lambda m: None)
    assert "label_col" in str(err.value)
    path.write_text("text,TOXIC,insult,threat\nyou are awful,1,1,0\nnice day,0,0,0\n")
    full = load_dataset(path, label_col=["TOXIC", "insult", "threat"], multi_label=True)
    result = run_audit(clf, full, options=AuditOptions(n_boot=0, probes=(), attributions=0), log=lambda m: None)
    assert result.record["metrics"]["per_label"]["toxic"]["support"] == 1
