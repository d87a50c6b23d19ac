"""Writing files so that a crash leaves the old version or the new one, never half of one.

The one home for atomic writes. Everything is written under a temporary
name beside its place (same folder, so the rename cannot cross file systems;
same extension, because FFmpeg and SQLite pick a format by it), flushed to
disk, renamed over the target, and the folder is flushed too so the rename
itself survives a power cut. On any error the temporary is removed.

>>> atomic_write(path, data)                  # bytes or text, all at once
>>> with atomic_open(path) as handle: ...     # streamed (a copy, a download)
>>> with atomic_path(path) as tmp: ...        # another program writes tmp (FFmpeg, SQLite)

Temporaries are named ``.<stem>.partial-<8 hex><suffix>`` (``PARTIAL_MARK``),
so whoever cleans up after a crash can find them. Imports nothing of ours.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PARTIAL_MARK = ".partial-"
NEW_FILE_MODE = 0o644  # a new file is an ordinary file (mkstemp's 0600 would hide it)


def partial_path(target: Path) -> Path:
    """A fresh temporary name beside ``target``, with its extension (nothing is created)."""
    token = os.urandom(4).hex()  # as uuid4().hex[:8], without uuid's import
    return target.with_name(f".{target.stem}{PARTIAL_MARK}{token}{target.suffix}")


def is_partial(path: Path) -> bool:
    """Whether ``path`` is a temporary left by one of these writers."""
    return path.name.startswith(".") and PARTIAL_MARK in path.name


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk (folders: best effort, not on Windows)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        if path.is_dir():
            return  # a folder cannot be opened on every system; its files are flushed
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():
            raise
    finally:
        os.close(fd)


def move_into_place(temporary: Path, target: Path) -> None:
    """Flush ``temporary`` (a file, or a folder and the files in it) and rename it to ``target``.

    After this returns, ``target`` is complete on disk: a crash any time before
    left the previous ``target`` (or none) and, at worst, the temporary.
    """
    temporary, target = Path(temporary), Path(target)
    if temporary.is_dir():
        for folder, _dirs, names in os.walk(temporary):
            for name in names:
                _fsync(Path(folder, name))
            _fsync(Path(folder))
    else:
        _fsync(temporary)
    os.replace(temporary, target)
    _fsync(target.parent)  # make the rename itself durable


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside ``target`` that becomes ``target`` when the block ends well.

    The block (or a program it runs) creates the temporary, as a file or a
    folder; if the block raises, whatever it made is removed and ``target``
    is untouched. The target's folder is created if needed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = partial_path(target)
    try:
        yield temporary
        move_into_place(temporary, target)
    finally:
        if os.path.lexists(temporary):
            _remove(temporary)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new one gets ``NEW_FILE_MODE``."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return NEW_FILE_MODE


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], *, readable: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write that replaces ``target`` when the block ends well.

    ``handle.name`` is the temporary's path (to hash what was written before
    it is accepted, say). ``readable``: open it for reading back too.
    """
    target = Path(target)
    mode = _mode_for(target)
    with atomic_path(target) as temporary, open(temporary, "x+b" if readable else "xb") as handle:
        if hasattr(os, "fchmod"):
            os.fchmod(handle.fileno(), mode)
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write(target: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``target``: the old file or the new one, never half."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_open(target) as handle:
        handle.write(payload)
