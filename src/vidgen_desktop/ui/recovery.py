"""Autosave to a recovery file, and find the ones a crashed session left behind.

One file per running editor (``autosave-<pid>.json``), written atomically
with ``composition.project.atomic_write``; a clean exit deletes it. A file
whose process is gone is what a crash left: the next start offers it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition

AUTOSAVE_INTERVAL = 60_000  # ms


def folder() -> Path:
    path = paths.data_dir() / "recovery"
    path.mkdir(parents=True, exist_ok=True)
    return path


def own_file(pid: int | None = None) -> Path:
    return folder() / f"autosave-{pid or os.getpid()}.json"


def write(comp: Composition, origin: Path | None, target: Path | None = None) -> Path:
    """Save ``comp`` (and where it came from) to the recovery file, atomically."""
    target = target or own_file()
    data = {"origin": str(origin) if origin else None, "project": project.to_data(comp)}
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
            found.append(Recovered(file, comp, origin, file.stat().st_mtime))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda r: r.saved_at, reverse=True)
