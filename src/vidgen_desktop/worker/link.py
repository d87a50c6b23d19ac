"""A farm worker's link to the team database: up or down, told once per change.

Everything a worker does goes through the team database (procrastinate's
queue, heartbeats, the job log), so losing it is one state of the whole
worker, not an error of each part. ``TeamLink`` holds that state: the first
part that notices the loss calls ``lost`` (one warning line, however many
parts notice it and however often they retry); the supervisor
(``worker.main``) then ends the session, waits for the database and starts a
new one, and only it calls ``back`` (one line), so the state cannot flap.
``wait_until_reachable`` probes with backoff (``jobs.errors.reconnect_delay``)
until the database answers, or tells a fatal refusal (a wrong password, a
database that does not exist) from an outage.

The rule for renders while the link is down: they stop at once and go back
to the queue (see ``worker.farm``). Without the database a worker cannot
renew its heartbeat, procrastinate's worker stops when its heartbeat fails,
and after the stall timeout other workers may re-queue the job anyway; a
render kept going could neither publish nor be sure it is still the only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time

import psycopg
import psycopg_pool
from procrastinate import exceptions as pexc

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.store.errors import StoreError

log = logging.getLogger(__name__)

PROBE_FIRST = 0.5  # seconds before the first probe after the loss; doubled each time…
PROBE_MAX = 10.0  # …up to this, so a worker notices the return within ~10 s
PROBE_TIMEOUT = 5  # seconds a probe waits for the database to answer
# SQLSTATE classes of a refusal that waiting will not fix: bad credentials, no such database
FATAL_SQLSTATES = ("28000", "28P01", "3D000")
FATAL_MESSAGES = ("password authentication failed", "does not exist", "no pg_hba.conf entry")
# what losing the team database looks like from procrastinate, psycopg and the job log
OUTAGE = (pexc.ConnectorException, psycopg.Error, psycopg_pool.PoolTimeout, StoreError, OSError)
QUIET_LOGGERS = ("procrastinate", "psycopg", "asyncio")  # their retry lines say what the link says


class FatalDatabaseError(VidgenError):
    """The team database refuses this worker for good (credentials, name): fix the settings."""


class TeamLink:
    """Whether the team database is reachable; logs one line per change of state."""

    def __init__(self, url: str, label: str) -> None:
        self.url, self.label = url, label
        self.down = threading.Event()  # set while the database is away (read by render threads)
        self._since: float | None = None
        self._lock = threading.Lock()

    def lost(self, reason: object) -> bool:
        """Note the loss (once); True if this call noticed it first."""
        with self._lock:
            if self._since is not None:
                return False
            self._since = time.monotonic()
            self.down.set()
        log.warning(
            "worker %s: team database unreachable (%s); running renders go back to the queue, "
            "reconnecting with backoff",
            self.label, _first_line(reason), extra={"action": "database_lost"},
        )  # fmt: skip
        return True

    def back(self) -> None:
        """The database answers again and the worker has a new session (the supervisor's call)."""
        with self._lock:
            since, self._since = self._since, None
            self.down.clear()
        if since is not None:
            log.warning(
                "worker %s: team database reachable again after %.0f s; taking jobs",
                self.label, time.monotonic() - since, extra={"action": "database_back"},
            )  # fmt: skip

    async def wait_until_reachable(self, stop: asyncio.Event) -> bool:
        """Probe until the database answers (True) or ``stop`` is set (False).

        Raises FatalDatabaseError when the refusal is one waiting will not fix.
        """
        attempt = 0
        while not stop.is_set():
            attempt += 1
            try:
                await asyncio.to_thread(self._probe)
                return True
            except psycopg.Error as exc:
                if is_fatal(exc):
                    raise FatalDatabaseError(
                        f"the team database {config.redact(self.url)} refuses this worker: "
                        f"{_first_line(exc)}"
                    ) from exc
                self.lost(exc)  # logs once: at start-up, or if no one noticed before
                log.debug("team database still unreachable: %s", _first_line(exc))
            delay = failures.reconnect_delay(attempt, PROBE_FIRST, PROBE_MAX)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        return False

    def _probe(self) -> None:
        from vidgen_desktop.queue import farm as farm_queue

        with psycopg.connect(farm_queue.libpq_url(self.url), connect_timeout=PROBE_TIMEOUT) as conn:
            conn.execute("SELECT 1")


class OutageLogFilter(logging.Filter):
    """One line per outage: the libraries' own connection errors become ``link.lost``.

    procrastinate and psycopg's pool log a warning or a traceback for every
    part that fails and every reconnection they try. While the link is down
    those lines are dropped; a job outcome line keeps its text, not its traceback.
    """

    def __init__(self, link: TeamLink) -> None:
        super().__init__()
        self.link = link

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(QUIET_LOGGERS):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and any(isinstance(e, OUTAGE) for e in _chain(exc)):
            self.link.lost(exc)
            if record.levelno > logging.INFO:
                return False
            record.exc_info, record.exc_text = None, None
            return True
        if record.levelno >= logging.WARNING and record.name.startswith("psycopg"):
            self.link.lost(record.getMessage())  # the pool cannot connect
            return False
        if self.link.down.is_set():  # what fails now fails because the database is gone
            if record.levelno >= logging.WARNING:
                return False
            record.exc_info, record.exc_text = None, None
        return True


def is_fatal(exc: BaseException) -> bool:
    """A refusal that retrying will not fix: wrong credentials, a database that is not there."""
    for error in _chain(exc):
        state = getattr(error, "sqlstate", None)
        if state in FATAL_SQLSTATES:
            return True
        if isinstance(error, psycopg.OperationalError) and any(
            text in str(error) for text in FATAL_MESSAGES
        ):
            return True
    return False


def _chain(exc: BaseException | None) -> list[BaseException]:
    found: list[BaseException] = []
    while exc is not None and exc not in found:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
