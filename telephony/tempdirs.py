"""Temporary folders that say whose they are, so none outlives the process that made it.

`make` creates a folder in the system's temporary folder holding a marker file that the making
process keeps locked (`flock`, or `msvcrt.locking` on Windows) for as long as the folder is in use.
`remove` deletes it; at interpreter exit every folder this process still holds is deleted.
A process that cannot clean up (killed with SIGKILL, a power cut) leaves its folders behind, but
the operating system releases its locks as it dies, so `sweep` in a later process can tell them
from the folders of a process still running: a marker it can lock has no living owner. A folder
without a marker is never touched. Used by the app (each session's folder) and the CLI (the
store's folder, where zip members are expanded).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

PREFIX = "cbt-"
MARKER = ".owner"

_held: dict[str, int] = {}   # folder made by this process -> descriptor of its locked marker
_guard = threading.Lock()

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock, not lockf: an flock held through one descriptor also refuses another descriptor
        # in the same process, so a process never sweeps its own folders.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False


def make(prefix: str) -> Path:
    """A new, empty folder (apart from its marker) named `prefix`..., held by this process."""
    if not prefix.startswith(PREFIX):
        raise ValueError(f"temporary folders are named {PREFIX}...; got {prefix!r}")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    # Locked under another name, then renamed: a sweep never sees a marker nobody holds yet.
    pending = folder / f"{MARKER}.new"
    fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    if not _try_lock(fd):   # a file just made cannot be locked by anyone else
        os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        raise OSError(f"could not lock the marker in {folder}")
    os.write(fd, f"{os.getpid()}\n".encode())   # for a person looking at the folder
    os.replace(pending, folder / MARKER)
    with _guard:
        _held[str(folder)] = fd
    return folder


def remove(folder: str | Path) -> None:
    """Delete a folder made by `make` (or anything else under it); never raises."""
    with _guard:
        fd = _held.pop(str(folder), None)
    if fd is not None:
        os.close(fd)   # releases the lock (and Windows cannot delete a file still open)
    shutil.rmtree(folder, ignore_errors=True)


def held() -> list[Path]:
    """The folders this process made and has not removed."""
    with _guard:
        return [Path(f) for f in _held]


def sweep(parent: str | Path | None = None) -> list[Path]:
    """Delete the marked folders in `parent` (the system's temporary folder by default) whose
    process has gone; return them. A folder whose owner is alive, this process included, stays."""
    root = Path(parent or tempfile.gettempdir())
    removed = []
    for folder in sorted(root.glob(f"{PREFIX}*")):
        if str(folder) in _held or folder.is_symlink() or not folder.is_dir():
            continue
        if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
            continue   # another user's: not ours to judge
        try:
            fd = os.open(folder / MARKER, os.O_RDWR)
        except OSError:   # no marker (not made here), or removed meanwhile
            continue
        try:
            if _try_lock(fd):   # its owner is dead: the lock went with it
                os.close(fd)
                fd = -1
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        finally:
            if fd >= 0:
                os.close(fd)
    return removed


@atexit.register
def _remove_all() -> None:
    for folder in held():
        remove(folder)
