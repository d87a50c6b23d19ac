"""Live progress from the team database: the ``ProgressFeed`` port and its implementations.

- ``base``: the port (``ProgressFeed``, ``Subscription``, ``ChangeEvent``,
  ``FeedState``, ``FeedUnavailable``); see its docstring for what every feed promises.
- ``postgres``: ``PostgresFeed``, LISTEN/NOTIFY with a plain database URL (psycopg).
- Supabase Realtime (``postgres_changes``): the only module here that imports supabase.

Import the implementation you need from its module; this package imports no driver.
"""

from __future__ import annotations

from vidgen_desktop.realtime.base import (
    CHANNEL,
    ChangeEvent,
    FeedState,
    FeedUnavailable,
    ProgressFeed,
    Subscription,
)

__all__ = [
    "CHANNEL",
    "ChangeEvent",
    "FeedState",
    "FeedUnavailable",
    "ProgressFeed",
    "Subscription",
]
