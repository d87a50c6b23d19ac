"""The editor's heap: freed frames go back to the system (glibc's malloc; elsewhere nothing).

Preview frames, proxies' frames and thumbnails are arrays of 0.5-4 MB made and
dropped by the dozen while scrubbing, on several threads. glibc serves a
block that big from its own mapping only until one such block is freed: then
it raises its threshold (up to 32 MB) and later frames come from the
threads' arenas, which keep the freed space. After a scrub the editor then
held ~80 MB it no longer used (``benchmarks/editor_memory.py``). ``tune``
fixes the threshold, so a frame's memory is unmapped when it is freed, and
``IdleTrim`` hands back what the arenas still keep once the canvas rests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

from PySide6.QtCore import QObject, QTimer

M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 256 * 1024  # bytes: a block this big gets its own mapping (glibc's default start)
TRIM_AFTER = 2_000  # ms after the canvas's last frame: the playhead rests, the heap is trimmed

_libc: list = []


def _glibc():
    """glibc's ``malloc_trim`` and ``mallopt``, or None (macOS, Windows, musl)."""
    if not _libc:
        lib = None
        if sys.platform.startswith("linux"):
            try:
                lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                lib.malloc_trim, lib.mallopt  # noqa: B018 - musl has neither
            except (OSError, AttributeError):
                lib = None
        _libc.append(lib)
    return _libc[0]


def tune() -> bool:
    """Keep big blocks in their own mappings (call early, before the worker threads)."""
    lib = _glibc()
    return bool(lib is not None and lib.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim() -> bool:
    """Give the arenas' free pages back to the system; True if any were."""
    lib = _glibc()
    return bool(lib is not None and lib.malloc_trim(0))


class IdleTrim(QObject):
    """Trim the heap ``TRIM_AFTER`` ms after the canvas showed its last frame."""

    def __init__(self, canvas, parent: QObject | None = None) -> None:
        super().__init__(parent or canvas)
        self.timer = QTimer(self, singleShot=True, interval=TRIM_AFTER)
        self.timer.timeout.connect(trim)
        canvas.renderer.ready.connect(lambda *_: self.timer.start())
