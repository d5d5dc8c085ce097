import pytest

from auditkit.store import read_run


@pytest.fixture(scope="session")
def stored_runs(real_runs):
    """The two real-producer runs, read back from the store."""
    return tuple(read_run(p) for p in real_runs)
