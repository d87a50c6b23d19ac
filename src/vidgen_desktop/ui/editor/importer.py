"""Turn media files into elements: probe in the background, add what works, name what doesn't."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.composition.model import AudioElement, ImageElement, VideoElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.errors import MediaError
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.ui.editor.document import AnyElement, Document
from vidgen_desktop.ui.shell.background import Background

CASCADE = 24  # canvas px between files dropped together
MEDIA_FILTER = (
    "Media (*.mp4 *.mov *.m4v *.webm *.mkv *.avi *.gif *.png *.jpg *.jpeg *.webp *.bmp *.tif "
    "*.tiff *.wav *.mp3 *.m4a *.aac *.flac *.ogg);;All files (*)"
)


@dataclass
class _Batch:
    paths: list[str]
    at: tuple[float, float] | None
    infos: dict[str, media_probe.MediaInfo] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return len(self.infos) + len(self.errors) == len(self.paths)


def _percent(px: float, extent: int) -> Length:
    return Length(float(px), "px").convert("%", extent)


def element_for(
    info: media_probe.MediaInfo,
    element_id: str,
    canvas: tuple[int, int],
    at: tuple[float, float] | None,
    *,
    fill: bool = False,
) -> AnyElement:
    """An element showing ``info``: the full canvas if ``fill``, else its own size at ``at``.

    Media larger than the canvas is scaled down to fit it; the box is centred on
    ``at`` and moved inside the canvas where that would cross an edge.
    """
    name = Path(info.path).stem
    if info.kind == "audio":
        return AudioElement(id=element_id, name=name, source=info.path)
    cw, ch = canvas
    if fill:
        box = {"x": "0%", "y": "0%", "width": "100%", "height": "100%"}
    else:
        k = min(1.0, cw / info.width, ch / info.height)
        w, h = max(1, round(info.width * k)), max(1, round(info.height * k))
        cx, cy = at if at is not None else (cw / 2, ch / 2)
        # centred on the drop point, but never hanging off the canvas: a drop near an edge
        # means "put it here", not "put half of it outside the picture"
        x = min(max(0, round(cx - w / 2)), cw - w)
        y = min(max(0, round(cy - h / 2)), ch - h)
        box = {
            "x": _percent(x, cw),
            "y": _percent(y, ch),
            "width": _percent(w, cw),
            "height": _percent(h, ch),
        }
    cls = VideoElement if info.kind == "video" else ImageElement
    return cls(id=element_id, name=name, source=info.path, **box)


def usable(info: media_probe.MediaInfo) -> str | None:
    """Why the file cannot be an element, or None."""
    if info.kind == "audio" and not info.has_audio:
        return f"{info.name} has no sound to play"
    if info.kind != "audio" and not info.has_video:
        return f"{info.name} has no picture to show"
    return None


class Importer(QObject):
    busy_changed = Signal(bool)
    finished = Signal(list, list)  # ids added, messages for the files that were refused

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.background = Background(workers=2, name="vidgen-import", parent=self)
        self._batches: list[_Batch] = []

    @property
    def busy(self) -> bool:
        return bool(self._batches)

    def import_files(self, paths: list[str], at: tuple[float, float] | None = None) -> None:
        paths = [os.path.abspath(p) for p in paths]
        if not paths:
            return
        batch = _Batch(paths, at)
        self._batches.append(batch)
        if len(self._batches) == 1:
            self.busy_changed.emit(True)
        for path in paths:
            self.background.run(media_probe.probe, self._callback(batch, path), path)

    def _callback(self, batch: _Batch, path: str):
        def done(info: media_probe.MediaInfo | None, error: BaseException | None) -> None:
            if isinstance(error, MediaError):
                batch.errors[path] = str(error)
            elif error is not None:
                batch.errors[path] = f"{os.path.basename(path)} cannot be imported: {error}"
            elif info is not None:
                reason = usable(info)
                if reason:
                    batch.errors[path] = reason
                else:
                    batch.infos[path] = info
            if batch.done:
                self._finish(batch)

        return done

    def _finish(self, batch: _Batch) -> None:
        self._batches.remove(batch)
        elements: list[AnyElement] = []
        taken: list[str] = []
        has_visual = any(not isinstance(e, AudioElement) for e in self.doc.comp.elements)
        for n, path in enumerate(p for p in batch.paths if p in batch.infos):
            info = batch.infos[path]
            self.doc.remember_media(info)
            element_id = self.doc.new_id(Path(path).stem, taken)
            taken.append(element_id)
            at = batch.at
            if at is not None:
                at = (at[0] + n * CASCADE, at[1] + n * CASCADE)
            fill = not has_visual and info.kind == "video" and at is None
            element = element_for(info, element_id, self.doc.canvas, at, fill=fill)
            has_visual = has_visual or not isinstance(element, AudioElement)
            elements.append(element)
        if elements:
            label = f"Import {elements[0].label}" if len(elements) == 1 else "Import files"
            self.doc.add(elements, label)
        errors = [batch.errors[p] for p in batch.paths if p in batch.errors]
        # imported, but the designer should know (e.g. a damaged file that reads only in part)
        errors += [w for p in batch.paths if p in batch.infos for w in batch.infos[p].warnings]
        if not self._batches:
            self.busy_changed.emit(False)
        self.finished.emit([e.id for e in elements], errors)
