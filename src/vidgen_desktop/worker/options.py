"""A farm worker's options: settings file, environment, command line (last wins)."""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.jobs import errors as failures

log = logging.getLogger(__name__)

# environment variable -> option; the short timings exist so tests and small teams can tune them
ENV = {
    "VIDGEN_WORKER_CONCURRENCY": "concurrency",
    "VIDGEN_WORKER_HEARTBEAT": "heartbeat",
    "VIDGEN_WORKER_STALL_TIMEOUT": "stall_timeout",
    "VIDGEN_WORKER_RECOVER_EVERY": "recover_every",
    "VIDGEN_WORKER_POLL": "poll",
    "VIDGEN_WORKER_RETRY_BASE": "retry_base",
    "VIDGEN_WORKER_GRACE": "grace",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class FarmOptions:
    concurrency: int = 1  # renders at once
    heartbeat: float = 10.0  # seconds between heartbeats (procrastinate's and ours)
    stall_timeout: float = 30.0  # seconds without a heartbeat before a worker counts as dead
    recover_every: float = 20.0  # seconds between looks for jobs of dead workers
    poll: float = 2.0  # seconds between looks for new jobs and aborts (NOTIFY wakes sooner)
    retry_base: float = failures.BACKOFF_BASE  # seconds before the 2nd try of a transient failure
    skip_after: int = 2  # transient failures of one job here before leaving it to others
    skip_delay: float = 2.0  # seconds a job left to others waits before it is offered again
    grace: float = 30.0  # seconds running renders get to finish on stop, then they are re-queued
    allowed_url_prefixes: tuple[str, ...] = ()
    metrics_port: int | None = None
    name: str = ""
    retention: bool = False  # the designated worker: applies retention to the team database

    @property
    def label(self) -> str:
        return self.name or f"{socket.gethostname()}:{os.getpid()}"

    @classmethod
    def load(cls, settings: config.Settings | None = None, **overrides: Any) -> FarmOptions:
        settings = settings or config.load()
        values: dict[str, Any] = {
            "concurrency": settings.backend.worker_concurrency,
            "allowed_url_prefixes": tuple(settings.backend.worker_allowed_url_prefixes),
        }
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for variable, name in ENV.items():
            raw = os.environ.get(variable, "").strip()
            if not raw:
                continue
            try:
                values[name] = int(raw) if types[name] == "int" else float(raw)
            except ValueError:
                log.warning("ignoring %s=%r: not a number", variable, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("concurrency", 1) < 1:
            values["concurrency"] = 1
        return cls(**values)
