"""Where queued jobs go: the embedded queue here, or the team's render farm.

``async_queue(local_db)`` is the one place that looks at the settings: with a
team backend (a database and team storage) queued jobs go to the farm
(``FarmQueue``), otherwise they wait in the local job log for the embedded
queue (``LocalQueue``). Callers hand the result to ``JobService`` and never
branch on the backend themselves.
"""

from __future__ import annotations

from typing import Any

from vidgen_desktop import config


def async_queue(local_db: Any, settings: config.Settings | None = None) -> Any | None:
    """The farm's queue when a team backend is configured, else None (the local log)."""
    settings = settings or config.load()
    if not (settings.backend.enabled and settings.backend.storage_enabled):
        return None
    from vidgen_desktop.queue.farm import FarmQueue

    return FarmQueue(local_db)
