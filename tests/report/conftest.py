import pytest

from _runs import build_run


@pytest.fixture
def full_run(tmp_path):
    """A run with metrics, bias probes and attributions (and hostile texts)."""
    return build_run(tmp_path / "full")


@pytest.fixture
def bare_run(tmp_path):
    """A run audited without probes and attributions."""
    return build_run(tmp_path / "bare", with_bias=False, with_attributions=False)
