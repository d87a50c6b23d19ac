"""Downloaded files, kept by content hash so each is fetched once per machine.

``<cache>/storage/<sha[:2]>/<sha>/<name>``: the name is kept because FFmpeg
chooses some demuxers (image sequences, still images) by extension. A file
appears only complete: it is written beside its place and renamed in, after
its hash has been checked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from vidgen_desktop import paths
from vidgen_desktop.storage import errors
from vidgen_desktop.storage.records import safe_name, sha256_file


class DownloadCache:
    def __init__(self, root: Path | str | None = None) -> None:
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        if self._root is None:  # resolved late: $VIDGEN_HOME may be set after import
            self._root = paths.cache_dir() / "storage"
        return self._root

    def path_for(self, content_id: str, name: str) -> Path:
        return self.root / content_id[:2] / content_id / safe_name(name)

    def get(self, content_id: str, name: str) -> Path | None:
        path = self.path_for(content_id, name)
        return path if path.is_file() else None

    def fill(
        self, content_id: str, name: str, write: Callable[[BinaryIO], None], *,
        sha256: str | None = None,
    ) -> Path:  # fmt: skip
        """Run ``write`` into a temporary file, check its hash, move it into place."""
        path = self.path_for(content_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "w+b") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            if sha256 is not None:
                got = sha256_file(Path(tmp))
                if got != sha256:
                    raise errors.CorruptDownload(
                        f"{name} arrived damaged (its content does not match what was "
                        "stored); try again",
                        detail=f"expected sha256 {sha256}, got {got}",
                    )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
