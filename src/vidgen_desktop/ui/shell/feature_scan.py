"""Spare every import the source scan PySide6 makes for its ``__feature__`` switch.

Once PySide6 is loaded, shiboken hooks ``__import__`` and, for each module
imported after it, reads the module's whole source (``inspect.getsource``) to
see whether the text "PySide6" occurs: such a module gets the feature selection
0 ("no feature": Qt names as Qt spells them), any other -1 ("ignore this
module"). The editor imports ~350 modules after PySide6: the scan cost ~50 ms
of CPU before the window could show (benchmarks/editor_start.py).

No module of ours selects a feature (``from __feature__ import snake_case``,
which sets its own entry whatever the scan said), so every module may be
given what our modules get anyway: 0. Where shiboken's internals differ (a
PySide6 without ``_mod_uses_pyside``) nothing is changed.
"""

from __future__ import annotations

import sys


def _uses_pyside(module: object) -> bool:
    return True  # selection 0, the one our modules get from the scan


def skip() -> bool:
    """Replace the scan once PySide6 is imported; True if it was replaced."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _uses_pyside
    return True
