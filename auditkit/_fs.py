"""File-system rules every reader and writer shares.

- :func:`path_kind` says what a path is — including the odd cases a plain
  ``exists()`` hides (a symlink loop, a dangling symlink, a path through a
  regular file, a name too long, a named pipe) — and :data:`PATH_PROBLEMS`
  words them once for every message.
- :func:`check_can_write` is the one "can I write here" check, made before
  any work.
- :func:`staged_directory` writes beside, renames into place, and removes
  what dead writers left beside the target.
- :func:`member_file` is how readers open a file of a run folder: a regular
  file directly inside it, never a link to somewhere else.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from auditkit.errors import RunStoreError

#: What :func:`path_kind` reports for paths that cannot be used, worded for messages.
PATH_PROBLEMS = {
    "symlink loop": "is a symlink loop",
    "dangling symlink": "is a symlink to a missing target",
    "under a file": "goes through a regular file (a file cannot hold other files)",
    "name too long": "has a name longer than the file system allows",
    "fifo": "is a named pipe, not a regular file",
    "special": "is a device or socket, not a regular file",
    "unreadable": "cannot be inspected (permission denied)",
}
STAGING_MARK = ".tmp-"
_OLD = ".old-"
# staging names add ".", a marker, the writer's pid and a random suffix to the target's name
_NAME_ROOM = 32


def path_kind(path: str | os.PathLike) -> str:
    """What ``path`` is: ``"missing"``, ``"file"``, ``"directory"`` or a key of :data:`PATH_PROBLEMS`.

    Symlinks are followed; a link whose target is missing is a
    ``"dangling symlink"``, not ``"missing"``.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "dangling symlink" if os.path.islink(path) else "missing"
    except NotADirectoryError:
        return "under a file"
    except PermissionError:
        return "unreadable"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if exc.errno == errno.ENAMETOOLONG:
            return "name too long"
        raise
    if stat.S_ISDIR(st.st_mode):
        return "directory"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "fifo" if stat.S_ISFIFO(st.st_mode) else "special"


def _nearest_existing(path: Path) -> tuple[Path, str]:
    """The closest ancestor of ``path`` that is not missing, and its kind."""
    for ancestor in path.parents:
        kind = path_kind(ancestor)
        if kind != "missing":
            return ancestor, kind
    return Path(path.anchor or "/"), "directory"


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def check_can_write(path: str | os.PathLike, *, parameter: str) -> Path:
    """Raise :class:`RunStoreError` (one line naming ``parameter``, e.g. ``out``) when ``path`` cannot be written.

    Called before any work. Nothing is created: missing parent folders are
    made only when the output is written. Refused: a symlink loop, a
    dangling symlink, a path through a regular file, a named pipe or device,
    a name too long for the file system (with room for the staging name),
    and a folder this process may not write to. Whether an existing target may be *replaced* is the
    caller's rule.
    """
    p = Path(path).absolute()
    shown = str(path)
    kind = path_kind(p)
    if kind in PATH_PROBLEMS:
        raise RunStoreError(f"{parameter} {shown!r} {PATH_PROBLEMS[kind]}; choose another path", parameter=parameter)
    folder, folder_kind = _nearest_existing(p)
    if folder_kind == "file":
        raise RunStoreError(f"{parameter} {shown!r} {PATH_PROBLEMS['under a file']} ({str(folder)!r}); choose another path",
                            parameter=parameter)
    if folder_kind != "directory":
        raise RunStoreError(f"{parameter} {shown!r}: {str(folder)!r} {PATH_PROBLEMS[folder_kind]}; choose another path",
                            parameter=parameter)
    limit = _name_max(folder) - _NAME_ROOM
    for part in p.relative_to(folder).parts:
        if len(os.fsencode(part)) > limit:
            raise RunStoreError(
                f"{parameter} {shown!r} has a name of {len(os.fsencode(part))} bytes; names here can have at most {limit} — choose a shorter one",
                parameter=parameter,
            )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RunStoreError(f"{parameter} {shown!r}: the folder {str(folder)!r} is read-only for this user; "
                            "choose a folder you can write to", parameter=parameter)
    return p


def check_output_folder(out: Path, *, overwrite: bool, ours, what: str, foreign: str) -> None:
    """Refuse an ``out`` folder a writer may not take (one line naming the parameter ``out``).

    It must pass :func:`check_can_write` and be missing, empty, or — with ``overwrite`` — a folder
    ``ours(out)`` says this writer wrote (it holds a ``what``: "run", "model"); ``foreign`` says what
    any other folder is ("exists and is not an auditkit run"). Followed through a symlink, its target is checked too.
    """
    check_can_write(out, parameter="out")
    if out.exists():
        if not out.is_dir():
            raise RunStoreError(f"out {str(out)!r} is an existing file; choose a new directory for the {what}",
                                parameter="out")
        if any(out.iterdir()):
            if not ours(out):
                raise RunStoreError(f"out {str(out)!r} {foreign}; refusing to overwrite it — choose a new directory",
                                    parameter="out")
            if not overwrite:
                raise RunStoreError(f"out {str(out)!r} already holds a {what}; pass overwrite to replace it, or choose a new "
                                    "directory", parameter=("out", "overwrite"))
    if out.is_symlink():  # written through the link: its target's folder takes the output
        check_can_write(out.resolve(), parameter="out")


def _writer_alive(name: str, marker: str) -> bool:
    """Whether the process that made the staging/old entry ``name`` still runs (its pid follows ``marker``)."""
    pid_text = name.split(marker, 1)[1].split("-", 1)[0]
    if not pid_text.isdigit():
        return False  # no pid recorded: a writer from before pids were recorded
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def leftovers(out: str | os.PathLike) -> list[Path]:
    """Staging (``.NAME.tmp-*``) and replaced (``.NAME.old-*``) entries of dead writers beside ``out``."""
    out = Path(out).absolute()
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    found = []
    for name in names:
        for marker in (STAGING_MARK, _OLD):
            if name.startswith(f".{out.name}{marker}") and not _writer_alive(name, marker):
                found.append(out.parent / name)
    return sorted(found)


def remove_leftovers(out: str | os.PathLike) -> list[Path]:
    """Remove what killed writers left beside ``out`` (see :func:`leftovers`); return what was removed."""
    removed = leftovers(out)
    for path in removed:
        _remove(path)
    return removed


@contextmanager
def staged_directory(out: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``out`` when the block succeeds.

    The staging directory sits beside ``out`` (same filesystem, so the final
    rename is atomic) and carries this process's id in its name. If the
    block raises — or the process is interrupted — the staging directory is
    removed and ``out`` is left as it was; a writer killed outright (kill -9)
    cannot clean up, so every write first removes the staging and replaced
    entries of dead writers beside ``out``. An ``out`` that is a symlink is
    written through: its target is replaced and the link kept. An existing
    ``out`` is swapped out first and deleted only after the new one is in
    place; callers decide beforehand whether replacing it is allowed.
    """
    out = Path(out).absolute()
    if out.is_symlink():
        out = out.resolve(strict=True)
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    pid = os.getpid()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{STAGING_MARK}{pid}-", dir=parent))
    old = None
    try:
        yield staging
        os.chmod(staging, 0o755)
        if out.exists():
            old = parent / f".{out.name}{_OLD}{pid}-{uuid.uuid4().hex[:6]}"
            os.rename(out, old)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not os.path.lexists(out):  # interrupted between the two renames: put the old one back
            os.rename(old, out)
        raise
    if old is not None:
        _remove(old)


def _size_text(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 else f"{n // 2**10} KiB" if n >= 2**10 else f"{n} bytes"


def read_regular_file(path: str | os.PathLike, *, what: str, max_bytes: int, error=None) -> bytes:
    """The bytes of ``path``: a regular file (symlinks followed) of at most ``max_bytes``; else one line.

    The one way auditkit opens a small file a user names (a threshold file,
    a lexicon, a policy, a run's ``run.json``, a model card): a named pipe
    would block the read forever and ``/dev/zero`` would fill memory, so the
    file is opened without blocking and checked on the open descriptor
    (a path swapped for a pipe between a check and the open cannot slip
    through). ``what`` names the file in messages ("threshold file");
    ``error`` is the :class:`~auditkit.errors.AuditkitError` subclass raised
    (default :class:`~auditkit.errors.ConfigError`).
    """
    from auditkit.errors import ConfigError

    error = error or ConfigError
    shown = str(path)
    kind = path_kind(path)
    if kind == "missing":
        raise error(f"{what} {shown!r} does not exist; check the path")
    if kind == "directory":
        raise error(f"{what} {shown!r} is a directory; pass a file")
    if kind != "file":
        raise error(f"{what} {shown!r} {PATH_PROBLEMS[kind]}; pass a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise error(f"cannot read {what} {shown!r}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced after the check above
            raise error(f"{what} {shown!r} is not a regular file; pass a regular file")
        if st.st_size > max_bytes:
            raise error(f"{what} {shown!r} is {_size_text(st.st_size)}, more than the {_size_text(max_bytes)} such a file "
                        "may have; pass the right file")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"cannot read {what} {shown!r}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew while being read
        raise error(f"{what} {shown!r} is more than the {_size_text(max_bytes)} such a file may have; pass the right file")
    return data


def member_file(folder: str | os.PathLike, name: str) -> Path | None:
    """``folder/name`` when it is a regular file directly inside ``folder``; None when there is none.

    Raises :class:`RunStoreError` for a symlink (it could point anywhere,
    e.g. outside the runs folder) or anything that is not a regular file.
    """
    path = Path(folder) / name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RunStoreError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise RunStoreError(f"{str(path)!r} is a symlink; a run folder holds only its own regular files — re-run the audit")
    if not stat.S_ISREG(st.st_mode):
        raise RunStoreError(f"{str(path)!r} is not a regular file; the run is corrupt — re-run the audit")
    return path
