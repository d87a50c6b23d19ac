"""Downloaded files, kept by content hash so each is fetched once per machine.

``<cache>/storage/<sha[:2]>/<sha>/<name>``: the name is kept because FFmpeg
chooses some demuxers (image sequences, still images) by extension. A file
appears only complete: it is written beside its place and renamed in, after
its hash has been checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from vidgen_desktop import files, paths
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
        with files.atomic_open(path, readable=True) as handle:
            write(handle)
            handle.flush()
            if sha256 is not None:  # checked before the file is let in
                got = sha256_file(Path(handle.name))
                if got != sha256:
                    raise errors.CorruptDownload(
                        f"{name} arrived damaged (its content does not match what was "
                        "stored); try again",
                        detail=f"expected sha256 {sha256}, got {got}",
                    )
        return path
