"""Run a farm worker: two procrastinate workers in one process, a heartbeat, metrics.

Renders and maintenance listen on separate queues, so the periodic look for
stalled jobs runs even while every render slot is busy. SIGTERM or SIGINT
stops taking jobs; renders still running after ``grace`` seconds are
stopped and put back in the queue for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from vidgen_desktop import config, paths, storage
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.queue import farm as shared
from vidgen_desktop.worker import metrics as metrics_mod
from vidgen_desktop.worker.farm import Farm
from vidgen_desktop.worker.options import FarmOptions

log = logging.getLogger(__name__)

HEALTH_MAX_AGE = 3.0  # heartbeats: older than this many intervals counts as unhealthy


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
    """Work until ``stop`` is set (or SIGTERM/SIGINT, when run in the main thread)."""
    settings = settings or config.load()
    url = shared.team_database_url(database_url)
    await asyncio.to_thread(shared.ensure_schema, url)
    if not settings.backend.storage_enabled:
        log.warning("no team storage (S3) is set: sources must be on a folder every worker sees")
    app = shared.make_app(
        url, recover_every=options.recover_every, pool_size=options.concurrency + 6
    )
    remote = shared.open_remote(url)
    farm = Farm(remote, storage_factory(settings), options, paths.cache_dir() / "farm")
    server = metrics_mod.serve(farm.metrics, options.metrics_port) if options.metrics_port else None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not main thread
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    common: dict[str, Any] = {
        "additional_context": {shared.FARM_CONTEXT: farm},
        "update_heartbeat_interval": options.heartbeat,
        "stalled_worker_timeout": options.stall_timeout,
        "fetch_job_polling_interval": options.poll,
        "abort_job_polling_interval": options.poll,
        "shutdown_graceful_timeout": options.grace,
        "install_signal_handlers": False,
    }
    try:
        async with app.open_async():
            tasks = [
                asyncio.create_task(
                    app.run_worker_async(
                        queues=[shared.RENDER_QUEUE],
                        concurrency=options.concurrency,
                        name="render",
                        **common,
                    )
                ),
                asyncio.create_task(
                    app.run_worker_async(
                        queues=[shared.MAINTENANCE_QUEUE],
                        concurrency=1,
                        name="maintenance",
                        **common,
                    )
                ),
                asyncio.create_task(_heartbeats(remote, farm, options)),
            ]
            log.info(
                "worker %s started: %d render(s) at once, database %s",
                options.label,
                options.concurrency,
                config.redact(url),
                extra={"action": "worker_start"},
            )
            if ready is not None:
                ready()
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in [stopper, *tasks]:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.error("worker part failed: %r", result, extra={"action": "worker_stop"})
    finally:
        if server is not None:
            server.shutdown()
        remote.close()
    log.info("worker %s stopped", options.label, extra={"action": "worker_stop"})


async def _heartbeats(remote: Any, farm: Farm, options: FarmOptions) -> None:
    """A heartbeat row every ``options.heartbeat`` s, from the loop: a wedged loop stops it."""
    while True:
        try:
            await asyncio.to_thread(metrics_mod.beat, remote, farm.metrics, options.label)
        except VidgenError as exc:
            log.warning("heartbeat not written: %s", exc, extra={"action": "heartbeat"})
        await asyncio.sleep(options.heartbeat)


def run(options: FarmOptions, *, database_url: str | None = None) -> int:
    asyncio.run(serve(options, database_url=database_url))
    return 0


def health(
    options: FarmOptions, *, database_url: str | None = None, max_age: float | None = None
) -> tuple[bool, str]:
    """Whether this host's worker heartbeat is fresh (for container and systemd probes)."""
    limit = max_age if max_age is not None else HEALTH_MAX_AGE * options.heartbeat
    remote = shared.open_remote(database_url)
    try:
        return metrics_mod.fresh(remote, limit)
    finally:
        remote.close()
