"""Predictions a failed audit kept beside --out are reused by --resume only when they could be the model's."""

from types import SimpleNamespace

import numpy as np
import pytest

from auditkit.store._partial import PartialPredictions


def _model():
    return SimpleNamespace(kind="python", source="m:f", fingerprint="abc", labels=["negative", "positive"],
                           max_length=None, precision=None, multi_label=False)


class _Data(list):
    fingerprint = "data"

    @property
    def texts(self):
        return list(self)


def _kept(tmp_path, probabilities):
    data = _Data(f"text {i}" for i in range(len(probabilities)))
    partial = PartialPredictions(tmp_path / "run", classifier=_model(), dataset=data)
    partial.done[:] = True
    partial.probabilities[:] = probabilities
    partial.keep()
    return PartialPredictions(tmp_path / "run", classifier=_model(), dataset=data)


def test_kept_predictions_that_check_out_are_reused(tmp_path):
    again = _kept(tmp_path, [[0.2, 0.8], [0.6, 0.4]])
    assert again.load() == "continuing from 2 of 2 predictions kept by a failed audit"
    np.testing.assert_allclose(again.probabilities, [[0.2, 0.8], [0.6, 0.4]])


@pytest.mark.parametrize("bad, reason", [
    ([[np.nan, 0.5], [0.5, 0.5]], "not numbers"),
    ([[1.5, -0.5], [0.5, 0.5]], "outside [0, 1]"),
    ([[0.9, 0.9], [0.5, 0.5]], "do not sum to 1"),
])
def test_tampered_kept_predictions_are_never_reused(tmp_path, bad, reason):
    again = _kept(tmp_path, bad)
    note = again.load()
    assert reason in note and note.endswith("predicting every row"), note
    assert not again.done.any()
