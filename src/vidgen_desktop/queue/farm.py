"""The team queue: procrastinate on the team database, rendered by ``vidgen worker``.

``FarmQueue(open_local())`` is the desktop side (route "remote"); ``enqueue`` runs the pipeline's ``upload_sources`` step (``jobs.pipeline``)
through ``TeamHandoff``: the job's source files go to the team storage
(content addressed: a file already there is not sent again), the sources
are rewritten to their storage URIs, the job is written with its elements
to the remote job log (the id is the client's UUID, so doing it twice
changes nothing) with the step on its timeline; then the ``vidgen.render``
task is deferred.
``cancel`` marks the remote job cancelled and asks the worker running it to
abort. The team database owns a farm job from the moment it is published
(``owns_jobs``): ``JobService`` cancels and retries it through this queue, and
the laptop's row of it is a mirror (``store.team.mirror``) written only by the
mirror, here right after a change made from the desktop. The task bodies
live in ``worker.farm``; this module only names them, so the desktop never
imports the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate import retry as pretry
from procrastinate.schema import SchemaManager

from vidgen_desktop import config, storage, store
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import pipeline, states
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.queue import farm_chunks, farm_outputs, farm_retention
from vidgen_desktop.store.team import database as team_db
from vidgen_desktop.store.team import mirror

log = logging.getLogger(__name__)
S = JobStatus

RENDER_TASK = "vidgen.render"
RECOVER_TASK = "vidgen.recover_stalled"
RETENTION_TASK = "vidgen.retention"
RETENTION_QUEUE = "vidgen-retention"  # only the worker started with --retention listens here
RETENTION_CRON = "17 3 * * *"  # daily, at 03:17 UTC
RENDER_QUEUE = "vidgen-render"
MAINTENANCE_QUEUE = "vidgen-maintenance"
RECOVER_EVERY = 20  # seconds between looks for jobs of workers that stopped heartbeating
SCHEMA_LOCK = 4_817_203  # pg advisory lock key: one process applies procrastinate's schema
FARM_CONTEXT = "farm"  # additional_context key of the worker's task runner
_COPIED = (
    "project_name",
    "estimated_seconds",
    "threshold_seconds",
    "response_type",
    "route_reason",
    "output_path",
    "user_name",
    "host",
    "batch_id",
    "batch_row",
)


class QueueUnavailable(VidgenError):
    """The team render queue cannot be used: check the database settings."""


# URLs ---------------------------------------------------------------------------


def _postgres(url: str) -> str:
    if not urlsplit(url).scheme.startswith("postgres"):
        raise QueueUnavailable(f"the team database must be PostgreSQL, not {config.redact(url)}")
    return url


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` (what libpq and procrastinate take)."""
    return team_db.libpq_url(_postgres(url))


def sqlalchemy_url(url: str) -> str:
    """``postgresql://…`` → ``postgresql+psycopg://…`` (the store's driver is psycopg 3)."""
    return team_db.sqlalchemy_url(_postgres(url)).render_as_string(hide_password=False)


def team_database_url(url: str | None = None) -> str:
    found = url or config.database_url()
    if not found:
        raise QueueUnavailable(
            f"no team database is set (settings backend.database_url or {config.DATABASE_URL_ENV})"
        )
    return found


def open_team(url: str | None = None) -> store.Database:
    """The team job log (not migrated here: that is ``vidgen db upgrade --remote``)."""
    return store.open_url(sqlalchemy_url(team_database_url(url)))


# The procrastinate app ---------------------------------------------------------


class RetryLater(Exception):  # noqa: N818 - a signal to procrastinate, not an error
    """Raised by a task whose job log says "try again in ``delay`` seconds"."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {delay:.1f} s")
        self.delay = max(0.0, float(delay))


class FarmRetry(pretry.BaseRetryStrategy):
    """The job log decides retries (``jobs.errors``); the task tells procrastinate when."""

    def get_retry_decision(
        self, *, exception: BaseException, job: Any
    ) -> pretry.RetryDecision | None:
        if isinstance(exception, RetryLater):
            return pretry.RetryDecision(retry_in={"seconds": exception.delay})
        return None


def _cron(seconds: float) -> str:
    seconds = max(1, int(seconds))
    if seconds < 60:
        return f"* * * * * */{seconds}"  # procrastinate: a 6th column is seconds
    return f"*/{max(1, seconds // 60)} * * * *"


def _farm(context: procrastinate.JobContext) -> Any:
    farm = context.additional_context.get(FARM_CONTEXT)
    if farm is None:
        raise QueueUnavailable("this process is not a render worker (run 'vidgen worker')")
    return farm


def make_app(
    url: str | None = None, *, recover_every: float = RECOVER_EVERY, pool_size: int = 4
) -> procrastinate.App:
    """The procrastinate app on the team database, with the render and recovery tasks."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(team_database_url(url)), min_size=1, max_size=max(2, pool_size)
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=RENDER_TASK, queue=RENDER_QUEUE, pass_context=True, retry=FarmRetry())
    def render(context: procrastinate.JobContext, job_id: str) -> Any:
        """Render one job of the remote job log (runs in a worker thread)."""
        return _farm(context).render(context, job_id)

    farm_chunks.register(app, RENDER_QUEUE, FarmRetry(), _farm)  # chunked jobs' tasks

    @app.periodic(cron=_cron(recover_every), periodic_id="recover")
    @app.task(name=RECOVER_TASK, queue=MAINTENANCE_QUEUE, pass_context=True)
    async def recover_stalled(context: procrastinate.JobContext, timestamp: int) -> Any:
        """Put jobs of workers that stopped heartbeating back in the queue."""
        return await _farm(context).recover(context)

    @app.periodic(cron=RETENTION_CRON, periodic_id="retention")
    @app.task(name=RETENTION_TASK, queue=RETENTION_QUEUE, pass_context=True,
              queueing_lock=RETENTION_TASK)  # fmt: skip
    async def retention(context: procrastinate.JobContext, timestamp: int = 0) -> Any:
        """Apply the retention settings to the team database (one designated worker)."""
        return await asyncio.to_thread(farm_retention.run, _farm(context))

    return app


async def defer_retention(app: procrastinate.App) -> int | None:
    """Ask for a retention run now (the designated worker's start); None if one waits."""
    try:
        return await app.configure_task(RETENTION_TASK, allow_unknown=True).defer_async(timestamp=0)
    except pexc.AlreadyEnqueued:
        return None


def ensure_schema(url: str | None = None) -> bool:
    """Apply procrastinate's schema unless it is there; True if it was applied now.

    Under an advisory lock, so workers starting together apply it once. On
    Supabase, the privileges its defaults gave ``anon`` and ``authenticated``
    on the new tables and functions are revoked in the same transaction
    (``store/sql/0008_privileges.sql``).
    """
    with (
        psycopg.connect(libpq_url(team_database_url(url))) as connection,
        connection.transaction(),
    ):
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found and found[0] is not None:
            return False
        connection.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
        supabase = connection.execute("SELECT to_regprocedure('auth.uid()') IS NOT NULL")
        if supabase.fetchone()[0]:  # type: ignore[index]  # its defaults granted it all: take back
            for statement in team_db.split_sql(team_db.sql_text(team_db.PRIVILEGES_SQL)):
                connection.execute(statement)  # type: ignore[arg-type]
    log.info("applied procrastinate's schema", extra={"action": "farm_schema"})
    return True


def _render_task(
    app: procrastinate.App, job_id: uuid.UUID | str, not_before: dt.datetime | None
) -> Any:
    return app.configure_task(
        RENDER_TASK,
        queue=RENDER_QUEUE,
        lock=str(job_id),
        queueing_lock=str(job_id),
        schedule_at=not_before,
        allow_unknown=True,
    )


def defer_render(
    app: procrastinate.App, job_id: uuid.UUID | str, *, not_before: dt.datetime | None = None
) -> int | None:
    """Defer ``vidgen.render(job_id)``; None if one is already waiting for that job."""
    try:
        return _render_task(app, job_id, not_before).defer(job_id=str(job_id))
    except pexc.AlreadyEnqueued:
        return None


async def defer_render_async(
    app: procrastinate.App, job_id: uuid.UUID | str, *, not_before: dt.datetime | None = None
) -> int | None:
    """``defer_render`` from a coroutine (the worker's recovery task)."""
    try:
        return await _render_task(app, job_id, not_before).defer_async(job_id=str(job_id))
    except pexc.AlreadyEnqueued:
        return None


# The desktop side ----------------------------------------------------------------


StorageFactory = Callable[[storage.OperationRecorder], storage.Storage]


def source_uri_prefix(target: storage.Storage) -> str:
    """What every source URI in this storage starts with (``s3://bucket/vidgen/sources/``)."""
    return target.uri(f"{target.prefix}sources/x")[:-1]


class FarmQueue:
    """The team render farm. ``route`` "remote"; implements ``jobs.ports.JobQueue``."""

    route = "remote"
    owns_jobs = True  # the team database owns a farm job; the laptop's row is its mirror

    def __init__(
        self,
        local: Any,
        *,
        database_url: str | None = None,
        storage_factory: StorageFactory | None = None,
        app: procrastinate.App | None = None,
        remote: store.Database | None = None,
    ) -> None:
        self.local = local  # the desktop's job log, where JobService created the job
        self.url = team_database_url(database_url)
        self.remote = remote or open_team(self.url)
        self.app = app or make_app(self.url, pool_size=2)
        self._storage_factory = storage_factory or (
            lambda recorder: storage.from_settings(config.load(), recorder=recorder)
        )
        self._opened = False

    def open(self) -> FarmQueue:
        if not self._opened:
            ensure_schema(self.url)
            self.app.open()
            self._opened = True
        return self

    def close(self) -> None:
        if self._opened:
            self.app.close()
            self._opened = False
        self.remote.close()

    def __enter__(self) -> FarmQueue:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # The JobQueue port ------------------------------------------------------------

    def enqueue(self, job_id: uuid.UUID, *, not_before: dt.datetime | None = None) -> None:
        """Publish the job to the team log (first time: with its sources) and defer it."""
        self.open()
        remote = self.remote.jobs.find(job_id)  # the relay never sends an unrouted job
        if remote is None:
            self._publish(self.local.jobs.get(job_id))
        elif remote.status in states.RETRYABLE:
            pipeline.queue_again(self.remote, job_id, "queued again from the desktop")
        elif remote.status is not S.QUEUED:
            log.info("job %s is %s on the farm: not deferred again", job_id, remote.status)
            return
        procrastinate_id = defer_render(self.app, job_id, not_before=not_before)
        log.info(
            "job %s deferred to the farm (%s)",
            job_id,
            procrastinate_id or "already waiting",
            extra={"action": "farm_defer"},
        )
        mirror.pull_job(self.local, self.remote, job_id)  # a retry shows here at once

    def cancel(self, job_id: uuid.UUID) -> bool:
        """Cancel the remote job and abort its render; True if a worker was running it."""
        self.open()
        pipeline.cancel(self.remote, job_id, "cancelled from the desktop")
        running = False
        for job in self.app.job_manager.list_jobs(task=RENDER_TASK, lock=str(job_id)):
            if job.status in ("todo", "doing") and job.id is not None:
                aborted = self.app.job_manager.cancel_job_by_id(job.id, abort=True)
                running = running or (aborted and job.status == "doing")
        running = farm_chunks.cancel_all(self.app, job_id) or running  # a chunked job's
        mirror.pull_job(self.local, self.remote, job_id)  # the cancel shows here at once
        return running

    # Publishing -----------------------------------------------------------------

    def _publish(self, job: Any) -> None:
        """The pipeline's ``upload_sources`` step, recorded on the team's timeline."""
        handoff = TeamHandoff(self.remote, self._storage_factory, self.route, local=self.local)
        pipeline.Pipeline(self.remote).upload_sources(job, handoff)
        if job.output_path:  # where the laptop will keep it: one file per farm job
            unique = farm_outputs.local_name(job.output_path, job.id)
            mirror.set_local_output(self.local, job.id, str(unique))


class TeamHandoff:
    """The laptop's adapter for ``Pipeline.upload_sources``: the team storage, then the team log.

    Sources go up content addressed (a file already stored is not sent again,
    a file used twice goes up once) and are renamed to their storage URIs; the
    job is then written to the team database with the client's id, so doing
    it twice changes nothing, with the storage operations the upload made.
    """

    def __init__(
        self, remote: store.Database, storage_factory: StorageFactory, route: str,
        local: Any = None,
    ) -> None:  # fmt: skip
        self.remote, self.route, self.local = remote, route, local
        self.recorder = storage.MemoryRecorder()  # the job has no team row to log them on yet
        self.target = storage_factory(self.recorder)

    def upload(self, job: Any) -> tuple[Composition, dict[str, Any]]:
        target = self.target
        data = dict(job.composition)
        prefix = source_uri_prefix(target)
        sent = skipped = size = 0
        uploaded: dict[str, str] = {}  # local path -> URI: a file used twice goes up once
        elements = []
        for element in data.get("elements", []):
            element = dict(element)
            source = element.get("source")
            if source and not source.startswith(prefix) and "://" not in source:
                path = str(Path(source).expanduser().resolve())
                if path not in uploaded:
                    stored = target.upload_source(path, job_id=job.id)
                    uploaded[path] = stored.uri
                    sent, skipped = sent + stored.uploaded, skipped + (not stored.uploaded)
                    size += stored.size
                element["source"] = uploaded[path]
            elements.append(element)
        data["elements"] = elements
        details = {"uploaded": sent, "already_stored": skipped, "bytes": size,
                   "storage": target.uri(target.prefix)}  # fmt: skip
        return Composition.model_validate(data), details

    def publish(self, job: Any, comp: Composition) -> None:
        fields = {name: getattr(job, name) for name in _COPIED if getattr(job, name) is not None}
        with contextlib.suppress(VidgenError):  # written by a first try that lost its answer
            self.remote.jobs.create(
                comp, job_id=job.id, status=S.QUEUED, max_attempts=job.max_attempts,
                route=self.route, **fields,
            )  # fmt: skip
        self.remote.jobs.get(job.id)  # it must be there now, whoever wrote it
        remote_log = self.remote.storage_log.recorder(job.id)
        for op in self.recorder.operations:
            remote_log.operation(op)
        if self.local is not None:  # logged where they were made too (the outbox never
            local_log = self.local.storage_log.recorder(job.id)  # sends a farm job's rows)
            for op in self.recorder.operations:
                local_log.operation(op)
