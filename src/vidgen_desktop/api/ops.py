"""``/health``, ``/metrics`` (Prometheus text) and ``/s/{token}`` (tracked share links).

``/health`` checks the job log (a read), the queue (the embedded queue's
thread is alive; the farm's database answers) and the storage
(``Storage.check``); each part says ``ok`` or what is wrong, and the answer
is 503 when any is down. ``/metrics`` is the text format, written here (a few
lines, as the worker's ``worker.metrics``): requests by route and status,
request latency, jobs by state, uptime.

``/s/{token}``: the link's every access is logged (``api.links``); a live
link answers the render: the local file served, or a 302 to a presigned URL
made on this access (a farm render in the team bucket), or to the job's
published URL; a revoked or expired link answers 410, an unknown one 404.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from vidgen_desktop.api.app import ApiError
from vidgen_desktop.api.server import ApiServer
from vidgen_desktop.store.tracked_links import PATH, LinkGone, UnknownLink, client_hash

PRESIGN_SECONDS = 300  # a presigned URL made for one access lives this long


def _check_db(server: ApiServer) -> str:
    with server.db.read() as connection:
        connection.exec_driver_sql("SELECT 1")
    return "ok"


def _check_queue(server: ApiServer) -> str:
    queue = server.queue
    runner = getattr(queue, "_runner", None)
    if hasattr(queue, "start"):
        if not server.runs_queue:
            return "ok: embedded queue, run by `vidgen queue run` (vidgen serve --no-queue)"
        if runner is None or not runner.is_alive():
            raise RuntimeError("the embedded queue is not running")
        return "ok: embedded queue"
    health = getattr(queue, "check", None)
    if callable(health):
        health()
    return "ok: farm"


def _check_storage(server: ApiServer) -> str:
    from vidgen_desktop import storage

    if server.settings.backend.storage_enabled:
        return "ok: " + storage.from_settings(server.settings).check()
    folder = Path(server.settings.output_dir())
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / ".vidgen-health"
    probe.write_bytes(b"")
    probe.unlink()
    return f"ok: {folder}"


CHECKS = {"database": _check_db, "queue": _check_queue, "storage": _check_storage}


def health(server: ApiServer) -> tuple[int, dict[str, Any]]:
    parts: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = {"state": "up", "detail": check(server)}
        except Exception as exc:  # noqa: BLE001 - each part's failure is reported, not raised
            parts[name] = {
                "state": "down",
                "detail": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            }
    up = all(p["state"] == "up" for p in parts.values())
    return (200 if up else 503), {"status": "ok" if up else "down", **parts}


def metrics_text(server: ApiServer) -> str:
    counters = server.counters
    lines = [
        "# HELP vidgen_api_requests_total HTTP requests answered, by route and status.",
        "# TYPE vidgen_api_requests_total counter",
    ]
    with counters.lock:
        requests = dict(counters.requests)
        buckets, total, count = list(counters.buckets), counters.seconds_sum, counters.seconds_count
    for (method, route, status), n in sorted(requests.items()):
        lines.append(
            f'vidgen_api_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}'
        )
    lines += [
        "# HELP vidgen_api_request_seconds Time to answer a request.",
        "# TYPE vidgen_api_request_seconds histogram",
    ]
    running = 0
    for bound, n in zip(counters.BOUNDS, buckets, strict=True):
        running = n  # buckets are cumulative already (each counts requests at most its bound)
        lines.append(f'vidgen_api_request_seconds_bucket{{le="{bound}"}} {running}')
    lines += [
        f'vidgen_api_request_seconds_bucket{{le="+Inf"}} {count}',
        f"vidgen_api_request_seconds_sum {total:.6f}",
        f"vidgen_api_request_seconds_count {count}",
        "# HELP vidgen_jobs Jobs in the job log, by state.",
        "# TYPE vidgen_jobs gauge",
    ]
    from vidgen_desktop.jobs.states import JobStatus
    from vidgen_desktop.store import JobQuery

    for status in JobStatus:
        n = server.db.jobs.count(JobQuery(statuses=(str(status),)))
        lines.append(f'vidgen_jobs{{status="{status}"}} {n}')
    lines += [
        "# HELP vidgen_api_uptime_seconds Seconds since the server started.",
        "# TYPE vidgen_api_uptime_seconds gauge",
        f"vidgen_api_uptime_seconds {time.time() - server.started:.1f}",
    ]
    return "\n".join(lines) + "\n"


def install(app: FastAPI, server: ApiServer) -> None:
    @app.get("/health", tags=["operations"])
    def _health() -> JSONResponse:
        status, body = health(server)
        return JSONResponse(body, status)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def _metrics() -> PlainTextResponse:
        return PlainTextResponse(metrics_text(server), media_type="text/plain; version=0.0.4")

    @app.get(PATH + "{token}", tags=["links"])
    def _shared(token: str, request: Request) -> Response:
        """A tracked share link: the render (the file, or a 302 to it); 410 once revoked/expired."""
        try:
            link = server.links.access(
                token,
                client=client_hash(request.state.client, salt=str(server.started)),
                user_agent=request.headers.get("user-agent"),
                referrer=request.headers.get("referer"),
            )
        except UnknownLink:
            raise ApiError(404, "not_found", "no such share link") from None
        except LinkGone as exc:
            raise ApiError(410, "gone", str(exc)) from None
        return _answer(server, server.db.jobs.get(link.job_id))


def _answer(server: ApiServer, job: Any) -> Response:
    path = Path(job.output_path) if job.output_path and "://" not in job.output_path else None
    if path is not None and path.is_file():
        return FileResponse(path, filename=path.name)
    from vidgen_desktop import storage
    from vidgen_desktop.storage import share

    if server.settings.backend.storage_enabled:
        target = storage.from_settings(
            server.settings, recorder=server.db.storage_log.recorder(job.id)
        )
        key = share.farm_key(target, job.id, job.output_url)
        if key is not None and target.exists(key):
            link = target.share_link(
                key, job_id=job.id, client="server", expires_in=PRESIGN_SECONDS, public=False
            )
            return RedirectResponse(link.url, 302)
    if job.output_url and job.output_url.startswith(("http://", "https://")):
        return RedirectResponse(job.output_url, 302)
    raise ApiError(410, "gone", "the render this link shared is no longer stored")
