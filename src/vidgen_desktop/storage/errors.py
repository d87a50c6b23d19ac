"""What can go wrong with storage, in words a designer can act on.

Every error says whether trying again later may help (``transient``): a
network blip or a busy server is worth a retry with backoff, a missing bucket
or refused credentials are not. No message ever carries a credential; the
technical detail (the service's own error code and text) rides in ``detail``.
"""

from __future__ import annotations

from vidgen_desktop.errors import VidgenError


class StorageError(VidgenError):
    """The file storage could not be used."""

    transient = False

    def __init__(self, message: str | None = None, *, key: str = "", detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.key = key


class StorageUnreachable(StorageError):
    """The storage server cannot be reached: check its address and your network."""

    transient = True


class StorageBusy(StorageError):
    """The storage server is busy or failed for a moment; it is worth trying again."""

    transient = True


class CredentialsMissing(StorageError):
    """No storage credentials are set."""


class CredentialsRejected(StorageError):
    """The storage server does not accept these credentials."""


class AccessDenied(StorageError):
    """The storage credentials are valid but not allowed to do this."""


class BucketMissing(StorageError):
    """The storage bucket does not exist."""


class ObjectMissing(StorageError, LookupError):
    """The file is not in the storage."""


class InvalidKey(StorageError, ValueError):
    """Not a key this storage hands out."""


class CorruptDownload(StorageError):
    """A downloaded file does not match what was stored."""

    transient = True
