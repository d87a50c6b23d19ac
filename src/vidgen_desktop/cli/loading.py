"""Loading what a command needs without the garbage collector sweeping it as it loads.

Importing pydantic and the render modules and building the project's validator make
a few hundred thousand objects and almost no garbage, yet every 700 new objects
start a collection, and the older generations' ones walk everything made so far:
about 15 M instructions for nothing in ``vidgen render``. What is loaded then
stays until the process ends, so it is moved out of the collector's sight
(``gc.freeze``): the collections during the render and the one at exit skip it
(about 40 M instructions less at exit).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def uncollected(*, whole_process: bool) -> Iterator[None]:
    """No collections inside; after it, with ``whole_process`` (this process is the
    command, not a test calling ``cli.main``), everything made so far frozen for good.

    A few cycles the imports leave behind are never freed (under 1 MB).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
    if whole_process:
        gc.freeze()
