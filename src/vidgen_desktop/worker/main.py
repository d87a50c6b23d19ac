"""Run a farm worker: two procrastinate workers in one process, a heartbeat, metrics.

Renders and maintenance listen on separate queues, so the periodic look for
stalled jobs runs even while every render slot is busy. SIGTERM or SIGINT
stops taking jobs; renders still running after ``grace`` seconds are
stopped and put back in the queue for another worker. When the team database
goes away the worker stays up: its renders go back to the queue, it waits for
the database with backoff and starts again (``worker.link``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from vidgen_desktop import config, paths, storage
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.queue import farm as farm_queue
from vidgen_desktop.worker import metrics as metrics_mod
from vidgen_desktop.worker.farm import Farm
from vidgen_desktop.worker.link import OUTAGE, FatalDatabaseError, OutageLogFilter, TeamLink
from vidgen_desktop.worker.options import FarmOptions

log = logging.getLogger(__name__)

HEALTH_MAX_AGE = 3.0  # heartbeats: older than this many intervals counts as unhealthy
LINK_POLL = 0.2  # seconds between looks at the link while a session runs


def storage_factory(settings: config.Settings) -> Any:
    cache = storage.DownloadCache()

    def make(recorder: storage.OperationRecorder) -> storage.Storage:
        return storage.from_settings(settings, recorder=recorder, cache=cache)

    return make


async def serve(
    options: FarmOptions,
    *,
    database_url: str | None = None,
    settings: config.Settings | None = None,
    stop: asyncio.Event | None = None,
    ready: Any = None,
) -> None:
    """Work until ``stop`` is set (or SIGTERM/SIGINT, when run in the main thread).

    A lost team database is not the end: the worker waits for it with backoff
    and starts taking jobs again (``worker.link``). Only a fatal refusal
    (credentials, a database that is not there) or a bug ends it with an error.
    """
    settings = settings or config.load()
    url = farm_queue.team_database_url(database_url)
    stop = stop or asyncio.Event()
    link = TeamLink(url, options.label)
    quiet = OutageLogFilter(link)
    handlers = logging.getLogger().handlers
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        await _serve(options, url, settings, link, stop, ready)
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


async def _serve(
    options: FarmOptions, url: str, settings: config.Settings, link: TeamLink,
    stop: asyncio.Event, ready: Any,
) -> None:  # fmt: skip
    if not await link.wait_until_reachable(stop):
        return
    link.back()
    await asyncio.to_thread(farm_queue.ensure_schema, url)
    if not settings.backend.storage_enabled:
        log.warning("no team storage (S3) is set: sources must be on a folder every worker sees")
    remote = farm_queue.open_team(url)
    farm = Farm(remote, storage_factory(settings), options, paths.cache_dir() / "farm", link=link)
    server = metrics_mod.serve(farm.metrics, options.metrics_port) if options.metrics_port else None
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not main thread
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    log.info(
        "worker %s started: %d render(s) at once, database %s",
        options.label, options.concurrency, config.redact(url), extra={"action": "worker_start"},
    )  # fmt: skip
    beats = asyncio.create_task(_heartbeats(remote, farm, options))
    try:
        while not stop.is_set():
            try:
                await _session(url, farm, options, stop, ready)
            except OUTAGE as exc:
                link.lost(exc)
            else:
                if stop.is_set():
                    break
                # procrastinate's worker stops by itself when its heartbeat fails
                link.lost("the queue worker stopped")
            ready = None
            if not await link.wait_until_reachable(stop):
                break
            await asyncio.to_thread(farm.reclaim)
            link.back()
    finally:
        beats.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beats
        if server is not None:
            server.shutdown()
        remote.close()
    log.info("worker %s stopped", options.label, extra={"action": "worker_stop"})


async def _session(
    url: str, farm: Farm, options: FarmOptions, stop: asyncio.Event, ready: Any
) -> None:
    """procrastinate's render and maintenance workers on a fresh pool, until one ends."""
    app = farm_queue.make_app(
        url, recover_every=options.recover_every, pool_size=options.concurrency + 6
    )
    common: dict[str, Any] = {
        "additional_context": {farm_queue.FARM_CONTEXT: farm},
        "update_heartbeat_interval": options.heartbeat,
        "stalled_worker_timeout": options.stall_timeout,
        "fetch_job_polling_interval": options.poll,
        "abort_job_polling_interval": options.poll,
        "shutdown_graceful_timeout": options.grace,
        "install_signal_handlers": False,
    }
    async with app.open_async():
        tasks = [
            asyncio.create_task(
                app.run_worker_async(
                    queues=[farm_queue.RENDER_QUEUE], concurrency=options.concurrency,
                    name="render", **common,
                )
            ),
            asyncio.create_task(
                app.run_worker_async(
                    queues=[farm_queue.MAINTENANCE_QUEUE], concurrency=1, name="maintenance",
                    **common,
                )
            ),
        ]  # fmt: skip
        if options.retention:  # the designated worker: on start, then daily (periodic task)
            tasks.append(asyncio.create_task(
                app.run_worker_async(
                    queues=[farm_queue.RETENTION_QUEUE], concurrency=1, name="retention",
                    **common,
                )
            ))  # fmt: skip
            await farm_queue.defer_retention(app)
        if ready is not None:
            ready()
        stopper = asyncio.create_task(stop.wait())
        lost = asyncio.create_task(_until_lost(farm.link))
        done, _ = await asyncio.wait([stopper, lost, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():  # stop the renders now, not after procrastinate's grace
            errors = [t.exception() for t in done if t in tasks and t.exception() is not None]
            farm.link.lost(errors[0] if errors else "the queue worker stopped")
        for task in [stopper, lost, *tasks]:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    failed = [r for r in failed if not isinstance(r, asyncio.CancelledError)]
    for result in failed:
        if not isinstance(result, OUTAGE):
            raise result  # a bug, not an outage: end the worker with an error
    if failed:
        raise failed[0]


async def _until_lost(link: TeamLink) -> None:
    """Return once any part of the worker has noticed that the database is gone."""
    while not link.down.is_set():
        await asyncio.sleep(LINK_POLL)


async def _heartbeats(remote: Any, farm: Farm, options: FarmOptions) -> None:
    """A heartbeat row every ``options.heartbeat`` s, from the loop: a wedged loop stops it."""
    while True:
        try:
            await asyncio.to_thread(metrics_mod.beat, remote, farm.metrics, options.label)
        except VidgenError as exc:
            farm.link.lost(exc)  # the first to notice says so; the link logs it once
        await asyncio.sleep(options.heartbeat)


def run(options: FarmOptions, *, database_url: str | None = None) -> int:
    """Serve until stopped; 0 on a stop, 1 on a fatal error (the unit restarts it either way)."""
    try:
        asyncio.run(serve(options, database_url=database_url))
    except FatalDatabaseError as exc:
        log.error("worker %s: %s", options.label, exc, extra={"action": "worker_fatal"})
        return 1
    return 0


def health(
    options: FarmOptions, *, database_url: str | None = None, max_age: float | None = None
) -> tuple[bool, str]:
    """Whether this host's worker heartbeat is fresh (for container and systemd probes);
    with ``options.name``, that worker's own."""
    limit = max_age if max_age is not None else HEALTH_MAX_AGE * options.heartbeat
    remote = farm_queue.open_team(database_url)
    try:
        return metrics_mod.fresh(remote, limit, worker=options.name or None)
    finally:
        remote.close()
