"""Work around PySide6 6.12.0's reference leaks on None, True and False (Python < 3.12 only).

In PySide6/shiboken6 6.12.0, methods that return nothing hand back ``None``,
and ``SignalInstance.emit()`` hands back ``True``, without taking a reference
to it. Every ``widget.update()``, ``timer.start()``, ``processEvents()``,
``signal.emit()`` … so takes one reference away from ``None`` or ``True``;
after a few thousand calls (``sys.getrefcount(None)`` is a few thousand at
start-up) Python aborts with "none_dealloc: deallocating None" or
"bool_dealloc". In the editor that is a minute of playback or scrubbing.
From Python 3.12 on these objects are immortal and nothing happens.
Measured here: 200 ``widget.update()`` calls, refcount(None) −200; 50 emits,
refcount(True) −50.

The workaround gives each of these singletons a reserve of references so
large that no session can use it up; they are never freed anyway. Remove it
once the project requires a PySide6 with the fix, or Python ≥ 3.12.
"""

from __future__ import annotations

import ctypes
import sys

AFFECTED = ("6.12.0",)
RESERVE = 1 << 40  # references: ~35 years of 1,000 leaky calls a second
SINGLETONS = (None, True, False)


def needed() -> bool:
    import PySide6

    return sys.version_info < (3, 12) and PySide6.__version__ in AFFECTED


def apply() -> bool:
    """Give the singletons their reserve once, where the bug exists; True if applied."""
    if not needed() or getattr(sys, "_vidgen_singleton_reserve", False):
        return False
    for singleton in SINGLETONS:
        # ob_refcnt is the first field of every CPython object (non-debug builds)
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE
    sys._vidgen_singleton_reserve = True  # type: ignore[attr-defined]
    return True
