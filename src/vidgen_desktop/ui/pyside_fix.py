"""Work around PySide6 6.12.0's reference leak on ``True`` (Python < 3.12 only).

In PySide6/shiboken6 6.12.0, ``SignalInstance.emit()`` returns ``True``
without taking a reference to it, so every emitted signal (any signature,
connected or not, any thread) takes one reference away from ``True``. After a
few thousand emits (``sys.getrefcount(True)`` is ~400 at start-up) Python
aborts with "bool_dealloc: deallocating True or False" — in the editor, a
minute of playback or a long render's progress. From Python 3.12 on, ``True``
is immortal and nothing happens. Measured: 50 emits, refcount(True) −50.

The workaround gives ``True`` a reserve of references so large that no
session can use it up; ``True`` is never freed anyway. Remove it once the
project requires a PySide6 with the fix (or Python ≥ 3.12).
"""

from __future__ import annotations

import ctypes
import sys

AFFECTED = ("6.12.0",)
RESERVE = 1 << 40  # references: ~35 years of 1,000 emits a second


def needed() -> bool:
    import PySide6

    return sys.version_info < (3, 12) and PySide6.__version__ in AFFECTED


def apply() -> bool:
    """Give ``True`` its reserve once, where the bug exists; True if applied."""
    if not needed() or getattr(sys, "_vidgen_true_reserve", False):
        return False
    refcount = ctypes.c_ssize_t.from_address(id(True))  # ob_refcnt is the object's first field
    refcount.value += RESERVE
    sys._vidgen_true_reserve = True  # type: ignore[attr-defined]
    return True
