"""Storage in a folder on this machine: the default when no team bucket is set.

Keys map to paths under the folder; a share link is the stored file's
``file:`` URL. The folder is its own download cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.storage import errors
from vidgen_desktop.storage.base import Storage, _Track, copy_atomic, sha_in_key
from vidgen_desktop.storage.records import (
    ObjectInfo,
    OperationRecorder,
    Progress,
    ProgressCallback,
    ShareLink,
)

FOLDER = "storage"  # under the data folder, when no root is given


class LocalFolderStorage(Storage):
    backend = "local"

    def __init__(
        self, root: Path | str | None = None, *, prefix: str = "",
        recorder: OperationRecorder | None = None,
    ) -> None:  # fmt: skip
        super().__init__(prefix=prefix, recorder=recorder)
        self.root = Path(root).expanduser() if root is not None else paths.data_dir() / FOLDER
        self.root.mkdir(parents=True, exist_ok=True)
        self.root = self.root.resolve()

    def path(self, key: str) -> Path:
        """The file that holds ``key`` (which must be one of ours)."""
        path = self.root.joinpath(*self.check_key(key).split("/"))
        if not path.resolve().is_relative_to(self.root):  # a symlink pointing out
            raise errors.InvalidKey(f"{key!r} is not a file in this storage", key=key)
        return path

    def uri(self, key: str) -> str:
        return self.root.joinpath(*[p for p in key.split("/") if p]).as_uri()

    def check(self) -> str:
        probe = self.root / f".check-{os.getpid()}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise errors.StorageError(
                f"the storage folder {self.root} cannot be written: {exc.strerror or exc}",
                detail=repr(exc),
            ) from exc
        return f"storage folder {self.root} is writable"

    def _stat(self, key: str) -> ObjectInfo | None:
        path = self.path(key)
        if not path.is_file():
            return None
        return ObjectInfo(path.stat().st_size, sha256=sha_in_key(key))

    def _put(self, path: Path, key: str, sha256: str, progress: Progress) -> None:
        copy_atomic(path, self.path(key), progress)

    def _download(self, key: str, track: _Track, progress: ProgressCallback | None) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise errors.ObjectMissing(f"{path.name} is not in the storage folder", key=key)
        track.size = path.stat().st_size
        track.details["cached"] = True  # the folder is the cache
        counter = Progress(track.size, progress)
        counter.finish()
        return path

    def _remove(self, key: str) -> bool:
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        parent = path.parent
        while parent != self.root:  # tidy the folders the key made, if now empty
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
        return True

    def _list(self, folder: str) -> list[str]:
        base = self.root.joinpath(*[p for p in folder.split("/") if p])
        if not base.is_dir():
            return []
        return [p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file()]

    def _link(self, key: str, *, expires_in: int | None, public: bool) -> ShareLink:
        return ShareLink(key=key, url=self.path(key).as_uri(), mode="file", expires_at=None)
