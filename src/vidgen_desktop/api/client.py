"""The editor's side of the share server: tracked links to a desktop job's render.

>>> server = ShareServer.from_settings(settings)   # None: no server set (api.server_url)
>>> made = server.share(job_id, expires_in=86400, output=Path("promo.mp4"), project="Promo")
>>> made.url, made.link.expires_at                  # http://server/s/<token>: shown once
>>> server.links(job_id)                            # created, expiry, state, opened
>>> server.revoke(made.link.id)                     # /s/<token> answers 410 from now on

``share`` asks for a link first; when the server does not know the job (the
render was made on this machine) it sends the render under the job's own id
(``PUT …/output``, chunked, with its sha256) and asks again, so a render is
sent once. The API key comes from the secret store (``config.secret``: the OS
keyring, or ``VIDGEN_API_KEY``) and travels only in the ``Authorization``
header: never in a URL, a message or the log. Only httpx is imported here
(no FastAPI): the editor uses this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError

TIMEOUT = 10.0  # s for each answer; an upload's body may take longer
CONNECT = 3.0  # s to reach the server: the job details ask on every selection
UPLOAD_BLOCK = 1 << 20  # bytes sent at a time


class ServerUnreachable(VidgenError):
    """The share server did not answer (down, wrong address, no network)."""


class ServerRefused(VidgenError):
    """The share server answered with an error (key refused, job not known, …)."""

    def __init__(self, message: str, *, status: int, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class NoServerKey(VidgenError):
    """A share server is set, and no API key for it is stored."""


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclasses.dataclass(frozen=True, slots=True)
class Access:
    at: dt.datetime
    action: str  # opened, refused (a revoked or expired link)
    user_agent: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class ServerLink:
    id: uuid.UUID
    job_id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str  # active, expired, revoked
    shown: str | None  # the address without its token
    opened: int = 0
    accesses: tuple[Access, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerLink:
        return cls(
            id=uuid.UUID(data["id"]),
            job_id=uuid.UUID(data["job_id"]),
            created_at=_when(data["created_at"]),
            expires_at=_when(data.get("expires_at")),
            revoked_at=_when(data.get("revoked_at")),
            state=data["state"],
            shown=data.get("shown"),
            opened=int(data.get("opened", 0)),
            accesses=tuple(
                Access(at=_when(a["at"]), action=a["action"], user_agent=a.get("user_agent"))
                for a in data.get("accesses", ())
            ),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class MadeServerLink:
    link: ServerLink
    url: str  # with its token: the only time the editor sees it
    uploaded: bool  # the render was sent to the server for this link


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from iter(lambda: f.read(UPLOAD_BLOCK), b"")


def _sha256(path: Path) -> str:
    hashed = hashlib.sha256()
    for block in _chunks(path):
        hashed.update(block)
    return hashed.hexdigest()


class ShareServer:
    def __init__(self, base_url: str, key: str, *, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._timeout = timeout

    def __repr__(self) -> str:  # never the key
        return f"ShareServer({self.base_url!r})"

    @classmethod
    def from_settings(cls, settings: config.Settings | None = None) -> ShareServer | None:
        """The server the settings name, with its key (reads the keyring: not on the GUI thread)."""
        settings = settings or config.load()
        url = settings.api.server_url
        if not url:
            return None
        key = config.secret("api_server_key")
        if not key:
            raise NoServerKey(
                f"the share server {url} needs an API key: paste it in Settings > Team storage "
                f"(kept in the OS keyring) or set {config.SECRETS['api_server_key']}"
            )
        return cls(url, key)

    # -- requests --------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key}", **kwargs.pop("headers", {})}
        try:
            timeout = httpx.Timeout(self._timeout, connect=min(CONNECT, self._timeout))
            with httpx.Client(base_url=self.base_url, timeout=timeout) as http:
                answer = http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ServerUnreachable(
                f"the share server {self.base_url} is not answering ({type(exc).__name__})"
            ) from None
        if answer.status_code >= 400:
            try:
                error = answer.json().get("error", {})
            except ValueError:
                error = {}
            message = error.get("message") or answer.reason_phrase
            raise ServerRefused(
                f"the share server refused ({answer.status_code}): {message}",
                status=answer.status_code, code=error.get("code", ""),
            )  # fmt: skip
        return answer

    def share(
        self, job_id: uuid.UUID, *, expires_in: int | None, output: Path | None, project: str = ""
    ) -> MadeServerLink:
        """A new tracked link to the render; the render is sent first if the server lacks it."""
        body = {"expires_in": expires_in}
        uploaded = False
        try:
            answer = self._request("POST", f"/api/v1/jobs/{job_id}/share", json=body)
        except ServerRefused as exc:
            if exc.status != 404:
                raise
            if output is None or not Path(output).is_file():
                raise VidgenError("the job has no output file on this computer to share") from None
            self.send(job_id, Path(output), project=project)
            uploaded = True
            answer = self._request("POST", f"/api/v1/jobs/{job_id}/share", json=body)
        data = answer.json()
        return MadeServerLink(ServerLink.from_json(data["link"]), data["url"], uploaded)

    def send(self, job_id: uuid.UUID, path: Path, *, project: str = "") -> str:
        """Send the render (chunked, so its size is not the JSON bodies' limit); its status."""
        params = {"name": path.name, "project": project, "sha256": _sha256(path)}
        answer = self._request(
            "PUT", f"/api/v1/jobs/{job_id}/output", params=params, content=_chunks(path),
            headers={"Content-Type": "application/octet-stream"},
            timeout=httpx.Timeout(self._timeout, connect=CONNECT, write=None, read=300.0),
        )  # fmt: skip
        return answer.json()["status"]

    def links(self, job_id: uuid.UUID) -> list[ServerLink]:
        """The job's links on the server; [] when the server does not know the job."""
        try:
            answer = self._request("GET", f"/api/v1/jobs/{job_id}/shares")
        except ServerRefused as exc:
            if exc.status == 404:
                return []
            raise
        return [ServerLink.from_json(row) for row in answer.json()["links"]]

    def revoke(self, link_id: uuid.UUID) -> ServerLink:
        answer = self._request("POST", f"/api/v1/shares/{link_id}/revoke")
        return ServerLink.from_json(answer.json())
