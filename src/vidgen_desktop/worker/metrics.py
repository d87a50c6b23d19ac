"""A worker's counters, as Prometheus text on an optional port, and its heartbeat row.

No client library: the text format is a few lines, served by ``http.server``
from a daemon thread. The heartbeat is a ``system_metrics`` row
(``worker_heartbeat``, this host, the worker's pid in the details) written
every few seconds from the worker's event loop; ``vidgen worker --health``
reads the newest one for this host.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import threading
import time
from typing import Any

HEALTH_ROWS = 1000  # newest heartbeats of a host searched for a worker's name
HEARTBEAT = "worker_heartbeat"  # system_metrics name: value = renders running
HEARTBEAT_KEEP = 3600  # seconds of heartbeat history kept per host
PRUNE_EVERY = 30  # heartbeats between two prunings
JOB_SECONDS = "worker_job_seconds"  # system_metrics name: one row per finished job
BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)  # seconds, render duration histogram


class Metrics:
    """Thread-safe counters of one worker process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jobs: dict[str, int] = {}  # outcome -> count
        self.failures: dict[str, int] = {}  # failure kind -> count
        self.buckets = [0] * len(BUCKETS)
        self.seconds_sum = 0.0
        self.seconds_count = 0
        self.running = 0
        self.started = time.time()
        self.last_heartbeat = 0.0
        self.beats = 0  # heartbeats written

    def count(self, outcome: str, seconds: float | None = None, kind: str | None = None) -> None:
        with self._lock:
            self.jobs[outcome] = self.jobs.get(outcome, 0) + 1
            if kind:
                self.failures[kind] = self.failures.get(kind, 0) + 1
            if seconds is not None:
                self.seconds_sum += seconds
                self.seconds_count += 1
                for n, bound in enumerate(BUCKETS):
                    if seconds <= bound:
                        self.buckets[n] += 1

    def add_running(self, delta: int) -> None:
        with self._lock:
            self.running += delta

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "jobs": dict(self.jobs),
                "failures": dict(self.failures),
                "running": self.running,
                "pid": os.getpid(),
                "uptime_seconds": round(time.time() - self.started, 1),
            }

    def text(self) -> str:
        """The Prometheus exposition format (version 0.0.4)."""
        with self._lock:
            lines = [
                "# HELP vidgen_jobs_total Farm jobs this worker finished, by outcome.",
                "# TYPE vidgen_jobs_total counter",
                *(f'vidgen_jobs_total{{status="{k}"}} {v}' for k, v in sorted(self.jobs.items())),
                "# HELP vidgen_job_failures_total Failed job attempts, by kind.",
                "# TYPE vidgen_job_failures_total counter",
                *(
                    f'vidgen_job_failures_total{{kind="{k}"}} {v}'
                    for k, v in sorted(self.failures.items())
                ),
                "# HELP vidgen_job_duration_seconds Time from claim to finish of a job.",
                "# TYPE vidgen_job_duration_seconds histogram",
                *(
                    f'vidgen_job_duration_seconds_bucket{{le="{b:g}"}} {n}'
                    for b, n in zip(BUCKETS, self.buckets, strict=True)
                ),
                f'vidgen_job_duration_seconds_bucket{{le="+Inf"}} {self.seconds_count}',
                f"vidgen_job_duration_seconds_sum {self.seconds_sum:.3f}",
                f"vidgen_job_duration_seconds_count {self.seconds_count}",
                "# HELP vidgen_worker_running_jobs Renders running now.",
                "# TYPE vidgen_worker_running_jobs gauge",
                f"vidgen_worker_running_jobs {self.running}",
                "# HELP vidgen_worker_last_heartbeat_seconds Unix time of the last heartbeat.",
                "# TYPE vidgen_worker_last_heartbeat_seconds gauge",
                f"vidgen_worker_last_heartbeat_seconds {self.last_heartbeat:.3f}",
            ]
        return "\n".join(lines) + "\n"


def serve(metrics: Metrics, port: int, host: str = "0.0.0.0") -> http.server.ThreadingHTTPServer:  # noqa: S104
    """Serve ``/metrics`` on ``port`` from a daemon thread; returns the server (``.shutdown()``)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0] not in ("/metrics", "/"):
                self.send_error(404)
                return
            body = metrics.text().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # scrapes every few seconds would drown the worker's log

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def beat(remote: Any, metrics: Metrics, name: str) -> None:
    """Write one heartbeat row (blocking: call it in a thread)."""
    snapshot = metrics.snapshot()
    remote.metrics.put(
        HEARTBEAT, snapshot["running"], unit="renders", details={**snapshot, "worker": name}
    )
    metrics.last_heartbeat = time.time()
    metrics.beats += 1
    if metrics.beats % PRUNE_EVERY == 1:  # the first beat, then every PRUNE_EVERY
        # one row every few seconds per worker would grow the team database forever
        remote.metrics.prune(HEARTBEAT, older_than=dt.timedelta(seconds=HEARTBEAT_KEEP))


def fresh(
    remote: Any, max_age: float, host: str | None = None, worker: str | None = None
) -> tuple[bool, str]:
    """Whether this host's newest heartbeat (of the worker named ``worker``, when given) is
    younger than ``max_age`` seconds, and why."""
    if worker:
        rows = remote.metrics.history(HEARTBEAT, host=host, limit=HEALTH_ROWS)
        row = next((r for r in rows if (r.details or {}).get("worker") == worker), None)
        if row is None:
            return False, f"no heartbeat from a worker named {worker!r} on this host"
    else:
        row = remote.metrics.get(HEARTBEAT, host=host)
    if row is None:
        return False, "no worker heartbeat from this host"
    age = (dt.datetime.now(dt.UTC) - row.recorded_at).total_seconds()
    pid = (row.details or {}).get("pid")
    if age > max_age:
        return False, f"the last heartbeat (pid {pid}) is {age:.0f} s old (limit {max_age:g} s)"
    return True, f"worker pid {pid} beat {age:.1f} s ago, {row.value:g} render(s) running"
