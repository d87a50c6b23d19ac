"""``/api/v1``: videocreate (the dual answer), videoresult (+ ETag, + SSE events), jobs.

A job is visible only to the owner of the key that made it; to anyone else
it does not exist (404), so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from vidgen_desktop import errors as vidgen_errors
from vidgen_desktop.api import documents, events
from vidgen_desktop.api.app import ApiError
from vidgen_desktop.api.server import ApiServer

STATUSES = ("pending", "queued", "processing", "completed", "failed", "cancelled")
PREFIX = "/api/v1"


def _job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ApiError(422, "invalid_job_id", f"'{text[:60]}' is not a job id (a UUID)") from None


def _job(server: ApiServer, request: Request, text: str) -> Any:
    job_id = _job_id(text)
    if not server.may_read(request.state.key, job_id):
        raise ApiError(404, "not_found", f"no job {job_id}")
    try:
        return server.db.jobs.get(job_id)
    except LookupError:
        raise ApiError(404, "not_found", f"no job {job_id}") from None


def _eta(job: Any) -> float | None:
    if str(job.status) in ("completed", "failed", "cancelled"):
        return 0.0 if str(job.status) == "completed" else None
    if str(job.status) == "processing" and job.started_at is not None:
        elapsed = (dt.datetime.now(dt.UTC) - job.started_at).total_seconds()
        if job.progress > 0.02:
            return max(0.0, elapsed * (1 - job.progress) / job.progress)
        if job.estimated_seconds is not None:
            return max(0.0, job.estimated_seconds - elapsed)
    return job.estimated_seconds


def result(server: ApiServer, job: Any, base: str) -> dict[str, Any]:
    """What ``videoresult`` answers for ``job`` (also each SSE event's data)."""
    body: dict[str, Any] = {
        "job_id": str(job.id),
        "status": str(job.status),
        "progress": round(100.0 * (job.progress or 0.0), 1),
        "current_step": job.current_step,
        "eta": None if (eta := _eta(job)) is None else round(eta, 1),
        "estimated_time": job.estimated_seconds,
        "project_name": job.project_name,
        "created_at": job.created_at.isoformat(),
        "completed_at": job.completed_at.isoformat() if job.completed_at else None,
        "processing_time": job.actual_seconds,
    }
    if str(job.status) == "completed":
        body["video_url"] = server.video_url(job, base)
    if str(job.status) == "failed":
        body["error"] = {"code": job.error_code, "message": job.error_message}
    return body


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def install(app: FastAPI, server: ApiServer) -> None:
    @app.post(PREFIX + "/videocreate", status_code=200, tags=["jobs"])
    async def videocreate(request: Request) -> JSONResponse:
        """A project document (schema 1 or 2) or the platform's element form: rendered now
        (200, ``completed``, ``video_url``) when estimated within the threshold, else queued
        (202, ``status_url``)."""
        raw = await request.body()
        if len(raw) > server.settings.api.max_body_bytes:
            raise ApiError(
                413,
                "body_too_large",
                f"the body is over {server.settings.api.max_body_bytes} bytes",
            )
        data = documents.parse_json(raw)
        key, base = request.state.key, _base(request)
        return await run_in_threadpool(_create, server, data, key, base)

    @app.get(PREFIX + "/videoresult/{job_id}", tags=["jobs"])
    async def videoresult(job_id: str, request: Request) -> Response:  # ~0.1 ms: on the loop
        """A job's state, progress (0–100), step, ETA, ``video_url`` when completed, the error
        when failed. Send ``If-None-Match`` with the last ``ETag`` to get 304 while unchanged."""
        wanted = _job_id(job_id)
        if not server.may_read(request.state.key, wanted):
            raise ApiError(404, "not_found", f"no job {wanted}")
        try:  # the job's stamp, then the record kept with it (api.snapshots)
            job, tag = server.snapshots.answer(wanted, request.headers.get("if-none-match"))
        except LookupError:
            raise ApiError(404, "not_found", f"no job {wanted}") from None
        if job is None:
            return Response(status_code=304, headers={"ETag": tag})
        base = _base(request) if str(job.status) == "completed" else ""  # only video_url uses it
        body = result(server, job, base)
        return JSONResponse(body, headers={"ETag": tag, "Cache-Control": "no-cache"})

    @app.get(PREFIX + "/videoresult/{job_id}/events", tags=["jobs"])
    def videoresult_events(job_id: str, request: Request) -> Response:
        """Server-Sent Events: one ``status`` event per change, ending after a final state."""
        job = _job(server, request, job_id)
        return events.stream(server, job.id, lambda j: result(server, j, _base(request)))

    @app.get(PREFIX + "/jobs", tags=["jobs"])
    def jobs(
        request: Request,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        search: str | None = None,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> JSONResponse:
        """The key owner's jobs, newest first; ``status`` (comma-separated), ``since``/``until``
        (dates), ``search`` (project name), ``limit``/``offset`` as ``vidgen jobs list``."""
        statuses = tuple(s for s in (status or "").split(",") if s)
        for s in statuses:
            if s not in STATUSES:
                raise ApiError(
                    422,
                    "invalid_status",
                    f"'{s}' is not a job state (one of: {', '.join(STATUSES)})",
                )
        total, ids = server.keys.owned(
            request.state.key.owner,
            statuses=statuses,
            limit=limit,
            offset=offset,
            since=_date(since, "since"),
            until=_date(until, "until", end=True),
            search=search,
        )
        base = _base(request)
        found = []
        for job_id in ids:
            try:
                found.append(result(server, server.db.jobs.get(job_id), base))
            except LookupError:
                continue
        return JSONResponse({"total": total, "limit": limit, "offset": offset, "jobs": found})

    @app.post(PREFIX + "/jobs/{job_id}/cancel", tags=["jobs"])
    def cancel(job_id: str, request: Request) -> JSONResponse:
        job = _job(server, request, job_id)
        _act(server.service.cancel, job.id)
        server.db.audit.record(
            job.id, "cancelled", details={"by": "api", "key": request.state.key.name}
        )
        return JSONResponse(result(server, server.db.jobs.get(job.id), _base(request)))

    @app.post(PREFIX + "/jobs/{job_id}/retry", tags=["jobs"])
    def retry(job_id: str, request: Request) -> JSONResponse:
        job = _job(server, request, job_id)
        _act(server.service.retry, job.id)
        server.db.audit.record(
            job.id, "retried", details={"by": "api", "key": request.state.key.name}
        )
        return JSONResponse(result(server, server.db.jobs.get(job.id), _base(request)), 202)


def _date(text: str | None, name: str, *, end: bool = False) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            422, "invalid_date", f"{name}: '{text[:40]}' is not a date (YYYY-MM-DD)"
        ) from None
    if end and len(text) <= 10:
        value += dt.timedelta(days=1)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _act(action: Any, job_id: uuid.UUID) -> None:
    try:
        action(job_id)
    except vidgen_errors.VidgenError as exc:
        raise ApiError(409, "conflict", str(exc)) from None


def _create(server: ApiServer, data: dict[str, Any], key: Any, base: str) -> JSONResponse:
    comp = documents.composition(data)  # 422 with the CLI's lines
    comp = documents.fetch_sources(server.fetcher, comp)  # 422 for a refused source_url
    folder = Path(server.settings.output_dir()) / "api" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    answer, job_id = server.submit(comp, key, output=folder)
    if isinstance(answer, BaseException):
        if job_id is None:
            raise ApiError(422, "invalid_document", str(answer).splitlines()[0])
        job = server.db.jobs.get(job_id)
        status = (
            422
            if isinstance(answer, vidgen_errors.CompositionError | vidgen_errors.MediaError)
            else 500
        )
        return JSONResponse(
            {
                **result(server, job, base),
                "error": {
                    "code": job.error_code or "failed",
                    "message": str(answer).splitlines()[0],
                },
            },
            status,
        )
    status_url = f"{server.base_url(base)}{PREFIX}/videoresult/{answer.job_id}"
    if answer.response_type == "immediate":
        job = server.db.jobs.get(answer.job_id)
        return JSONResponse(
            {
                "status": "completed",
                "job_id": str(job.id),
                "video_url": server.video_url(job, base),
                "processing_time": round(answer.duration or 0.0, 3),
                "estimated_time": answer.estimate,
                "status_url": status_url,
            }
        )
    return JSONResponse(
        {
            "status": "queued",
            "job_id": str(answer.job_id),
            "estimated_time": answer.estimate,
            "status_url": status_url,
            "events_url": status_url + "/events",
        },
        202,
        {"Location": status_url},
    )
