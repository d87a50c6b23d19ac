"""The editor's heap: freed frames go back to the system once the canvas rests (glibc).

Preview frames, proxies' frames and thumbnails are arrays of 0.5-4 MB made and
dropped by the dozen while scrubbing, on several threads. glibc serves a
block that big from its own mapping only until one such block is freed: then
it raises its threshold (up to 32 MB) and later frames come from the
threads' arenas, which keep the freed space: after a scrub the editor held
~40-80 MB it no longer used (``benchmarks/editor_memory.py``). ``IdleTrim``
hands that back (``malloc_trim``) 2 s after the canvas's last frame.

Not a fixed mmap threshold (``mallopt(M_MMAP_THRESHOLD)``): every frame would
then be a new mapping whose pages fault in fresh, and scrubbing cost 35 % more
CPU (``benchmarks/editor_preview.py``: median 17 -> 23 ms a jump).

Fewer arenas (``limit_arenas``, before any thread starts): glibc gives each
thread that allocates concurrently an arena of its own, up to 8 per core, and
each keeps the free space between live frames (fragmentation ``malloc_trim``
cannot return, it only returns whole free pages). Two arenas, as
``MALLOC_ARENA_MAX=2`` does: after a scrub across the example, PSS 289 ->
234 MB, opened 214 -> 195 MB, scrubbing as fast (``benchmarks/editor_memory.py``,
``editor_preview.py``).
"""

from __future__ import annotations

import ctypes
import os
import sys

from PySide6.QtCore import QObject, QTimer

ARENAS = 2  # glibc heaps shared by all threads (M_ARENA_MAX)
M_ARENA_MAX = -8  # glibc's malloc.h
TRIM_AFTER = 2_000  # ms after the canvas's last frame: the playhead rests, the heap is trimmed

_libc: list = []


def _glibc():
    """glibc's ``malloc_trim``, or None (macOS, Windows, musl)."""
    if not _libc:
        lib = None
        if sys.platform.startswith("linux"):
            try:
                lib = _libc_named()
                lib.malloc_trim  # noqa: B018 - musl has none
            except (OSError, AttributeError):
                lib = None
        _libc.append(lib)
    return _libc[0]


def _libc_named() -> ctypes.CDLL:
    """glibc by its soname; else whatever ``find_library`` finds (it runs ``ldconfig -p``:
    2-15 ms of the editor's start, before the window, when called first)."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("c") or "libc.so.6")


def trim() -> bool:
    """Give the arenas' free pages back to the system; True if any were."""
    lib = _glibc()
    return bool(lib is not None and lib.malloc_trim(0))


def limit_arenas(count: int = ARENAS) -> bool:
    """At most ``count`` glibc arenas; True if set. Call before threads start.

    Left alone when ``MALLOC_ARENA_MAX`` is set: the user's tuning wins.
    """
    lib = _glibc()
    if lib is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(lib.mallopt(M_ARENA_MAX, count))


class IdleTrim(QObject):
    """Trim the heap ``TRIM_AFTER`` ms after the canvas showed its last frame."""

    def __init__(self, canvas, parent: QObject | None = None) -> None:
        super().__init__(parent or canvas)
        self.timer = QTimer(self, singleShot=True, interval=TRIM_AFTER)
        self.timer.timeout.connect(trim)
        canvas.renderer.ready.connect(lambda *_: self.timer.start())
