"""The storage port: what every backend offers, and the bookkeeping they share.

Keys are relative, ``/``-separated and start with the backend's prefix:
``<prefix>sources/<sha256>/<name>`` for a job's source media (content
addressed: the same bytes are stored once, whoever uploads them and however
often) and ``<prefix>outputs/<job id>/<name>`` for renders. A backend
implements the few ``_`` methods; this class names keys, hashes, times every
operation and reports it to the recorder.

Every method blocks: call it from a worker thread (``asyncio.to_thread``),
never from the GUI thread.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from vidgen_desktop import files
from vidgen_desktop.storage import errors
from vidgen_desktop.storage.records import (
    HASH_CHUNK,
    LinkEvent,
    NullRecorder,
    ObjectInfo,
    Operation,
    OperationRecorder,
    Progress,
    ProgressCallback,
    ShareLink,
    StoredObject,
    safe_name,
    sha256_file,
    shareable_log_url,
)

log = logging.getLogger(__name__)

_SOURCE_KEY = re.compile(r"sources/([0-9a-f]{64})/[^/]+$")


def normalize_prefix(prefix: str | None) -> str:
    """ "vidgen" / "/vidgen/" / "vidgen/" → "vidgen/"; empty stays empty."""
    cleaned = "/".join(part for part in (prefix or "").split("/") if part)
    return f"{cleaned}/" if cleaned else ""


def sha_in_key(key: str) -> str | None:
    """The content hash a source key carries, or None for any other key."""
    found = _SOURCE_KEY.search(key)
    return found.group(1) if found else None


def copy_atomic(source: Path, destination: Path, progress: Progress | None = None) -> None:
    """Copy through a temporary file beside ``destination``: readers never see half a file."""
    with source.open("rb") as reader, files.atomic_open(destination) as writer:
        while chunk := reader.read(HASH_CHUNK):
            writer.write(chunk)
            if progress is not None:
                progress(len(chunk))


class _Track:
    """What an operation fills in while it runs."""

    def __init__(self) -> None:
        self.size: int | None = None
        self.details: dict[str, Any] = {}


class Storage(abc.ABC):
    """Where source media and renders are kept: a local folder, or an S3 bucket."""

    backend: ClassVar[str]
    bucket: str | None = None
    shares: ClassVar[bool] = False  # its links reach other people (a bucket, not a folder)
    allows_public: bool = False  # a link that never expires is possible (a public bucket)

    def __init__(self, *, prefix: str = "", recorder: OperationRecorder | None = None) -> None:
        self.prefix = normalize_prefix(prefix)
        self.recorder: OperationRecorder = recorder or NullRecorder()

    # Keys ---------------------------------------------------------------------

    def source_key(self, sha256: str, name: str) -> str:
        return f"{self.prefix}sources/{sha256}/{safe_name(name)}"

    def output_key(self, job_id: uuid.UUID | str, name: str) -> str:
        return f"{self.prefix}outputs/{safe_name(str(job_id))}/{safe_name(name)}"

    def share_key(self, sha256: str, name: str) -> str:
        """Where a shared file is kept: by content, so sharing it again sends nothing."""
        return f"{self.prefix}shares/{sha256}/{safe_name(name)}"

    def check_key(self, key: str) -> str:
        """``key`` if it is one of ours; raise InvalidKey for paths, URLs, ``..`` and the like."""
        parts = key.split("/")
        if (
            not key.startswith(self.prefix)
            or key.startswith("/")
            or "\\" in key
            or "\x00" in key
            or any(part in ("", ".", "..") for part in parts)
        ):
            raise errors.InvalidKey(f"{key!r} is not a file in this storage", key=key)
        return key

    # The port -----------------------------------------------------------------

    def upload_source(
        self, path: Path | str, *, job_id: uuid.UUID | str | None = None,
        progress: ProgressCallback | None = None,
    ) -> StoredObject:  # fmt: skip
        """Store a source file under its content hash; skipped when those bytes are stored."""
        path = Path(path)
        sha = _hash(path)
        return self._upload(path, self.source_key(sha, path.name), sha, job_id, progress, "source")

    def upload_output(
        self, path: Path | str, job_id: uuid.UUID | str, *, name: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> StoredObject:  # fmt: skip
        """Store a job's render as ``outputs/<job id>/<name>`` (replacing different content)."""
        path = Path(path)
        sha = _hash(path)
        key = self.output_key(job_id, name or path.name)
        return self._upload(path, key, sha, job_id, progress, "output")

    def download(
        self, key: str, destination: Path | str | None = None, *,
        job_id: uuid.UUID | str | None = None, progress: ProgressCallback | None = None,
    ) -> Path:  # fmt: skip
        """A local copy of ``key``: the cached file, or ``destination`` when one is given."""
        self.check_key(key)
        with self._report("download", key, job_id) as track:
            local = self._download(key, track, progress)
            if destination is None:
                return local
            destination = Path(destination)
            try:
                copy_atomic(local, destination)
            except OSError as exc:
                raise errors.StorageError(
                    f"{destination} cannot be written: {exc.strerror or exc}", key=key
                ) from exc
            return destination

    def exists(self, key: str) -> bool:
        return self._stat(self.check_key(key)) is not None

    def output_keys(self, job_id: uuid.UUID | str) -> list[str]:
        """Every key stored under ``outputs/<job id>/`` (a render, a chunked job's parts)."""
        folder = self.output_key(job_id, "x")[: -len("x")]
        return sorted(self._list(folder))

    def delete(self, key: str, *, job_id: uuid.UUID | str | None = None) -> bool:
        """Remove ``key``; False if it was not there."""
        self.check_key(key)
        with self._report("delete", key, job_id) as track:
            existed = self._remove(key)
            track.details["existed"] = existed
            return existed

    def upload_share(
        self, path: Path | str, *, job_id: uuid.UUID | str | None = None,
        progress: ProgressCallback | None = None,
    ) -> StoredObject:  # fmt: skip
        """Store a file to share under its content hash; skipped when those bytes are stored."""
        path = Path(path)
        sha = _hash(path)
        return self._upload(path, self.share_key(sha, path.name), sha, job_id, progress, "share")

    def share_link(
        self, key: str, *, job_id: uuid.UUID | str | None = None, client: str | None = None,
        expires_in: int | None = None, public: bool = False,
    ) -> ShareLink:  # fmt: skip
        """A link to ``key`` for people: public, presigned (expiring) or a file URL.

        ``expires_in`` (seconds) overrides the configured expiry of a presigned
        link; ``public`` asks for a link that never expires (a public bucket only).
        """
        self.check_key(key)
        if public and not self.allows_public:
            raise errors.StorageError(
                "this storage cannot give public links: the bucket is private "
                "(set link_mode 'public' or public_base_url for a public bucket)", key=key,
            )  # fmt: skip
        with self._report("link", key, job_id) as track:
            if self._stat(key) is None:
                raise errors.ObjectMissing(f"{_name(key)} is not in the storage", key=key)
            link = self._link(key, expires_in=expires_in, public=public)
            track.details.update(mode=link.mode, expires_at=_iso(link.expires_at))
        self._log_link("created", link, job_id, client)
        return link

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """Where ``key`` lives, for people and logs (``s3://bucket/key``, ``file:///…``)."""

    @abc.abstractmethod
    def check(self) -> str:
        """Try the storage; say what was checked, or raise a StorageError saying what is wrong."""

    # What a backend implements -------------------------------------------------

    @abc.abstractmethod
    def _stat(self, key: str) -> ObjectInfo | None: ...

    @abc.abstractmethod
    def _put(self, path: Path, key: str, sha256: str, progress: Progress) -> None: ...

    @abc.abstractmethod
    def _download(self, key: str, track: _Track, progress: ProgressCallback | None) -> Path: ...

    @abc.abstractmethod
    def _remove(self, key: str) -> bool: ...

    @abc.abstractmethod
    def _list(self, folder: str) -> list[str]: ...

    @abc.abstractmethod
    def _link(self, key: str, *, expires_in: int | None, public: bool) -> ShareLink: ...

    # Shared bookkeeping ----------------------------------------------------------

    def _upload(
        self, path: Path, key: str, sha: str, job_id: uuid.UUID | str | None,
        progress: ProgressCallback | None, role: str,
    ) -> StoredObject:  # fmt: skip
        with self._report("upload", key, job_id) as track:
            size = path.stat().st_size
            track.size = size
            track.details.update(role=role, sha256=sha, source_name=path.name)
            counter = Progress(size, progress)
            existing = self._stat(key)
            same = (
                existing is not None
                and existing.size == size
                and (existing.sha256 == sha or (existing.sha256 is None and sha_in_key(key) == sha))
            )
            if same:
                track.details["skipped"] = "already stored"
            else:
                self._put(path, key, sha, counter)
            counter.finish()
            return StoredObject(key=key, uri=self.uri(key), size=size, sha256=sha,
                                uploaded=not same)  # fmt: skip

    @contextlib.contextmanager
    def _report(self, kind: str, key: str, job_id: uuid.UUID | str | None) -> Iterator[_Track]:
        track = _Track()
        at = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        error: errors.StorageError | None = None
        ok = False
        try:
            yield track
            ok = True
        except errors.StorageError as exc:
            error = exc
            raise
        except OSError as exc:  # a local file: unreadable source, full disk…
            error = errors.StorageError(
                f"{kind} of {_name(key)} failed: {exc.strerror or exc}", key=key, detail=repr(exc)
            )
            raise error from exc
        finally:
            op = Operation(
                kind=kind, backend=self.backend, bucket=self.bucket, key=key,
                size_bytes=track.size, duration_seconds=time.perf_counter() - started,
                success=ok, error=error.message if error else (None if ok else "interrupted"),
                job_id=str(job_id) if job_id is not None else None,
                details=track.details, at=at,
            )  # fmt: skip
            extra = {"action": f"storage_{kind}", "key": key, "backend": self.backend}
            if ok:
                log.info("%s %s in %.3f s", kind, key, op.duration_seconds, extra=extra)
            else:
                log.warning("%s %s failed: %s (%s)", kind, key, op.error,
                            error.detail if error else "", extra=extra)  # fmt: skip
            self._emit("operation", op)

    def _log_link(
        self, action: str, link: ShareLink, job_id: uuid.UUID | str | None, client: str | None
    ) -> None:
        event = LinkEvent(
            action=action, key=link.key, url=shareable_log_url(link.url), mode=link.mode,
            expires_at=link.expires_at, job_id=str(job_id) if job_id is not None else None,
            client=client, at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        self._emit("link", event)

    def _emit(self, method: str, report: Any) -> None:
        try:
            getattr(self.recorder, method)(report)
        except Exception as exc:  # noqa: BLE001 - the log failing must not fail the transfer
            log.warning("could not record a storage %s: %s", method, exc,
                        extra={"action": "storage_record_failed"})  # fmt: skip

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri(self.prefix)!r})"


def _hash(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise errors.StorageError(
            f"{path.name} cannot be read: {exc.strerror or exc}", detail=repr(exc)
        ) from exc


def _name(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
