"""Share through the server (``api.server_url``): tracked links made, listed and revoked.

Every call runs in the hub's worker (the key is read from the OS keyring
there, and the server may be slow or away) and answers ``(result, error)``
on the GUI thread. A link made is logged in the job's share log as every
share is (``url_access_logs``: ``created`` with its expiry, ``copied``,
``revoked``), by its address without the token (``ServerLink.shown``): the
log lists the shares but is no way in.

When the server does not answer, the editor says so in one line and offers
the storage link instead, only if team storage is set up, and only when the
designer asks: a storage link is neither tracked nor revocable from the job
details, so it is never made in the server's place silently.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.ui.shell.background import Callback


def configured() -> bool:
    """Whether Share makes the server's links (the settings file only: no keyring read)."""
    return bool(config.load().api.server_url)


def _server() -> Any:
    from vidgen_desktop.api.client import ShareServer

    return ShareServer.from_settings(config.load())  # NoServerKey when the key is missing


def _output(service: Any, job: Any) -> Path | None:
    path = Path(job.output_path) if job.output_path and "://" not in job.output_path else None
    if path is not None and path.is_file():
        return path
    from vidgen_desktop.queue import farm_outputs

    fetched = farm_outputs.fetch_output(service.store, job)  # a farm render, brought here
    return Path(fetched) if fetched else None


def share(hub: Any, job_id: uuid.UUID, expiry: str, callback: Callback) -> None:
    """A new tracked link (``api.client.MadeServerLink``), the render sent first if need be."""

    def work(service: Any) -> Any:
        from vidgen_desktop.storage import share as storage_share

        server = _server()
        job = service.store.jobs.get(job_id)
        seconds = storage_share.expiry(expiry).seconds
        made = server.share(job_id, expires_in=seconds, output=_output(service, job),
                            project=job.project_name or "")  # fmt: skip
        service.store.storage_log.record_link(
            made.link.shown or server.base_url, "created", job_id=job_id,
            expires_at=made.link.expires_at, client="desktop",
            details={"server": server.base_url, "link": str(made.link.id), "tracked": True,
                     "sent": made.uploaded},
        )  # fmt: skip
        return made

    hub.call(work, callback)


def links(hub: Any, job_id: uuid.UUID, callback: Callback) -> None:
    """The job's links on the server (``[ServerLink]``; [] when it does not know the job)."""
    hub.call(lambda _service: _server().links(job_id), callback)


def revoke(hub: Any, job_id: uuid.UUID, link: Any, callback: Callback) -> None:
    """Revoke ``link`` (a ``ServerLink``) on the server: it answers 410 from now on."""

    def work(service: Any) -> Any:
        server = _server()
        revoked = server.revoke(link.id)
        service.store.storage_log.record_link(
            link.shown or server.base_url, "revoked", job_id=job_id, expires_at=link.expires_at,
            client="desktop", details={"server": server.base_url, "link": str(link.id)},
        )  # fmt: skip
        return revoked

    hub.call(work, callback)


def short_error(error: BaseException) -> str:
    """One line for the designer (the first line of the error)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
