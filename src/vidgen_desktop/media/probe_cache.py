"""What probes found, kept on disk so each command does not probe the same files again.

A probe costs one to two short FFmpeg runs per file; `vidgen render` of a
project whose media has not changed should pay for none. One small JSON file
per (path, size, modification time, FFmpeg binary) in the user cache folder
(``paths.cache_dir() / "probes"``):

- written atomically (``files.atomic_write``), so a reader sees a whole entry
  or none; processes probing the same file at once write the same answer and
  the last rename wins, so no lock is needed;
- a file that is unreadable, truncated or not what this version writes is a
  miss (the file is probed again and the entry rewritten), never an error;
- only successful probes are kept: a file Vidgen could not use is looked at
  again next time, in case it was fixed;
- at most ``MAX_ENTRIES`` files: past that, the oldest are removed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from vidgen_desktop import files, paths

FORMAT = 1  # bump when MediaInfo or what the probe finds changes: older entries are misses
MAX_ENTRIES = 4096  # entries kept (each ~1 KB)
PRUNE_EVERY = 64  # entries written between looks at the count, per process
FOLDER = "probes"

_written = 0


def _folder() -> Path:
    return paths.cache_dir() / FOLDER


def _key(path: str, mtime_ns: int, size: int, ffmpeg: str) -> dict[str, Any]:
    return {"format": FORMAT, "path": path, "mtime_ns": mtime_ns, "size": size, "ffmpeg": ffmpeg}


def _entry_path(key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    return _folder() / f"{digest}.json"


def load(path: str, mtime_ns: int, size: int, ffmpeg: str, kind: type) -> Any | None:
    """The ``kind`` (a dataclass) kept for this file, or None (no entry, or a bad one)."""
    key = _key(path, mtime_ns, size, ffmpeg)
    try:
        data = json.loads(_entry_path(key).read_bytes())
        if data.get("key") != key:  # another file's (a hash collision) or damaged
            return None
        fields = data["info"]
        names = {field.name for field in dataclasses.fields(kind)}
        if set(fields) != names:
            return None
        if isinstance(fields.get("warnings"), list):
            fields["warnings"] = tuple(fields["warnings"])
        return kind(**fields)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def store(path: str, mtime_ns: int, size: int, ffmpeg: str, info: Any) -> None:
    """Keep ``info`` (a dataclass) for this file; a cache that cannot be written is skipped."""
    global _written
    key = _key(path, mtime_ns, size, ffmpeg)
    data = json.dumps({"key": key, "info": dataclasses.asdict(info)}, ensure_ascii=False)
    try:
        target = _entry_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_write(target, data)
    except OSError:
        return  # a read-only or full disk: probing again next time is the only cost
    _written += 1
    if _written % PRUNE_EVERY == 1:
        prune()


def prune(keep: int = MAX_ENTRIES) -> None:
    """Remove the oldest entries past ``keep``."""
    try:
        entries = [e for e in os.scandir(_folder()) if e.name.endswith(".json")]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort(key=lambda e: _mtime(e))
    for entry in entries[: len(entries) - keep]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def _mtime(entry: os.DirEntry) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0


def clear() -> None:
    """Forget every kept probe (the next probe of each file runs FFmpeg again)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(_folder()):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
