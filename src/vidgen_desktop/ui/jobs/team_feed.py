"""Farm jobs on the laptop: a progress-feed event pulls the job into the local log.

The team database owns a farm job; the laptop's row of it is a mirror that
only ``store.team.mirror`` writes, and every job view (the Render Queue and
the Job History) reads the local job log alone. With a team backend
(``config.load().backend.enabled``) ``TeamProgress`` watches every job this
desktop sent to the farm (route ``remote``) through the progress feed port:
Supabase Realtime when a Supabase URL is set, else LISTEN/NOTIFY on the
database URL. A feed event carries nothing the views use: it only triggers a
mirror pull of that job (``mirror.pull_job``, by id, in a worker), and the
record the pull leaves in the local log becomes the same ``JobEvent``s a local
render publishes (status, step, progress with an ETA from the observed rate),
sent through the hub's ``job_event`` so both panels follow it as they follow
a local render. The relay's once-a-second pull of every farm job stays the
safety net for an event the feed missed.

The feed runs on an asyncio loop: Qt's own (qasync) in the editor, or the one
given (tests run it in a thread).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from vidgen_desktop import config
from vidgen_desktop.jobs.events import JobEvent
from vidgen_desktop.jobs.states import TERMINAL
from vidgen_desktop.realtime.choose import FeedFactory, feed_maker
from vidgen_desktop.ui.shell.background import Background

log = logging.getLogger(__name__)
__all__ = ["FeedFactory", "MirrorPull", "TeamProgress", "feed_maker", "install"]


def feed_from_settings(settings: config.Settings | None = None) -> Any:
    """The feed the settings call for (reads the keyring: not on the GUI thread)."""
    return feed_maker(settings)()


Pull = Callable[[uuid.UUID], Any]  # mirror one job, return its local record (a worker thread)


class TeamProgress(QObject):
    """Watches farm jobs; ``job_event`` carries each mirrored change as local ``JobEvent``s."""

    job_event = Signal(object)  # JobEvent, delivered on the GUI thread
    state_changed = Signal(str, str)  # FeedState value, and why (empty when live)
    _changed = Signal(object)  # a job the feed saw change: from the feed's loop to this thread

    def __init__(
        self,
        feed_factory: FeedFactory | None,
        *,
        pull: Pull,
        loop: asyncio.AbstractEventLoop | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = feed_factory  # None until the secrets are read (``set_factory``)
        self._deferred: set[uuid.UUID] = set()  # asked for before there was a factory
        self._loop = loop or asyncio.get_event_loop()
        self._pull = pull
        self._reads = Background(workers=1, name="vidgen-team", parent=self)  # one pull at a time
        self.feed: Any = None  # created on the loop by the first watch
        self.watched: dict[uuid.UUID, Callable[[], None]] = {}  # job -> stop, on the loop
        self._rates: dict[tuple[uuid.UUID, str], tuple[float, float]] = {}  # first (t, p)
        self._seen: dict[uuid.UUID, Any] = {}  # the local record last turned into events
        self._pulling: set[uuid.UUID] = set()  # GUI thread: a pull of the job is on its way
        self._again: set[uuid.UUID] = set()  # …and the feed saw it change since that started
        self._closed = False
        self._changed.connect(self.refresh)

    # -- GUI thread ----------------------------------------------------------------------------

    def watch(self, job_id: uuid.UUID) -> None:
        """Follow ``job_id`` on the team database (again, after a retry) until it ends."""
        if not self._closed:
            job_id = uuid.UUID(str(job_id))
            self._loop.call_soon_threadsafe(self._watch_now, job_id)
            self.refresh(job_id)  # it may have moved while nobody watched

    def set_factory(self, feed_factory: FeedFactory) -> None:
        """The feed's maker, once a worker has read the secrets: start the watches asked for."""
        if not self._closed:
            self._loop.call_soon_threadsafe(self._adopt, feed_factory)

    def owns(self, job_id: uuid.UUID) -> bool:
        return job_id in self.watched or job_id in self._seen or job_id in self._deferred

    def refresh(self, job_id: uuid.UUID) -> None:
        """Mirror ``job_id`` now and publish what changed; one pull per job at a time."""
        if self._closed:
            return
        if job_id in self._pulling:
            self._again.add(job_id)  # pulled once more when this one is back
            return
        self._pulling.add(job_id)
        self._reads.run(self._pull, lambda record, error: self._pulled(job_id, record, error),
                        job_id)  # fmt: skip

    def _pulled(self, job_id: uuid.UUID, record: Any, error: BaseException | None) -> None:
        self._pulling.discard(job_id)
        if error is not None:  # the relay's own pull tries again within a second
            log.warning("farm job %s could not be mirrored now: %s", job_id, error)
        elif record is not None:
            for event in self._events(record):
                if not self._closed:
                    self.job_event.emit(event)
        if job_id in self._again:
            self._again.discard(job_id)
            self.refresh(job_id)

    def _events(self, record: Any) -> list[JobEvent]:
        """The ``JobEvent``s a local render would have published to reach ``record``."""
        job_id, before = record.id, self._seen.get(record.id)
        self._seen[job_id] = record
        status, step = str(record.status), record.current_step or ""
        events: list[JobEvent] = []
        if before is None or str(before.status) != status:
            events.append(JobEvent(job_id=job_id, kind="status", status=status))
        if status != "processing":
            self._rates = {k: v for k, v in self._rates.items() if k[0] != job_id}
            return events
        if step and (before is None or before.current_step != record.current_step):
            events.append(JobEvent(job_id=job_id, kind="step", step=step, step_status="running"))
        progress = record.progress or 0.0
        if before is None or before.progress != record.progress or events:
            now = time.monotonic()
            first = self._rates.setdefault((job_id, step), (now, progress))
            events.append(JobEvent(
                job_id=job_id, kind="progress", step=step, step_status="running",
                progress=progress, eta=_eta(first, now, progress),
            ))  # fmt: skip
        return events

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._reads.shutdown()
        close = getattr(self._pull, "close", None)
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
        """Any row of the job changed on the team database: pull it (on the GUI thread's side)."""
        if not self._closed:
            self._changed.emit(change.job_id)
        if change.is_job and change.status in TERMINAL and change.job_id in self.watched:
            self.watched.pop(change.job_id)()  # ended: nothing more to follow


def _eta(first: tuple[float, float], now: float, progress: float) -> float | None:
    """Seconds left at the rate seen since the step was first seen here (None: no rate yet)."""
    started, at_start = first
    if progress <= at_start or now <= started:
        return None
    return (1.0 - progress) * (now - started) / (progress - at_start)


class MirrorPull:
    """Pulls one farm job from the team database into the local log; returns the local record.

    The team database is opened on first use, in the worker that pulls (its URL
    may need the keyring); ``local()`` is the job log the views read.
    """

    def __init__(self, local: Callable[[], Any], settings: config.Settings | None = None) -> None:
        self._local, self._settings, self._db = local, settings, None
        self._lock = threading.Lock()
        self._busy = self._closed = False

    def __call__(self, job_id: uuid.UUID) -> Any:
        from vidgen_desktop.store import open_url
        from vidgen_desktop.store.team import database as team_db
        from vidgen_desktop.store.team import mirror

        with self._lock:
            if self._closed:
                raise RuntimeError("the editor is closing")
            self._busy = True
        try:
            if self._db is None:
                url = config.database_url(self._settings) or ""  # may read the keyring
                self._db = open_url(team_db.sqlalchemy_url(url))
            local = self._local()
            mirror.pull_job(local, self._db, job_id)
            return local.jobs.find(job_id)
        finally:
            with self._lock:
                self._busy = False
                if self._closed:  # closed meanwhile: this thread ends the connections
                    self._dispose()

    def close(self) -> None:
        """End its connections to the team database; never waits for a pull in flight."""
        with self._lock:
            self._closed = True
            if not self._busy:
                self._dispose()

    def _dispose(self) -> None:
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
    *,
    settings: config.Settings | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> TeamProgress | None:
    """With a team backend: mirror the hub's farm jobs as their feed reports changes; else None.

    What a pull leaves in the local log is published as the hub's own
    ``job_event``, so every view of the hub (the queue and history panels) follows it.
    """
    settings = settings or config.load()
    if not settings.backend.enabled:
        return None
    progress = TeamProgress(None, pull=MirrorPull(lambda: hub.db, settings), loop=loop, parent=hub)

    def made(maker: FeedFactory | None, error: BaseException | None) -> None:
        if error is not None or maker is None:
            log.warning("live progress of farm jobs is unavailable: %s", error)
            progress.state_changed.emit("failed", f"live progress unavailable: {error}")
            return
        progress.set_factory(maker)

    # the secrets are read once, in a worker: the OS keyring is a D-Bus call that can block
    progress._reads.run(feed_maker, made, settings)
    progress.job_event.connect(hub.job_event.emit)  # to every view, as a local render's

    def consider(job: Any, error: BaseException | None) -> None:
        remote = error is None and job is not None and job.route == "remote"
        if remote and job.status not in TERMINAL and job.id not in progress.watched:
            progress.watch(job.id)

    def on_local(event: JobEvent) -> None:  # a job queued here (or retried) may be the farm's
        if event.kind == "status" and event.status == "queued":
            hub.job(event.job_id, consider)

    hub.job_event.connect(on_local)
    hub.ready.connect(lambda: hub.queue_jobs(lambda jobs, e: [consider(j, e) for j in jobs or []]))
    return progress
