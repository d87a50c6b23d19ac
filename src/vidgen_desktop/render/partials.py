"""The hidden partial files renders write before the rename, and removing the stale ones.

FFmpeg writes ``.NAME.partial-XXXXXXXX.EXT`` beside the target; the runner renames it
into place once it checks out. A writer killed with ``kill -9`` cannot remove its
partial, so each partial carries its writer's lock: the render creates it, takes an
exclusive ``flock`` on it and keeps that descriptor open (FFmpeg inherits it) for as
long as it writes. The kernel drops the lock when the last holder dies, whatever its
pid is later reused for, so "the lock can be taken" means exactly "nobody writes this
any more". Every render removes the stale partials of its own target first, and
``vidgen cleanup`` those of every folder renders have written to (each render records
its folder here, one small file per folder).

Without ``fcntl`` (Windows) there is no lock; there an open file cannot be deleted, so
a partial FFmpeg still writes survives the attempt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.files import PARTIAL_MARK, atomic_write, partial_path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_ANY_PARTIAL = re.compile(r"^\..+\.partial-[0-9a-f]{8}(\.[A-Za-z0-9]+)?$", re.DOTALL)
CREATE_TRIES = 5  # new names tried when a sweep removed the file between create and lock


def _prefix(target: Path) -> str:
    """How the names of ``target``'s partial files begin."""
    return f".{target.stem}{PARTIAL_MARK}"


def is_partial_of(path: Path, target: Path) -> bool:
    name, prefix = path.name, _prefix(target)
    middle = name[len(prefix) : len(name) - len(target.suffix)]
    return (
        name.startswith(prefix)
        and name.endswith(target.suffix)
        and len(middle) == 8
        and all(c in "0123456789abcdef" for c in middle)
    )


def _lock(fd: int) -> bool:
    """Take the exclusive lock without waiting; False if someone holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def create(target: Path) -> tuple[Path, int]:
    """Create and lock a new partial for ``target``; return it and the descriptor holding
    the lock (keep it open while writing, pass it to FFmpeg, close it at the end)."""
    register_folder(target.parent)
    for _ in range(CREATE_TRIES):
        path = partial_path(target)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        # a sweep may lock and remove the new file before we lock it: then try a new name
        if _lock(fd) and _same_file(fd, path):
            return path, fd
        os.close(fd)
    raise OSError(f"could not create a partial file for {target.name}")


def _remove_if_stale(path: Path, *, dry_run: bool) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return False
    try:
        if not _lock(fd) or not _same_file(fd, path):
            return False  # a live render's, or already replaced
        if not dry_run:
            os.unlink(path)  # while holding the lock: no writer can have claimed it since
        return True
    except OSError:  # Windows: still open elsewhere
        return False
    finally:
        os.close(fd)


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:  # gone, or not readable
        return []


def remove_stale(target: Path) -> list[Path]:
    """Remove the partials of renders of ``target`` whose writer has gone; return them."""
    # Names first: the folder is often the one every render goes to, and a Path for each
    # of its files, sorted, cost ~50 M instructions per render at 1,000 files.
    prefix = _prefix(target)
    try:
        names = [entry.name for entry in os.scandir(target.parent)]
    except OSError:  # gone, or not readable
        return []
    candidates = sorted(target.parent / name for name in names if name.startswith(prefix))
    return [
        path
        for path in candidates
        if is_partial_of(path, target) and _remove_if_stale(path, dry_run=False)
    ]


def stale_in(folder: Path, *, dry_run: bool = False) -> list[Path]:
    """The stale partials of any target in ``folder``: removed, or only listed on a dry run."""
    return [
        path
        for path in _entries(folder)
        if _ANY_PARTIAL.match(path.name) and _remove_if_stale(path, dry_run=dry_run)
    ]


# Folders renders have written to, for `vidgen cleanup` -------------------------------


def _registry() -> Path:
    return paths.data_dir() / "render-folders"


def register_folder(folder: Path) -> None:
    """Remember ``folder`` as one renders write to (one file per folder: no shared list
    to read, change and write back, so concurrent renders cannot lose an entry)."""
    raw = os.fsencode(folder.resolve())
    entry = _registry() / f"{hashlib.sha256(raw).hexdigest()[:16]}.folder"
    if not entry.exists():
        with contextlib.suppress(OSError):  # a render never fails for this bookkeeping
            atomic_write(entry, raw)


def known_folders() -> list[Path]:
    """Every folder renders on this machine have written to and that still exists."""
    folders = []
    for entry in sorted(_registry().glob("*.folder")):
        try:
            folder = Path(os.fsdecode(entry.read_bytes()))
        except OSError:
            continue
        if folder.is_dir():
            folders.append(folder)
        else:  # the folder is gone: forget it
            entry.unlink(missing_ok=True)
    return folders
