"""A source file's content hash: its sha256, the name a job keeps to find the file again.

The probe step stores it with each element (``elements.content_hash``);
``media.relink`` looks for a file with the same bytes when the path no longer
holds them. Team storage keys carry the same sha256 (``sources/<sha256>/…``).
Hashes are remembered in the process by (path, size, modification time), so a
second job on the same media reads it once.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

CHUNK = 1 << 20


def content_hash(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file's bytes, as 64 hex digits (OSError if it cannot be read)."""
    resolved = os.path.realpath(path)
    stat = os.stat(resolved)
    return _hash(resolved, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def local_hashes(sources: dict[str, str]) -> dict[str, str]:
    """``{element id: sha256}`` for the sources that are readable local files (URLs skipped)."""
    found = {}
    for element_id, source in sources.items():
        if "://" in source or not os.path.isfile(source):
            continue
        try:
            found[element_id] = content_hash(source)
        except OSError:
            continue  # unreadable now: the probe says why; the job still runs without a hash
    return found
