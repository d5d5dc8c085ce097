"""File-system rules every reader and writer shares.

- :func:`path_kind` says what a path is — including the odd cases a plain
  ``exists()`` hides (a symlink loop, a dangling symlink, a path through a
  regular file, a name too long, a named pipe) — and :data:`PATH_PROBLEMS`
  words them once for every message.
- :func:`check_can_write` is the one "can I write here" check, made before
  any work.
- :func:`staged_directory` (and :func:`staging_folder` for single files)
  writes beside, renames into place, and removes what dead auditkit
  writers left beside the target — only folders auditkit can prove it made.
- :func:`member_file` is how readers open a file of a run folder: a regular
  file directly inside it, never a link to somewhere else.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
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
#: Written first into every staging folder: what lets a later writer prove auditkit made the folder.
OWNER_FILE = ".auditkit-staging"
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


def _writer_alive(pid: int) -> bool:
    """Whether the process ``pid`` (the writer that made a staging folder) still runs."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or not a pid at all: not ours to judge dead
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _staging_pattern(name: str) -> re.Pattern:
    """The exact name of a staging folder of ``name``: ``.NAME.tmp-PID-`` and mkdtemp's 8 random characters."""
    return re.compile(rf"\.{re.escape(name)}{re.escape(STAGING_MARK)}(\d{{1,10}})-[a-z0-9_]{{8}}")


def _ownership(path: Path) -> dict | None:
    """The ownership record auditkit wrote inside the staging folder ``path`` (None when there is none or it does
    not name this very folder: then auditkit cannot prove it made the folder)."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return None
        record = path / OWNER_FILE
        st = os.lstat(record)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 4096:
            return None
        owner = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(owner, dict) or owner.get("writer") != "auditkit" or owner.get("name") != path.name:
        return None
    return owner


def leftovers(out: str | os.PathLike) -> list[Path]:
    """Staging folders of dead auditkit writers beside ``out``: only what auditkit can prove it wrote.

    An entry counts when its name is exactly a staging name of ``out``
    (``.NAME.tmp-PID-XXXXXXXX``), it is a real folder holding the
    ownership record auditkit writes first (:data:`OWNER_FILE`, naming this
    folder and its writer's pid), and that writer no longer runs. A user's
    ``.report.md.tmp-backup`` or ``.report.md.old-2024/`` never matches.
    """
    out = Path(out).absolute()
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    pattern = _staging_pattern(out.name)
    found = []
    for name in names:
        m = pattern.fullmatch(name)
        if not m:
            continue
        owner = _ownership(out.parent / name)
        if owner is not None and owner.get("pid") == int(m.group(1)) and not _writer_alive(int(m.group(1))):
            found.append(out.parent / name)
    return sorted(found)


def remove_leftovers(out: str | os.PathLike) -> list[Path]:
    """Remove what killed auditkit writers left beside ``out`` (see :func:`leftovers`); return what was removed."""
    removed = leftovers(out)
    for path in removed:
        _remove(path)
    return removed


@contextmanager
def staging_folder(out: str | os.PathLike) -> Iterator[Path]:
    """A folder beside ``out`` that only this writer uses, removed with all it holds when the block ends.

    Named ``.NAME.tmp-PID-XXXXXXXX`` and holding an ownership record
    (:data:`OWNER_FILE`) written before anything else, so a later writer can
    prove auditkit made it (:func:`leftovers`) if this one is killed. It sits
    in ``out``'s folder (same file system, so renames into place are atomic);
    what dead writers left beside ``out`` is removed first. Raises
    ``OSError`` when the folder cannot be made.
    """
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    pid = os.getpid()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}{STAGING_MARK}{pid}-", dir=out.parent))
    try:
        (work / OWNER_FILE).write_text(json.dumps({"writer": "auditkit", "name": work.name, "pid": pid}), encoding="utf-8")
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def staged_directory(out: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``out`` when the block succeeds.

    The staging directory sits inside a :func:`staging_folder` beside ``out``.
    If the block raises — or the process is interrupted — the staging folder
    is removed and ``out`` is left as it was; a writer killed outright
    (kill -9) cannot clean up, so every write first removes the staging
    folders of dead writers beside ``out`` (only those: see :func:`leftovers`).
    An ``out`` that is a symlink is written through: its target is replaced
    and the link kept. An existing ``out`` is moved into the staging folder
    first and deleted with it only after the new one is in place; callers
    decide beforehand whether replacing it is allowed.
    """
    out = Path(out).absolute()
    if out.is_symlink():
        out = out.resolve(strict=True)
    with staging_folder(out) as work:
        staging, old = work / "new", work / "old"
        staging.mkdir()
        try:
            yield staging
            os.chmod(staging, 0o755)
            if out.exists():
                os.rename(out, old)
            os.rename(staging, out)
        except BaseException:
            if os.path.lexists(old) and not os.path.lexists(out):  # stopped between the two renames: put it back
                os.rename(old, out)
            raise


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
