"""Autosave to a recovery file, and find the ones a crashed session left behind.

One file per running editor (``autosave-<pid>.json``), written atomically
with ``composition.project.atomic_write`` a moment after each change
(``AUTOSAVE_DELAY`` after the last one, at least every ``AUTOSAVE_MAX_WAIT``
while edits keep coming); a clean exit deletes it. A file whose process is
gone is what a crash left: the next start offers it, saying when it was saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition

AUTOSAVE_DELAY = 2_000  # ms after the last change: a pause in editing
AUTOSAVE_MAX_WAIT = 10_000  # ms: the longest continuous editing goes without a copy


def folder() -> Path:
    path = paths.data_dir() / "recovery"
    path.mkdir(parents=True, exist_ok=True)
    return path


def own_file(pid: int | None = None) -> Path:
    return folder() / f"autosave-{pid or os.getpid()}.json"


def write(comp: Composition, origin: Path | None, target: Path | None = None) -> Path:
    """Save ``comp`` (and where it came from) to the recovery file, atomically."""
    target = target or own_file()
    data = {
        "origin": str(origin) if origin else None,
        "saved_at": time.time(),
        "project": project.to_data(comp),
    }
    project.atomic_write(target, json.dumps(data, indent=1).encode("utf-8"))
    return target


def discard(target: Path | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        (target or own_file()).unlink()


@dataclass(frozen=True)
class Recovered:
    file: Path
    comp: Composition
    origin: Path | None
    saved_at: float  # seconds since the epoch


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphans() -> list[Recovered]:
    """Recovery files whose editor is no longer running, newest first (unreadable ones skipped)."""
    found = []
    for file in folder().glob("autosave-*.json"):
        try:
            pid = int(file.stem.removeprefix("autosave-"))
        except ValueError:
            continue
        if _alive(pid):
            continue
        try:
            data = json.loads(file.read_text("utf-8"))
            comp = project.parse(json.dumps(data["project"]), origin=file.name)
            origin = Path(data["origin"]) if data.get("origin") else None
            saved_at = float(data.get("saved_at") or file.stat().st_mtime)
            found.append(Recovered(file, comp, origin, saved_at))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def when(saved_at: float, now: float | None = None) -> str:
    """'today at 14:05:09 (3 minutes ago)': when a copy was saved, in the designer's terms."""
    now = time.time() if now is None else now
    saved, today = time.localtime(saved_at), time.localtime(now)
    if saved[:3] == today[:3]:
        day = "today"
    elif time.localtime(now - 86_400)[:3] == saved[:3]:
        day = "yesterday"
    else:
        day = time.strftime("on %Y-%m-%d", saved)
    minutes = max(0, round((now - saved_at) / 60))
    if minutes < 1:
        ago = "less than a minute ago"
    elif minutes < 120:
        ago = f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    else:
        ago = f"{minutes // 60} hours ago"
    return f"{day} at {time.strftime('%H:%M:%S', saved)} ({ago})"


def prompt(found: Recovered, now: float | None = None) -> str:
    """The question the next start asks about what a crashed session left."""
    name = found.origin.name if found.origin else "an unsaved project"
    return (
        f"Vidgen closed unexpectedly while editing {name}.\n"
        f"An autosaved copy was saved {when(found.saved_at, now)}.\n"
        "Open it? (No deletes it.)"
    )
