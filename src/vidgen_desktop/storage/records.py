"""What storage hands back and what it reports, plus the recorder interface.

Storage reports every upload, download, delete and link to an
``OperationRecorder``; it never imports the job log itself. The job log's
adapter (``store.storage_log.StorageLogRecorder``) writes them to
``storage_operations`` and ``url_access_logs``; ``MemoryRecorder`` keeps them
in lists (tests, or a caller that only wants to look).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes in all)
HASH_CHUNK = 1024 * 1024  # bytes read at a time while hashing or copying
# Query parameters that make a presigned URL usable by whoever holds it.
_BEARER_PARAMS = {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature"}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class StoredObject:
    """A file in storage, as an upload returns it."""

    key: str  # what to keep in the job log and hand to a worker
    uri: str  # s3://bucket/key, or the file: URL of the stored copy
    size: int  # bytes
    sha256: str
    uploaded: bool  # False: the same content was already stored, nothing was sent


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ShareLink:
    key: str
    url: str  # give this to people; a presigned one works for anyone until it expires
    mode: str  # "public", "presigned" or "file"
    expires_at: dt.datetime | None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Operation:
    """One storage operation, as reported to the recorder (a ``storage_operations`` row)."""

    kind: str  # upload, download, delete, link
    backend: str  # local, s3
    bucket: str | None
    key: str
    size_bytes: int | None
    duration_seconds: float
    success: bool
    error: str | None  # the designer-readable message, never a credential
    job_id: str | None
    details: Mapping[str, Any]
    at: dt.datetime  # when it started (UTC)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class LinkEvent:
    """A share link created or copied (a ``url_access_logs`` row)."""

    action: str  # created, copied
    key: str
    url: str  # the link without its signature: a log must not be a way in
    mode: str
    expires_at: dt.datetime | None
    job_id: str | None
    client: str | None
    at: dt.datetime


class OperationRecorder(Protocol):
    """Where storage reports what it did. Must not raise (storage logs and ignores it if so)."""

    def operation(self, op: Operation) -> None: ...
    def link(self, event: LinkEvent) -> None: ...


class NullRecorder:
    def operation(self, op: Operation) -> None:
        pass

    def link(self, event: LinkEvent) -> None:
        pass


class MemoryRecorder:
    """Keeps every report in a list, in order."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self.links: list[LinkEvent] = []

    def operation(self, op: Operation) -> None:
        self.operations.append(op)

    def link(self, event: LinkEvent) -> None:
        self.links.append(event)


class ObjectInfo:
    """What a HEAD tells about a stored object."""

    __slots__ = ("etag", "sha256", "size")

    def __init__(self, size: int, sha256: str | None = None, etag: str | None = None) -> None:
        self.size = size
        self.sha256 = sha256
        self.etag = etag


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name: str, *, limit: int = 120) -> str:
    """A name safe in a key, a URL and any file system: "Logo – final.png" → "Logo-final.png"."""
    folded = unicodedata.normalize("NFKD", Path(name).name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip(".-") or "file"
    if len(cleaned) > limit:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and len(suffix) <= 10:
            cleaned = stem[: limit - len(suffix) - 1] + "." + suffix
        else:
            cleaned = cleaned[:limit]
    return cleaned


def shareable_log_url(url: str) -> str:
    """The URL without the parameters that would let a reader of the log fetch the file."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _BEARER_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


class Progress:
    """Turns byte increments (from any thread) into (done, total) calls."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        import threading

        self.total = total
        self.done = 0
        self._callback = callback
        self._lock = threading.Lock()

    def __call__(self, increment: int) -> None:
        with self._lock:
            # s3transfer reports a negative increment when it retries a part.
            self.done = max(0, min(self.total, self.done + increment))
            if self._callback is not None:
                self._callback(self.done, self.total)

    def finish(self) -> None:
        if self.done < self.total:
            self(self.total - self.done)
        elif self.total == 0 and self._callback is not None:
            self._callback(0, 0)
