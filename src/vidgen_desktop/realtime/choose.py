"""Which progress feed the settings call for: Supabase Realtime, else LISTEN/NOTIFY.

Shared by the editor (``ui.jobs.team_feed``) and ``vidgen jobs watch``: the
same feed, the same events, the same mirror pull of the job they name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vidgen_desktop import config

FeedFactory = Callable[[], Any]  # -> a realtime.ProgressFeed, called on the feed's loop


def feed_maker(settings: config.Settings | None = None) -> FeedFactory:
    """How to make the feed the settings call for: Supabase Realtime, else LISTEN/NOTIFY.

    The secrets are read here, from the OS keyring (a D-Bus call on Linux): call
    this off the GUI thread; the maker it returns only builds the feed.
    """
    settings = settings or config.load()
    if settings.backend.supabase_url:
        from vidgen_desktop.realtime.supabase_feed import SupabaseFeed

        url = settings.backend.supabase_url
        key = config.secret("supabase_anon_key")
        if not key:  # from_config says what is missing
            return lambda: SupabaseFeed.from_config(settings)
        token = config.secret("supabase_access_token")
        return lambda: SupabaseFeed(url, key, token)
    from vidgen_desktop.realtime.postgres import PostgresFeed

    database = config.database_url(settings) or ""
    return lambda: PostgresFeed(database)
