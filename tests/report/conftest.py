import pytest

from real_runs import audit_run


@pytest.fixture
def full_run(tmp_path):
    """A real run with metrics, bias probes and attributions (and hostile strings in labels, groups and texts)."""
    return audit_run(tmp_path / "full")


@pytest.fixture
def bare_run(tmp_path):
    """A real run audited without probes and attributions."""
    return audit_run(tmp_path / "bare", probes=False, attributions=False)
