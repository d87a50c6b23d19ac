"""Rebuild a past job's project: every source found again by its content hash.

A job keeps the composition it rendered and, per element, the sha256 of each
local source (``media.fingerprint``, written by the probe step). Files move
and get renamed; ``rebuild`` keeps a source whose path still holds the same
bytes, else looks for a file with those bytes in the folders it is given
(the old file's folder first) and points the element at it. Team sources
(``s3://…/sources/<sha256>/…``) are content-addressed already and kept.
What cannot be found is named, never dropped: the element keeps its old path,
so the project still opens and the designer can relink it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media.fingerprint import content_hash

MAX_FILES = 20_000  # files looked at per search folder (a home folder is not a media folder)


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """What the job knows of one element's source."""

    element_id: str
    path: str
    sha256: str | None
    size: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Rebuilt:
    composition: Composition
    moved: dict[str, tuple[str, str]]  # element id -> (old path, where its bytes are now)
    missing: list[Source]  # no file with its bytes was found
    unverified: list[Source]  # no hash was kept (a job older than this): kept if it exists

    def problems(self) -> list[str]:
        """One line per element the rebuilt project cannot render as the job did."""
        lines = [
            f"element '{s.element_id}': {s.path} is gone and no file with its content "
            f"(sha256 {s.sha256[:12]}…) was found" if s.sha256 else
            f"element '{s.element_id}': {s.path} is gone (the job kept no content hash)"
            for s in self.missing
        ]  # fmt: skip
        return lines


def _candidates(folders: Iterable[Path]) -> Iterable[Path]:
    seen: set[Path] = set()
    for folder in folders:
        try:
            folder = folder.resolve()
        except OSError:
            continue
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        count = 0
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or ".partial" in name:
                    continue  # hidden, and half-written files (files.py's mark)
                count += 1
                if count > MAX_FILES:
                    break
                yield Path(root) / name
            if count > MAX_FILES:
                break


def _same(path: Path, source: Source) -> bool:
    try:
        if source.size and path.stat().st_size != source.size:
            return False
        return content_hash(path) == source.sha256
    except OSError:
        return False


def find(source: Source, folders: Sequence[Path]) -> Path | None:
    """A file holding ``source``'s bytes: its own path, else one in ``folders``."""
    if source.sha256 is None:
        return Path(source.path) if os.path.isfile(source.path) else None
    own = Path(source.path)
    if own.is_file() and _same(own, source):
        return own
    for candidate in _candidates([own.parent, *folders]):
        if candidate.is_file() and _same(candidate, source):
            return candidate
    return None


def rebuild(
    composition: Mapping[str, Any], sources: Sequence[Source], folders: Sequence[Path] = ()
) -> Rebuilt:
    """The job's composition with each local source found again (see the module's text)."""
    data = dict(composition)
    elements = [dict(e) for e in data.get("elements", [])]
    by_id = {s.element_id: s for s in sources}
    moved: dict[str, tuple[str, str]] = {}
    missing: list[Source] = []
    unverified: list[Source] = []
    for element in elements:
        path = element.get("source")
        if not path or "://" in path:
            continue  # text, or a team source (content-addressed) or a URL: as it was
        source = by_id.get(element["id"], Source(element["id"], path, None))
        if source.sha256 is None:
            unverified.append(source)
        found = find(source, folders)
        if found is None:
            missing.append(source)
            continue
        if os.path.abspath(found) != os.path.abspath(path):
            moved[element["id"]] = (path, str(found))
            element["source"] = str(found)
    data["elements"] = elements
    comp = project.parse(json.dumps(data), origin="the job's composition")  # upgraded as a file
    return Rebuilt(comp, moved, missing, unverified)


def sources_of(elements: Iterable[Any]) -> list[Source]:
    """``Source``s from a job's element records (``element_id``, ``source``, ``content_hash``,
    ``probe`` with its ``size_bytes``), as the job log keeps them."""
    found = []
    for record in elements:
        if not record.source:
            continue
        size = (record.probe or {}).get("size_bytes") or None
        found.append(Source(record.element_id, record.source, record.content_hash, size))
    return found


def rebuild_job(jobs: Any, job: Any, folders: Sequence[Path] = ()) -> Rebuilt:
    """``job`` (a job log record) rebuilt, its elements read from ``jobs`` (the job log's
    repository): ``vidgen jobs reproduce`` and the history's Open as Project."""
    return rebuild(job.composition, sources_of(jobs.elements(job.id)), folders)


def differences(made_with: Mapping[str, Any] | None, now: Mapping[str, Any]) -> list[str]:
    """What renders here that did not render the job (Vidgen, FFmpeg), one phrase each."""
    if not made_with:
        return ["the job kept no record of the Vidgen and FFmpeg that rendered it"]
    changes = []
    for key, label in (("vidgen", "Vidgen"), ("ffmpeg", "FFmpeg"), ("pillow", "Pillow"),
                       ("text_layout", "the text layout")):  # fmt: skip
        if made_with.get(key) != now.get(key):
            changes.append(f"{label} {made_with.get(key)} rendered it, this is {now.get(key)}")
    key = "ffmpeg_configuration_sha256"
    if made_with.get(key) != now.get(key) and made_with.get("ffmpeg") == now.get("ffmpeg"):
        changes.append("FFmpeg is the same version but built with other options")
    gone = sorted(set(made_with.get("encoders") or ()) - set(now.get("encoders") or ()))
    if gone:
        changes.append(f"encoders missing here: {', '.join(gone)}")
    return changes
