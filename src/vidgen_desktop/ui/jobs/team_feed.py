"""Farm jobs in the queue panel: team-database progress turned into the panel's ``JobEvent``s.

With a team backend (``config.load().backend.enabled``) ``TeamProgress``
watches every job this desktop sent to the farm (route ``remote``) through the
progress feed port: Supabase Realtime when a Supabase URL is set, else
LISTEN/NOTIFY on the database URL. Feed events become the same ``JobEvent``s a
local render publishes (status, step, progress with an ETA from the observed
rate), emitted as ``job_event`` so Qt queues them onto the GUI thread whatever
thread the feed's loop runs on. ``job(job_id, callback)`` reads a watched
job's record from the team database, so the panel's row shows the farm's
output link and error, not the laptop's older copy.

The feed runs on an asyncio loop: Qt's own (qasync) in the editor, or the one
given (tests run it in a thread).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from vidgen_desktop import config
from vidgen_desktop.jobs.events import JobEvent
from vidgen_desktop.jobs.states import TERMINAL
from vidgen_desktop.ui.shell.background import Background, Callback

log = logging.getLogger(__name__)

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


def feed_from_settings(settings: config.Settings | None = None) -> Any:
    """The feed the settings call for (reads the keyring: not on the GUI thread)."""
    return feed_maker(settings)()


class TeamProgress(QObject):
    """Watches farm jobs; ``job_event`` carries their progress as local ``JobEvent``s."""

    job_event = Signal(object)  # JobEvent, delivered on the GUI thread
    state_changed = Signal(str, str)  # FeedState value, and why (empty when live)

    def __init__(
        self,
        feed_factory: FeedFactory | None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        read_job: Callable[[uuid.UUID], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = feed_factory  # None until the secrets are read (``set_factory``)
        self._deferred: set[uuid.UUID] = set()  # asked for before there was a factory
        self._loop = loop or asyncio.get_event_loop()
        self._read_job = read_job or _TeamReader()
        self._reads = Background(workers=1, name="vidgen-remote", parent=self)
        self.feed: Any = None  # created on the loop by the first watch
        self.watched: dict[uuid.UUID, Callable[[], None]] = {}  # job -> stop, on the loop
        self._rates: dict[tuple[uuid.UUID, str], tuple[float, float]] = {}  # first (t, p)
        self._status: dict[uuid.UUID, str] = {}
        self._jobs: dict[uuid.UUID, Any] = {}  # the newest jobs-row change seen, per job
        self._closed = False

    # -- GUI thread ----------------------------------------------------------------------------

    def watch(self, job_id: uuid.UUID) -> None:
        """Follow ``job_id`` on the team database (again, after a retry) until it ends."""
        if not self._closed:
            self._loop.call_soon_threadsafe(self._watch_now, uuid.UUID(str(job_id)))

    def set_factory(self, feed_factory: FeedFactory) -> None:
        """The feed's maker, once a worker has read the secrets: start the watches asked for."""
        if not self._closed:
            self._loop.call_soon_threadsafe(self._adopt, feed_factory)

    def owns(self, job_id: uuid.UUID) -> bool:
        return job_id in self.watched or job_id in self._status or job_id in self._deferred

    def job(self, job_id: uuid.UUID, callback: Callback, fallback: Callable | None = None) -> None:
        """A watched job's record from the team database; others from ``fallback``."""
        if self.owns(job_id) or fallback is None:
            self._reads.run(
                lambda: self._read_job(job_id), lambda r, e: callback(self._newest(r), e)
            )
        else:
            fallback(job_id, callback)

    def _newest(self, record: Any) -> Any:
        """``record``, unless the feed has since seen the job change: then its newer state.

        A read started before a change may arrive after the change's event; applying
        it as it is would move the row back.
        """
        change = self._jobs.get(getattr(record, "id", None))
        if change is None or change.updated_at is None or record.updated_at >= change.updated_at:
            return record
        return record.evolve(
            status=change.status, progress=change.progress, current_step=change.step
        )

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._reads.shutdown()  # waits for a read in flight
        close = getattr(self._read_job, "close", None)
        if close is not None:
            close()
        if self._loop.is_closed():
            return
        future = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
        if not _on_loop_thread(self._loop):
            future.result(timeout=10)

    # -- the feed's loop -----------------------------------------------------------------------

    def _watch_now(self, job_id: uuid.UUID) -> None:
        if self._closed or job_id in self.watched:
            return
        if self._factory is None:  # the keyring is still being read: never here (GUI thread)
            self._deferred.add(job_id)
            return
        if self.feed is None:
            self.feed = self._factory()
            self.feed.on_state(self._on_state)
        self._status.pop(job_id, None)
        self.watched[job_id] = self.feed.on_event(self._on_change, job_id)

    def _adopt(self, feed_factory: FeedFactory) -> None:
        self._factory = feed_factory
        waiting, self._deferred = self._deferred, set()
        for job_id in waiting:
            self._watch_now(job_id)

    async def _close(self) -> None:
        for stop in self.watched.values():
            stop()
        self.watched.clear()
        if self.feed is not None:
            await self.feed.close()

    def _on_state(self, state: Any) -> None:
        if not self._closed:
            self.state_changed.emit(str(getattr(state, "value", state)), self.feed.error or "")

    def _on_change(self, change: Any) -> None:
        for event in self._events(change):
            if not self._closed:
                self.job_event.emit(event)
        if change.is_job and change.status in TERMINAL and change.job_id in self.watched:
            self.watched.pop(change.job_id)()  # ended: nothing more to follow

    def _events(self, change: Any) -> list[JobEvent]:
        """The ``JobEvent``s a local render would have published for this change."""
        job_id = change.job_id
        if change.is_job:
            self._jobs[job_id] = change
            if self._status.get(job_id) == change.status:
                return []
            self._status[job_id] = change.status
            return [JobEvent(job_id=job_id, kind="status", status=change.status)]
        step = change.step or ""
        if change.status != "running":
            self._rates.pop((job_id, step), None)
            return [JobEvent(job_id=job_id, kind="step", step=step, step_status=change.status)]
        now = time.monotonic()
        first = self._rates.setdefault((job_id, step), (now, change.progress))
        return [
            JobEvent(
                job_id=job_id,
                kind="progress",
                step=step,
                step_status="running",
                progress=change.progress,
                eta=_eta(first, now, change.progress),
            )
        ]


def _eta(first: tuple[float, float], now: float, progress: float) -> float | None:
    """Seconds left at the rate seen since the step was first seen here (None: no rate yet)."""
    started, at_start = first
    if progress <= at_start or now <= started:
        return None
    return (1.0 - progress) * (now - started) / (progress - at_start)


class _TeamReader:
    """Reads job records from the team database (opened on first use, off the GUI thread)."""

    def __init__(self) -> None:
        self._db: Any = None

    def __call__(self, job_id: uuid.UUID) -> Any:
        if self._db is None:
            from vidgen_desktop.store import open_url
            from vidgen_desktop.store.team import database as team_db

            self._db = open_url(team_db.sqlalchemy_url(config.database_url() or ""))
        return self._db.jobs.get(job_id)

    def close(self) -> None:
        """End its connections to the team database (after the last read)."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def install(
    hub: Any,
    panel: Any,
    *,
    settings: config.Settings | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> TeamProgress | None:
    """With a team backend: follow the hub's farm jobs into ``panel``; else do nothing (None)."""
    settings = settings or config.load()
    if not settings.backend.enabled:
        return None
    progress = TeamProgress(None, loop=loop, parent=hub)

    def made(maker: FeedFactory | None, error: BaseException | None) -> None:
        if error is not None or maker is None:
            log.warning("live progress of farm jobs is unavailable: %s", error)
            progress.state_changed.emit("failed", f"live progress unavailable: {error}")
            return
        progress.set_factory(maker)

    # the secrets are read once, in a worker: the OS keyring is a D-Bus call that can block
    progress._reads.run(feed_maker, made, settings)
    progress.job_event.connect(panel.on_event)
    fetch = panel.job_source
    panel.job_source = lambda job_id, done: progress.job(job_id, done, fetch)

    def consider(job: Any, error: BaseException | None) -> None:
        remote = error is None and job is not None and job.route == "remote"
        if remote and job.status not in TERMINAL:
            progress.watch(job.id)

    def on_local(event: JobEvent) -> None:  # a job queued here (or retried) may be the farm's
        if event.kind == "status" and event.status == "queued":
            hub.job(event.job_id, consider)

    hub.job_event.connect(on_local)
    hub.ready.connect(lambda: hub.queue_jobs(lambda jobs, e: [consider(j, e) for j in jobs or []]))
    return progress
