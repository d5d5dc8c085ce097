import pytest

from auditkit.audit import AuditOptions, run_audit
from auditkit.data import TextDataset
from auditkit.errors import ConfigError, DataError


def tiny_data():
    return TextDataset(texts=["good", "bad", "my sister liked it", "awful"] * 5, labels=["positive", "negative"] * 10,
                       groups={"g": ["a", "b"] * 10})


@pytest.mark.parametrize("bad, flag", [({"alpha": 2}, "--alpha"), ({"n_boot": -1}, "--n-boot"),
                                       ({"attributions": -3}, "--attributions"), ({"attribution_method": "magic"}, "--attribution-method"),
                                       ({"probes": ("religion",)}, "religion")])
def test_bad_options_fail_before_predicting_with_one_line(tiny_classifier, bad, flag):
    with pytest.raises(ConfigError) as info:
        run_audit(tiny_classifier, tiny_data(), options=AuditOptions(**bad), log=lambda m: None)
    assert flag in str(info.value) and "\n" not in str(info.value)


def test_python_api_audit_gives_record_and_tables(tiny_classifier):
    result = run_audit(tiny_classifier, tiny_data(), options=AuditOptions(n_boot=20, probes=(), attributions=0), log=lambda m: None)
    assert set(result.tables) == {"predictions"}
    assert result.record["dataset"]["n_examples"] == 20 and set(result.record["timings"]) == {"predict", "metrics"}
    assert set(result.record["metrics"]["by_group"]["g"]) == {"a", "b"}


def test_unlabelled_data_is_refused(tiny_classifier):
    with pytest.raises(DataError, match="needs labels"):
        run_audit(tiny_classifier, TextDataset(texts=["a"], labels=None), log=lambda m: None)
