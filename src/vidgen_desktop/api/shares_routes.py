"""``/api/v1``: tracked share links of a key owner's jobs, and renders the editor sends to share.

>>> PUT  /api/v1/jobs/{id}/output?name=promo.mp4&project=Promo&sha256=…   (the render's bytes)
>>> POST /api/v1/jobs/{id}/share      {"expires_in": 86400}  → 201 {"url": …/s/<token>, "link"}
>>> GET  /api/v1/jobs/{id}/shares     → {"links": [{…, "state", "opened", "accesses"}]}
>>> POST /api/v1/shares/{link}/revoke → the link, "revoked": /s/<token> answers 410

The server shares only jobs it knows and the key's owner owns. A render made
in the editor is on the designer's machine, so the editor sends it first
(``PUT …/output``) under the desktop job's own id: a job id the server does
not know becomes a completed job owned by the key's owner, its render the
uploaded file (under the output folder's ``api/shared/<job id>/``); a job
the server knows but no key owns (a server on the designer's own machine,
sharing its job log) is claimed only when the uploaded bytes are that job's
render; a job another owner has is refused like an unknown one (404). The
body is sent chunked (the 1 MB guard reads ``Content-Length``, which is for
JSON bodies): the route counts it against ``api.max_upload_bytes`` as it
streams (413) and checks ``sha256`` when given (422).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from vidgen_desktop import files
from vidgen_desktop.api.app import ApiError
from vidgen_desktop.api.server import ApiServer
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store.tracked_links import Link, UnknownLink

PREFIX = "/api/v1"
ACCESSES_LISTED = 50  # a link's most recent accesses in the list
SENT_REASON = "rendered in the editor, sent to this server to be shared"
_NAME = re.compile(r"[^\w.\- ]+")


class ShareBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in: int | None = Field(None, ge=60)  # seconds; None: the server's api.link_expiry


def _uuid(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ApiError(
            422, f"invalid_{what}_id", f"'{text[:60]}' is not a {what} id (a UUID)"
        ) from None


def _owned_job(server: ApiServer, request: Request, job_id: uuid.UUID) -> Any:
    job = server.db.jobs.find(job_id)
    if job is None or not server.may_read(request.state.key, job_id):
        raise ApiError(404, "not_found", f"no job {job_id} of this key's owner on the server")
    return job


def link_body(server: ApiServer, link: Link, *, shown: str | None = None) -> dict[str, Any]:
    return {
        "id": str(link.id),
        "job_id": str(link.job_id),
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
        "state": link.state,
        "shown": shown,  # the link without its token (the token is shown once, at creation)
    }


def _listed(server: ApiServer, job_id: uuid.UUID) -> list[dict[str, Any]]:
    log = server.db.storage_log.links(job_id, limit=None)  # every access counts
    shown = {
        (row.details or {}).get("link"): row.url
        for row in log
        if row.action == "created" and (row.details or {}).get("tracked")
    }
    found = []
    for link in server.links.for_job(job_id):
        accesses = [
            row
            for row in log
            if (row.details or {}).get("link") == str(link.id)
            and row.action in ("opened", "refused")
        ]
        found.append({
            **link_body(server, link, shown=shown.get(str(link.id))),
            "opened": sum(1 for row in accesses if row.action == "opened"),
            "refused": sum(1 for row in accesses if row.action == "refused"),
            "accesses": [
                {
                    "at": row.accessed_at.isoformat(),
                    "action": row.action,
                    "user_agent": (row.details or {}).get("user_agent"),
                    "referrer": (row.details or {}).get("referrer"),
                }
                for row in accesses[-ACCESSES_LISTED:]
            ],
        })  # fmt: skip
    return found


def _sha256(path: Path) -> str:
    hashed = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hashed.update(block)
    return hashed.hexdigest()


def _file_name(name: str | None) -> str:
    cleaned = _NAME.sub("_", Path(name or "").name).strip(" .")[:120]
    return cleaned or "render.mp4"


async def _receive(server: ApiServer, request: Request, target: Path, sha256: str | None) -> str:
    """Stream the body into ``target`` (atomically); its sha256. 413 / 422 on a bad body."""
    limit = server.settings.api.max_upload_bytes
    hashed, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = files.partial_path(target)
    try:
        with partial.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, "body_too_large", f"the render is over {limit} bytes")
                hashed.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApiError(422, "empty_body", "the body is empty: send the render's bytes")
        digest = hashed.hexdigest()
        if sha256 and sha256.lower() != digest:
            raise ApiError(422, "sha256_mismatch", "the body's sha256 is not the one given")
        files.move_into_place(partial, target)
        return digest
    finally:
        partial.unlink(missing_ok=True)


def _register(server: ApiServer, key: Any, job_id: uuid.UUID, path: Path, project: str) -> Any:
    jobs = server.db.jobs
    name = project.strip()[:200] or path.stem
    jobs.create(Composition(name=name), job_id=job_id, status=JobStatus.PENDING,
                route_reason=SENT_REASON)  # fmt: skip
    jobs.transition(job_id, JobStatus.PROCESSING)
    done = jobs.transition(job_id, JobStatus.COMPLETED, output_path=str(path), progress=1.0)
    server.keys.own(job_id, key)  # the job's "created" audit row says it was made here
    return done


def install(app: FastAPI, server: ApiServer) -> None:
    @app.put(PREFIX + "/jobs/{job_id}/output", tags=["links"])
    async def send_output(
        job_id: str, request: Request, name: str | None = None, project: str = "",
        sha256: str | None = None,
    ) -> JSONResponse:  # fmt: skip
        """A render made elsewhere (the editor), sent to be shared under its job's id."""
        job_uuid, key = _uuid(job_id, "job"), request.state.key
        known = server.db.jobs.find(job_uuid)
        if known is not None and server.may_read(key, job_uuid):
            return JSONResponse({"job_id": job_id, "status": "known"}, 200)
        folder = Path(server.settings.output_dir()) / "api" / "shared" / str(job_uuid)
        target = folder / _file_name(name)
        if known is not None:  # the server's job, no key's: claimed only by its own bytes
            output = Path(known.output_path or "")
            target = folder / f".claim-{uuid.uuid4().hex}"
            try:
                digest = await _receive(server, request, target, sha256)
            finally:
                claimed = (
                    server.owner_of(job_uuid) is None
                    and str(known.status) == "completed"
                    and output.is_file()
                    and target.is_file()
                    and _sha256(output) == _sha256(target)
                )
                target.unlink(missing_ok=True)
            if not claimed:
                raise ApiError(404, "not_found", f"no job {job_uuid} of this key's owner")
            server.keys.own(job_uuid, key)
            return JSONResponse({"job_id": job_id, "status": "claimed", "sha256": digest}, 200)
        digest = await _receive(server, request, target, sha256)
        _register(server, key, job_uuid, target, project)
        return JSONResponse({"job_id": job_id, "status": "stored", "sha256": digest}, 201)

    @app.post(PREFIX + "/jobs/{job_id}/share", status_code=201, tags=["links"])
    def share(job_id: str, request: Request, body: ShareBody | None = None) -> JSONResponse:
        """A new tracked link to a completed job's render (the URL is shown only here)."""
        job = _owned_job(server, request, _uuid(job_id, "job"))
        if str(job.status) != "completed":
            raise ApiError(409, "not_completed", f"job {job.id} is {job.status}, not completed")
        longest = server.settings.api.link_expiry
        seconds = (body.expires_in if body else None) or longest
        if seconds > longest:
            raise ApiError(422, "invalid_expiry", f"expires_in: at most {longest} s here")
        made = server.links.create(
            job.id, base_url=server.base_url(str(request.base_url)), expires_in=seconds,
            owner=request.state.key.owner, client=f"api:{request.state.key.name}",
        )  # fmt: skip
        shown = made.url.rsplit("/", 1)[0] + "/" + made.url.rsplit("/", 1)[1][:6] + "…"
        return JSONResponse({"url": made.url, "link": link_body(server, made.link, shown=shown)},
                            201)  # fmt: skip

    @app.get(PREFIX + "/jobs/{job_id}/shares", tags=["links"])
    def shares(job_id: str, request: Request) -> JSONResponse:
        """The job's tracked links: created, expiry, state, how often each was opened."""
        job = _owned_job(server, request, _uuid(job_id, "job"))
        return JSONResponse({"job_id": str(job.id), "links": _listed(server, job.id),
                             "now": dt.datetime.now(dt.UTC).isoformat()})  # fmt: skip

    @app.post(PREFIX + "/shares/{link_id}/revoke", tags=["links"])
    def revoke(link_id: str, request: Request) -> JSONResponse:
        """Revoke a link: its /s/ address answers 410 from now on."""
        try:
            link = server.links.get(_uuid(link_id, "link"))
        except UnknownLink:
            link = None
        if link is None or not server.may_read(request.state.key, link.job_id):
            raise ApiError(404, "not_found", f"no share link {link_id} of this key's owner")
        revoked = server.links.revoke(link.id, by=f"api:{request.state.key.name}")
        server.job_links.pop(link.job_id, None)  # videoresult makes a new one, not this one
        return JSONResponse(link_body(server, revoked))
