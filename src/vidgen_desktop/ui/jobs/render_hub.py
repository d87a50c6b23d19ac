"""The editor's side of the job service: one job log, one ``JobService``, one embedded queue.

``RenderHub`` owns them for the window's lifetime and never lets them run on
the GUI thread: opening the log (migrations), estimating, submitting (an
immediate render blocks for its whole run), cancelling and every database
read go through ``Background`` and come back as ``(result, error)``.

Opening the log is what every job view waits for, so it starts on the event
loop's first turn and runs with a short GIL switch interval: its module
imports release the GIL at every file read and, at Python's default 5 ms,
waited a whole slice for the preview, probe and thumbnail threads each time
(10× slower with two busy Python threads; ``benchmarks/editor_start.py --busy``).
A log already at the newest revision opens without Alembic (``store.migrate``),
which halves those imports (~290 to ~170).
``is_ready`` / ``ready`` / ``open_failed`` let views say what they wait for.

Closing never blocks the GUI thread: stopping the queue (jobs being rendered
go back to waiting, a database write), cancelling an immediate render and
closing the log happen in a closing thread the process waits for at exit.

The service's ``JobEvent``s are published on whatever thread did the work; the
hub re-emits them as its ``job_event`` signal, which Qt queues onto the GUI
thread (the hub lives there). Views connect to the signal, never to the feed.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from vidgen_desktop import config
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.events import JobEvent
from vidgen_desktop.jobs.states import ACTIVE
from vidgen_desktop.ui.shell.background import Background, Callback

log = logging.getLogger(__name__)

RECENT_FINISHED = 10  # finished jobs the queue panel shows at start-up
OPEN_SWITCH_INTERVAL = 0.0005  # s: GIL hand-over while the log opens (Python's default: 0.005)
_closing: list[threading.Thread] = []  # hubs' closing threads still running


_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


@contextlib.contextmanager
def _short_switches() -> Iterator[None]:
    """The process's GIL switch interval at OPEN_SWITCH_INTERVAL meanwhile (nests across hubs)."""
    global _switch_users, _switch_before
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_before, OPEN_SWITCH_INTERVAL))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


def wait_all_closed(timeout: float = 60.0) -> None:
    """Wait for every closed hub to finish closing (the app at exit; tests between windows)."""
    for thread in list(_closing):
        thread.join(timeout)
        if not thread.is_alive():
            _closing.remove(thread)


class RenderHub(QObject):
    """Jobs for the window: submit, estimate, cancel, retry, delete, read the log."""

    job_event = Signal(object)  # JobEvent, on the GUI thread
    job_started = Signal(object, object)  # token, job id: the job a submit call created
    ready = Signal()  # the job log is open and the queue runs
    open_failed = Signal(str)  # the job log could not be opened (why); the next call tries again
    settings_requested = Signal(str)  # a page of the Settings to open ("team": Share needs it)

    def __init__(self, parent: QObject | None = None, *, start_queue: bool = True) -> None:
        super().__init__(parent)
        # renders block a worker for their whole run; reads and cancels need free ones
        self.renders = Background(workers=2, name="vidgen-render", parent=self)
        self.reads = Background(workers=2, name="vidgen-jobs", parent=self)
        self.start_queue = start_queue
        self.db: Any = None
        self.service: Any = None
        self.queue: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        self._relay: Any = None  # store.team.relay.Relay, with a team backend
        self._relay_stop: threading.Event | None = None
        self._retention: Any = None  # store.retention.Daily: on start, then every day
        self._calibration: Any = None  # the first, background calibration's process
        self._lock = threading.Lock()
        self._closed = False
        self.is_ready = False
        self.open_error: str | None = None
        self.closing: threading.Thread | None = None  # the thread that stops it all on close
        # immediate renders in flight: added and removed by render workers, read on close
        self._rendering: set[uuid.UUID] = set()
        self._rendering_lock = threading.Lock()

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the job log and start the embedded queue, off the GUI thread."""
        self.reads.run(self._open, self._started)

    def _started(self, _: object, error: BaseException | None) -> None:
        if error is not None:
            log.error("the job log could not be opened: %s", error)
            self.open_error = str(error)
            self.open_failed.emit(self.open_error)
            return
        self.open_error = None
        self.is_ready = True
        self.ready.emit()

    def _open(self) -> Any:
        """The service, opened on first use (any worker thread; the lock makes it once)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the editor is closing")
            if self.service is not None:
                return self.service
            with _short_switches():
                return self._open_now()

    def _open_now(self) -> Any:
        """Open the log, make the service, start the queue (under ``self._lock``)."""
        from vidgen_desktop.jobs.service import JobService
        from vidgen_desktop.queue import async_queue
        from vidgen_desktop.queue.local import LocalQueue
        from vidgen_desktop.store import open_local

        self.db = open_local()
        settings = config.load()
        # with a team backend, queued jobs go to the render farm (the local queue
        # still runs jobs routed here before); progress comes back via the relay
        self.service = JobService(self.db, output_folder=None, queue=async_queue(self.db))
        self._unsubscribe = self.service.subscribe(self._publish)
        self.queue = LocalQueue(self.db, self.service, concurrency=settings.queue_concurrency)
        if self.start_queue:
            self.queue.start()
            self._start_relay(settings)
            from vidgen_desktop.store import retention

            policy = lambda: retention.Policy.from_settings(config.load())  # noqa: E731
            self._retention = retention.Daily(self.db, policy).start()
            from vidgen_desktop.queue import calibration

            self._calibration = calibration.start_if_needed(self.db, self.service.reload_speed)
        return self.service

    def _start_relay(self, settings: config.Settings) -> None:
        """Replicate the job log to the team database and mirror farm jobs back."""
        url = config.database_url(settings)
        if not url:
            return
        from vidgen_desktop.queue import farm_outputs
        from vidgen_desktop.store.team.relay import Relay

        db = self.db
        self._relay = Relay(db, url, team_id=settings.backend.team,
                            after_pull=lambda: farm_outputs.fetch_new(db))  # fmt: skip
        self._relay_stop = threading.Event()
        threading.Thread(
            target=_relay_until_stopped, args=(self._relay, self._relay_stop),
            name="vidgen-relay", daemon=True,
        ).start()  # fmt: skip

    def _publish(self, event: JobEvent) -> None:
        """Any thread: hand the event to Qt, which delivers it on the GUI thread."""
        if not self._closed:
            self.job_event.emit(event)

    def shutdown(self) -> None:
        """Stop taking work and close, without blocking the GUI thread.

        The queue stops (running queued jobs go back to waiting), an immediate
        render is cancelled and the log closed in the ``closing`` thread, which
        is not a daemon: the process finishes it before it exits.
        """
        if self._closed:
            return
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.renders.shutdown()
        self.reads.shutdown()
        self.closing = threading.Thread(target=self._close, name="vidgen-close")
        _closing.append(self.closing)
        self.closing.start()

    def _close(self) -> None:
        with self._lock:  # waits for an ``_open`` still running
            service, queue, db = self.service, self.queue, self.db
        if service is not None:
            with self._rendering_lock:
                rendering = list(self._rendering)
            for job_id in rendering:  # an immediate render dies with the window
                try:
                    service.cancel(job_id)
                except Exception:  # noqa: BLE001 - finished meanwhile
                    log.debug("job %s was not cancelled on close", job_id, exc_info=True)
        if queue is not None:
            queue.stop(wait=True)
        if self._retention is not None:
            self._retention.stop()
        if self._calibration is not None:
            from vidgen_desktop.queue import calibration

            calibration.stop(self._calibration)
        if self._relay_stop is not None:
            self._relay_stop.set()  # the relay thread closes its team engine as it ends
        farm = getattr(service, "queue", None)
        if farm is not None and hasattr(farm, "close"):
            farm.close()  # the farm queue's team database engine and procrastinate pool
        if db is not None:
            db.close()

    def wait_closed(self, timeout: float | None = None) -> bool:
        """True once the closing thread has finished (tests, and the app's exit)."""
        if self.closing is not None:
            self.closing.join(timeout)
        return self.closing is None or not self.closing.is_alive()

    # -- work ----------------------------------------------------------------------------------

    def call(self, fn: Callable[[Any], Any], callback: Callback, *, render: bool = False) -> None:
        """``fn(service)`` in a worker; ``callback(result, error)`` on the GUI thread."""
        pool = self.renders if render else self.reads
        pool.run(lambda: fn(self._open()), callback)

    def estimate(self, comp: Composition, callback: Callback) -> None:
        """``(Prepared, Decision)`` for ``comp`` with the threshold in the settings now."""

        def work(service: Any) -> tuple[Any, Any]:
            prepared = service.prepare(comp)
            threshold = config.load().route_threshold
            return prepared, service.decide(prepared.estimate.seconds, threshold)

        self.call(work, callback)

    def default_output(self, comp: Composition, project_path: Path | None) -> Path:
        """Where a render of ``comp`` goes unless the designer says otherwise (no I/O but mkdir)."""
        from vidgen_desktop.render import engine

        folder = config.load().output_dir()
        return engine.default_output_path(comp, str(project_path) if project_path else None, folder)

    def submit(self, comp: Composition, output: Path, token: object, callback: Callback) -> None:
        """Render now or queue, by the settings' threshold; ``job_started(token, id)`` early.

        The submission (``routing.Submission``) arrives in ``callback`` when an
        immediate render has finished, or at once for a queued one.
        """

        def work(service: Any) -> Any:
            me = threading.get_ident()
            job: list[uuid.UUID] = []

            def mine(event: JobEvent) -> None:  # published synchronously on this thread
                if not job and threading.get_ident() == me and event.kind == "status":
                    job.append(event.job_id)
                    with self._rendering_lock:
                        self._rendering.add(event.job_id)
                    self.job_started.emit(token, event.job_id)

            unsubscribe = service.subscribe(mine)
            try:
                threshold = config.load().route_threshold
                return service.submit(comp, output=output, threshold=threshold)
            finally:
                unsubscribe()
                with self._rendering_lock:
                    self._rendering.difference_update(job)

        self.call(work, callback, render=True)

    def cancel(self, job_id: uuid.UUID, callback: Callback | None = None) -> None:
        self.call(lambda s: s.cancel(job_id), callback or _log_error)

    def retry(self, job_id: uuid.UUID, callback: Callback | None = None) -> None:
        self.call(lambda s: s.retry(job_id), callback or _log_error)

    def delete(self, job_ids: list[uuid.UUID], callback: Callback | None = None) -> None:
        self.call(lambda s: [s.delete(j) for j in job_ids], callback or _log_error)

    def link_copied(self, job_id: uuid.UUID, link: str, callback: Callback | None = None) -> None:
        """Log in ``url_access_logs`` that the designer copied ``link`` (never its signature)."""
        from vidgen_desktop.storage.records import shareable_log_url

        logged = shareable_log_url(link)

        def record(service: Any) -> None:
            service.store.storage_log.record_link(
                logged, "copied", job_id=job_id, client="desktop",
                details={"signed": "?" in link},
            )  # fmt: skip

        self.call(record, callback or _log_error)

    def share(self, job_id: uuid.UUID, expiry: str, callback: Callback) -> None:
        """A link to the job's render (``storage.share.Shared``), logged as created."""

        def work(service: Any) -> Any:
            from vidgen_desktop import storage
            from vidgen_desktop.storage import share

            job = service.store.jobs.get(job_id)
            recorder = service.store.storage_log.recorder(job_id)
            target = storage.from_settings(config.load(), recorder=recorder)
            return share.share_output(
                target, job_id=job_id, output_path=job.output_path, output_url=job.output_url,
                expiry=share.expiry(expiry), client="desktop",
            )  # fmt: skip

        self.call(work, callback)

    def fetch_output(self, job_id: uuid.UUID, callback: Callback) -> None:
        """The job's render on this machine: a farm job's downloaded now if it is not here."""

        def work(service: Any) -> Any:
            from vidgen_desktop.queue import farm_outputs

            job = service.store.jobs.get(job_id)
            return farm_outputs.fetch_output(service.store, job) or job.output_path

        self.call(work, callback)

    def job(self, job_id: uuid.UUID, callback: Callback) -> None:
        self.call(lambda s: s.store.jobs.get(job_id), callback)

    def queue_jobs(self, callback: Callback) -> None:
        """Active jobs, then the most recently finished ones (for the queue panel)."""

        def work(service: Any) -> list[Any]:
            from vidgen_desktop.store import JobQuery

            jobs = service.store.jobs
            active = jobs.list(JobQuery(statuses=tuple(ACTIVE), limit=200, descending=False))
            recent = jobs.list(JobQuery(order_by="updated_at", limit=RECENT_FINISHED + len(active)))
            seen = {j.id for j in active}
            finished = [j for j in recent if j.id not in seen][:RECENT_FINISHED]
            return list(reversed(finished)) + active

        self.call(work, callback)

    def apply_settings(self, settings: config.Settings) -> None:
        """New concurrency: restart the queue when it is idle (else it applies next launch)."""
        queue = self.queue
        if queue is None or queue.concurrency == settings.queue_concurrency:
            return

        def restart(service: Any) -> None:
            if queue.active:
                return
            queue.stop(wait=True)
            queue.concurrency = settings.queue_concurrency
            if self.start_queue and not self._closed:
                queue.start()

        self.call(restart, _log_error)


def _log_error(_: object, error: BaseException | None) -> None:
    if error is not None:
        log.warning("job action failed: %s", error)


def _relay_until_stopped(relay: Any, stop: threading.Event) -> None:
    """The relay thread: replicate until ``stop``, then close the team database engine.

    Closed here, by the one thread that uses it: disposed from another thread
    while a send is in flight, the connection in use would outlive the pool.
    """
    try:
        relay.run_forever(stop)
    finally:
        relay.close()
