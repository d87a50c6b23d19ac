"""Where source media and renders are kept, and the links people get to them.

>>> storage = from_settings(config.load(), recorder=db.storage_log.recorder(job.id))
>>> stored = storage.upload_source("logo.png", job_id=job.id, progress=on_progress)
>>> storage.download(stored.key)           # a local path (cached by content)
>>> storage.share_link(output.key).url     # public, presigned or file: URL

Two backends behind one port (``Storage``): ``LocalFolderStorage`` (the
default) and ``S3Storage`` (any S3-compatible bucket; needs boto3, the
``team`` extra). Callers never ask which one they have. Every operation is
reported to an ``OperationRecorder``; failures raise ``StorageError``
subclasses whose ``transient`` says whether a retry may help.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vidgen_desktop.storage.base import Storage
from vidgen_desktop.storage.cache import DownloadCache
from vidgen_desktop.storage.errors import (
    AccessDenied,
    BucketMissing,
    CorruptDownload,
    CredentialsMissing,
    CredentialsRejected,
    InvalidKey,
    ObjectMissing,
    StorageBusy,
    StorageError,
    StorageUnreachable,
)
from vidgen_desktop.storage.local import LocalFolderStorage
from vidgen_desktop.storage.records import (
    LinkEvent,
    MemoryRecorder,
    NullRecorder,
    Operation,
    OperationRecorder,
    ProgressCallback,
    ShareLink,
    StoredObject,
)

if TYPE_CHECKING:
    from vidgen_desktop.config import BackendSettings, Settings

__all__ = [
    "AccessDenied",
    "BucketMissing",
    "CorruptDownload",
    "CredentialsMissing",
    "CredentialsRejected",
    "DownloadCache",
    "InvalidKey",
    "LinkEvent",
    "LocalFolderStorage",
    "MemoryRecorder",
    "NullRecorder",
    "ObjectMissing",
    "Operation",
    "OperationRecorder",
    "ProgressCallback",
    "ShareLink",
    "Storage",
    "StorageBusy",
    "StorageError",
    "StorageUnreachable",
    "StoredObject",
    "from_settings",
]


def from_settings(
    settings: Settings | BackendSettings | None = None,
    *,
    recorder: OperationRecorder | None = None,
    local_root: Path | str | None = None,
    cache: DownloadCache | None = None,
) -> Storage:
    """The storage the settings describe: the team's S3 bucket when one is set, else a folder."""
    if settings is None:
        from vidgen_desktop import config

        settings = config.load()
    backend = getattr(settings, "backend", settings)
    if backend.storage_enabled:
        try:
            from vidgen_desktop.storage.s3 import S3Storage
        except ImportError as exc:
            raise StorageError(
                "the team storage needs boto3: install vidgen-desktop[team]", detail=repr(exc)
            ) from exc
        return S3Storage.from_settings(backend, recorder=recorder, cache=cache)
    return LocalFolderStorage(local_root, recorder=recorder)
