"""Atomic directory writes: build in a sibling staging folder, then rename into place."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def staged_directory(out: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``out`` when the block succeeds.

    The staging directory sits beside ``out`` (same filesystem, so the final
    rename is atomic). If the block raises — or the process is interrupted —
    the staging directory is removed and ``out`` is left as it was. An
    existing ``out`` is swapped out first and deleted only after the new one
    is in place; callers decide beforehand whether replacing it is allowed.
    """
    out = Path(out)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        yield staging
        os.chmod(staging, 0o755)
        old = None
        if out.exists():
            old = parent / f".{out.name}.old-{uuid.uuid4().hex[:6]}"
            os.rename(out, old)
        os.rename(staging, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
