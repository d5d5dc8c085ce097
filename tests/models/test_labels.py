import pytest

from auditkit.errors import LabelMismatchError
from auditkit.models._labels import map_labels


def test_names_match_case_insensitively():
    assert map_labels(["Positive", "NEGATIVE ", "positive"], ["negative", "positive"]).tolist() == [1, 0, 1]


def test_integer_labels_map_by_id():
    assert map_labels([1, 0, 1], ["negative", "positive"]).tolist() == [1, 0, 1]
    assert map_labels(["1", "0"], ["LABEL_0", "LABEL_1"]).tolist() == [1, 0]


def test_numeric_names_prefer_names():
    # a model whose classes are literally named "1" and "0" in that order
    assert map_labels(["0", "1"], ["1", "0"]).tolist() == [1, 0]


def test_unknown_labels_fail_with_both_sides_named():
    with pytest.raises(LabelMismatchError) as info:
        map_labels(["pos", "neg", "meh"], ["negative", "positive"])
    message = str(info.value)
    assert "'pos'" in message and "'meh'" in message and "0='negative'" in message and "\n" not in message


def test_out_of_range_ids_fail():
    with pytest.raises(LabelMismatchError, match="does not know label"):
        map_labels([0, 1, 2], ["negative", "positive"])
