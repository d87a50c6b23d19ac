"""Sharing a render: one upload by content, then a link with the expiry the designer chose.

>>> target = storage.from_settings(settings, recorder=db.storage_log.recorder(job.id))
>>> shared = share.share_output(target, job_id=job.id, output_path=job.output_path,
...                             output_url=job.output_url, expiry=share.expiry("1d"))
>>> shared.link.url, shared.link.expires_at

A local render is uploaded to ``<prefix>shares/<sha256>/<name>`` (the same
bytes go up once, however often they are shared); a farm render is already
in the bucket (``outputs/<job id>/<name>``) and only gets a new link. The
link's creation is reported to the storage's recorder (``url_access_logs``:
``created``, with its expiry). Without team storage, ``NoTeamStorage`` says
what to set up.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vidgen_desktop.storage.base import Storage
from vidgen_desktop.storage.errors import StorageError
from vidgen_desktop.storage.records import ShareLink

SETUP_HINT = (
    "sharing needs the team storage: set an S3 bucket in Settings > Team storage "
    "(or `vidgen backend set s3_bucket NAME`; keys with `vidgen backend secret` or AWS_* variables)"
)


class NoTeamStorage(StorageError):
    """Share was asked for, and no team bucket is set up (a folder's links reach nobody)."""


class NothingToShare(StorageError):
    """The job has no output file to share (not finished, or its file is gone)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Expiry:
    code: str  # "1h", "1d", "7d", "public": what `vidgen share --expires` takes
    label: str  # what the designer reads
    seconds: int | None  # None: a public link, which never expires


EXPIRIES = (
    Expiry("1h", "1 hour", 3600),
    Expiry("1d", "1 day", 24 * 3600),
    Expiry("7d", "7 days", 7 * 24 * 3600),
    Expiry("public", "Public (no expiry)", None),
)
DEFAULT = "7d"


def choices(allows_public: bool) -> list[Expiry]:
    """The expiries to offer: "public" only where the bucket allows it (``allows_public``)."""
    return [e for e in EXPIRIES if e.seconds is not None or allows_public]


def expiry(code: str) -> Expiry:
    for found in EXPIRIES:
        if found.code == code:
            return found
    known = ", ".join(e.code for e in EXPIRIES)
    raise ValueError(f"'{code}' is not a link expiry (one of: {known})")


@dataclasses.dataclass(frozen=True, slots=True)
class Shared:
    link: ShareLink
    key: str
    uploaded: bool  # False: the bytes were in the bucket already (shared before, or the farm's)


def farm_key(target: Storage, job_id: uuid.UUID | str, output_url: str | None) -> str | None:
    """The bucket key of a farm render, read from the link its worker published."""
    if not output_url or urlsplit(output_url).scheme not in ("http", "https"):
        return None
    name = unquote(urlsplit(output_url).path).rsplit("/", 1)[-1]
    marker = f"/outputs/{job_id}/"
    if not name or marker not in unquote(urlsplit(output_url).path):
        return None
    return target.output_key(job_id, name)


def share_output(
    target: Storage, *, job_id: uuid.UUID | str, output_path: str | None,
    output_url: str | None, expiry: Expiry, client: str | None = None,
) -> Shared:  # fmt: skip
    """A link to a job's render (see the module docstring); raises NoTeamStorage, NothingToShare."""
    if not target.shares:
        raise NoTeamStorage(SETUP_HINT)
    public, seconds = expiry.seconds is None, expiry.seconds
    key = farm_key(target, job_id, output_url)
    uploaded = False
    if key is None or not target.exists(key):
        path = Path(output_path) if output_path and "://" not in output_path else None
        if path is None or not path.is_file():
            where = f" ({output_path})" if output_path else ""
            raise NothingToShare(f"the job has no output file to share{where}")
        stored = target.upload_share(path, job_id=job_id)
        key, uploaded = stored.key, stored.uploaded
    link = target.share_link(key, job_id=job_id, client=client, expires_in=seconds, public=public)
    return Shared(link=link, key=key, uploaded=uploaded)
