"""One OpenBLAS thread in the editor, unless the user asked for more.

numpy's OpenBLAS starts a thread per core when numpy is imported (the
preview imports it before the window shows) and gives each its buffers: on
this 2-core machine the import took ~0.075 s of CPU and ~0.16 s of wall time
under load, ~0.045 s and ~0.09 s with one thread. The editor's numpy work is
element-wise (not BLAS) but for the render estimate's small least-squares fit,
for which one thread is as fast. Child processes inherit the setting; FFmpeg
ignores it.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "OPENBLAS_NUM_THREADS"


def limit() -> bool:
    """Set one thread before numpy is imported; True if this call set it."""
    if "numpy" in sys.modules or VARIABLE in os.environ:
        return False  # too late to matter, or the user's own choice
    os.environ[VARIABLE] = "1"
    return True
