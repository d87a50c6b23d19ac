"""The Qt side of the document: one ``Composition``, its file, its undo stack, its events.

``composition.model`` is plain pydantic and knows nothing of Qt; this object
is the evented wrapper views bind to (napari's ``model.events.<field>``).
Views change the composition only through the edit methods here, each of
which validates first and pushes one undoable command, so a refused value
changes nothing. The ``_put``/``_insert``/``_remove``/``_set`` methods are for
the commands alone.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import (
    AudioElement,
    Composition,
    ImageElement,
    Output,
    TextElement,
    VideoElement,
    describe_errors,
)
from vidgen_desktop.errors import CompositionError, MediaError
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.ui.editor import commands, templates, timeline_edits
from vidgen_desktop.ui.shell.background import Background

AnyElement = VideoElement | ImageElement | TextElement | AudioElement
VisualElement = VideoElement | ImageElement | TextElement
UNLOCKED_FIELDS = {"locked", "hidden", "name", "group"}  # what a locked element still lets change
MEDIA_TIMING = {"start", "duration", "trim_start"}  # edits that may run past the media's end


class Document(QObject):
    element_changed = Signal(str)  # element id
    elements_added = Signal(list)  # ids
    elements_removed = Signal(list)  # ids
    elements_reordered = Signal()
    output_changed = Signal()
    selection_changed = Signal()
    media_changed = Signal()  # probe results arrived or failed
    time_changed = Signal(float)  # the playhead, in composition seconds
    reset = Signal()  # a different composition (new, open, recover)
    changed = Signal()  # after any change to the composition
    dirty_changed = Signal(bool)
    path_changed = Signal()
    probing_changed = Signal(bool)
    adjusted = Signal(str)  # an edit was changed to fit (e.g. a trim clamped to its media)
    refused = Signal(str)  # an action the user asked for was not done, and why (e.g. locked)
    variables_changed = Signal()  # the template's declared variables
    preview_row_changed = Signal()  # the canvas shows another row of a template

    def __init__(self, comp: Composition | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._comp = comp or Composition()
        self.path: Path | None = None
        self.selection: list[str] = []
        self.time = 0.0
        self.media: dict[str, media_probe.MediaInfo] = {}  # source path -> facts
        self.media_errors: dict[str, str] = {}  # source path -> why it cannot be used
        self._probing: set[str] = set()
        self._timeline: layout.Timeline | None = None
        self.preview_row: templates.PreviewRow | None = None  # a template's row on the canvas
        self.background = Background(workers=2, name="vidgen-probe", parent=self)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.probe_sources()

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # -- reading -----------------------------------------------------------------------------

    @property
    def comp(self) -> Composition:
        return self._comp

    @property
    def canvas(self) -> tuple[int, int]:
        return self._comp.output.width, self._comp.output.height

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def probing(self) -> bool:
        return bool(self._probing)

    def element(self, element_id: str) -> AnyElement:
        return self._comp.element(element_id)

    def has(self, element_id: str) -> bool:
        return any(e.id == element_id for e in self._comp.elements)

    def drawn(self) -> Composition:
        """The composition as the canvas draws it (a template: filled with the previewed row)."""
        return templates.drawn(self._comp, self.preview_row)

    def _source(self, element: AnyElement, drawn: Composition | None = None) -> str:
        """The file an element shows (``{{product}}``: the previewed row's, else the default)."""
        return templates.source_of(element, drawn or self.drawn)

    def facts(self) -> dict[str, media_probe.MediaInfo]:
        """Probe facts keyed by element id (elements not yet probed are missing)."""
        out, drawn = {}, templates.Lazy(self.drawn)
        for element in self._comp.elements:
            info = self.media.get(self._source(element, drawn))
            if info is not None:
                out[element.id] = info
        return out

    def media_size(self, element: AnyElement) -> tuple[int, int] | None:
        info = self.media.get(self._source(element))
        return (info.width, info.height) if info is not None and info.width else None

    def timeline(self) -> layout.Timeline:
        if self._timeline is None:
            self._timeline = layout.resolve_timeline(self._comp, self.facts())
        return self._timeline

    def selected_visuals(self) -> list[VisualElement]:
        return [
            e
            for e in self._comp.elements
            if e.id in self.selection and not isinstance(e, AudioElement)
        ]

    def new_id(self, stem: str, taken: Iterable[str] = ()) -> str:
        base = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem).strip("-") or "item"
        used = {e.id for e in self._comp.elements} | set(taken)
        if base not in used:
            return base
        n = 2
        while f"{base}-{n}" in used:
            n += 1
        return f"{base}-{n}"

    # -- view state (not undoable) -----------------------------------------------------------

    def set_selection(self, ids: Sequence[str]) -> None:
        ids = [i for i in dict.fromkeys(ids) if self.has(i)]
        if ids != self.selection:
            self.selection = ids
            self.selection_changed.emit()

    def set_time(self, t: float) -> None:
        t = min(max(0.0, t), self.timeline().duration)
        if t != self.time:
            self.time = t
            self.time_changed.emit(t)

    def set_composition(self, comp: Composition, path: Path | None = None) -> None:
        self._comp = comp
        self.path, self.preview_row = path, None
        self.selection = []
        self.time = 0.0
        self._timeline = None
        self.undo_stack.clear()
        self.reset.emit()
        self.path_changed.emit()
        self.selection_changed.emit()
        self.time_changed.emit(0.0)
        self.changed.emit()
        self.probe_sources()

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self.undo_stack.setClean()
        self.path_changed.emit()

    # -- edits (each one undoable) -------------------------------------------------------------

    def edit(
        self,
        changes: Mapping[str, Mapping[str, Any]],
        text: str,
        merge_key: Hashable | None = None,
    ) -> str | None:
        """Change fields of elements ({id: {field: value}}). Returns the model's refusal, if any."""
        before, after, problems = [], [], []
        for element_id, fields in changes.items():
            element = self.element(element_id)
            if element.locked and fields.get("locked", True) and fields.keys() - UNLOCKED_FIELDS:
                problems.append(f"element '{element_id}' is locked: unlock it to change it")
                continue
            data = {**dict(element), **fields}
            try:
                edited = type(element).model_validate(data)
            except ValidationError as exc:
                problems.append(describe_errors(exc, element_id=element_id))
                continue
            if fields.keys() & MEDIA_TIMING:
                edited = self._fit_to_media(edited)
            if edited != element:
                before.append(element)
                after.append(edited)
        if not problems and after:
            problems += self._timeline_problems(after)
        if problems:
            return "\n".join(problems)
        if after:
            self.undo_stack.push(commands.SetElementFields(self, before, after, text, merge_key))
        return None

    def _timeline_problems(self, edited: Sequence[AnyElement]) -> list[str]:
        """What the edit would break that only the media's length tells (a keyframe or a
        preset past the end of a clip with no duration of its own)."""
        by_id = {e.id: e for e in edited}
        elements = [by_id.get(e.id, e) for e in self._comp.elements]
        try:
            layout.resolve_timeline(
                self._comp.model_copy(update={"elements": elements}), self.facts()
            )
        except CompositionError as exc:
            return [str(exc)]
        return []

    def edit_output(
        self, fields: Mapping[str, Any], text: str, merge_key: Hashable | None = None
    ) -> str | None:
        before = self._comp.output
        try:
            after = Output.model_validate({**dict(before), **fields})
        except ValidationError as exc:
            return "\n".join(f"output: {line}" for line in describe_errors(exc).splitlines())
        if after != before:
            self.undo_stack.push(commands.SetOutput(self, before, after, text, merge_key))
        return None

    def _fit_to_media(self, element: AnyElement) -> AnyElement:
        """``element`` with its trim and duration inside its media (``timeline_edits``).

        The one place every timing edit passes (timeline drags, inspector, commands).
        """
        source = getattr(element, "source", None)
        info = self.media.get(source) if source else None
        fitted, note = timeline_edits.fit_to_media(element, info, self._comp.output.fps)
        if note:
            self.adjusted.emit(note)
        return fitted

    def add(self, elements: Sequence[AnyElement], text: str, index: int | None = None) -> None:
        at = len(self._comp.elements) if index is None else index
        placed = [(at + n, element) for n, element in enumerate(elements)]
        self.undo_stack.push(commands.AddElements(self, placed, text))

    def remove(self, ids: Sequence[str], text: str | None = None) -> str | None:
        """Delete the elements; locked ones are kept and named (also through ``refused``)."""
        ids = [i for i in ids if self.has(i)]
        locked = [i for i in ids if self.element(i).locked]
        ids = [i for i in ids if i not in locked]
        if ids:
            label = text or (f"Delete {len(ids)} elements" if len(ids) > 1 else f"Delete {ids[0]}")
            self.undo_stack.push(commands.RemoveElements(self, ids, label))
        if not locked:
            return None
        names = ", ".join(f"'{self.element(i).label}'" for i in locked)
        are, them = ("is", "it") if len(locked) == 1 else ("are", "them")
        message = f"Not deleted: {names} {are} locked. Unlock {them} in the Layers panel first."
        self.refused.emit(message)
        return message

    def reorder(self, order: Sequence[AnyElement], text: str) -> None:
        """Replace the element list by ``order`` (the same ids, possibly with new tracks)."""
        if [e.id for e in order] == [e.id for e in self._comp.elements] and list(order) == list(
            self._comp.elements
        ):
            return
        self.undo_stack.push(
            commands.SetElementOrder(self, list(self._comp.elements), list(order), text)
        )

    def duplicate(self, ids: Sequence[str]) -> None:
        copies, taken = [], []
        for element in self._comp.elements:
            if element.id in ids:
                new_id = self.new_id(f"{element.id}-copy", taken)
                taken.append(new_id)
                name = f"{element.label} copy"
                copies.append(element.model_copy(update={"id": new_id, "name": name}))
        if copies:
            last = max(i for i, e in enumerate(self._comp.elements) if e.id in ids)
            self.add(copies, "Duplicate", index=last + 1)

    # -- for commands only ---------------------------------------------------------------------

    def _touched(self) -> None:
        self._timeline = None
        self.changed.emit()

    def _put_elements(self, elements: Sequence[AnyElement]) -> None:
        by_id = {e.id: e for e in elements}
        self._comp.elements = [by_id.get(e.id, e) for e in self._comp.elements]
        self._timeline = None
        for element in elements:
            self.element_changed.emit(element.id)
        self._touched()
        self.probe_sources()

    def _insert_elements(self, placed: Sequence[tuple[int, AnyElement]]) -> None:
        items = list(self._comp.elements)
        for index, element in placed:
            items.insert(min(index, len(items)), element)
        self._comp.elements = items
        self._timeline = None
        self.elements_added.emit([e.id for _, e in placed])
        self._touched()
        self.probe_sources()

    def _remove_elements(self, ids: Sequence[str]) -> None:
        gone = set(ids)
        self._comp.elements = [e for e in self._comp.elements if e.id not in gone]
        self._timeline = None
        self.elements_removed.emit(list(ids))
        if gone & set(self.selection):
            self.set_selection([i for i in self.selection if i not in gone])
        self._touched()

    def _set_order(self, elements: Sequence[AnyElement]) -> None:
        self._comp.elements = list(elements)
        self._timeline = None
        self.elements_reordered.emit()
        self._touched()

    def _put_variables(self, declared: Mapping[str, Any]) -> None:
        self._comp.variables = dict(declared)
        self._timeline = None
        self.variables_changed.emit()
        self._touched()
        self.probe_sources()  # a new default may name a file not probed yet

    def set_preview_row(self, row: templates.PreviewRow | None) -> None:
        """Show a template's row k on the canvas (None: its defaults); not an edit."""
        self.preview_row = row
        self._timeline = None
        self.preview_row_changed.emit()
        self.probe_sources()

    def _put_output(self, output: Output) -> None:
        self._comp.output = output
        self._timeline = None
        self.output_changed.emit()
        self._touched()

    # -- media facts ---------------------------------------------------------------------------

    def probe_sources(self) -> None:
        """Probe, in the background, every source not probed yet."""
        drawn = templates.Lazy(self.drawn)
        for element in self._comp.elements:
            source = self._source(element, drawn)
            if not source or "{{" in source or source in self.media or source in self.media_errors:
                continue
            if source in self._probing:
                continue
            self._probing.add(source)
            self.background.run(media_probe.probe, self._probed_callback(source), source)
        self.probing_changed.emit(self.probing)

    def _probed_callback(self, source: str):
        def done(info: media_probe.MediaInfo | None, error: BaseException | None) -> None:
            self._probing.discard(source)
            if isinstance(error, MediaError):
                self.media_errors[source] = str(error)
            elif error is not None:
                self.media_errors[source] = f"{os.path.basename(source)}: {error}"
            elif info is not None:
                self.media[source] = info
            self._timeline = None
            self.probing_changed.emit(self.probing)
            self.media_changed.emit()

        return done

    def remember_media(self, info: media_probe.MediaInfo) -> None:
        """Facts probed elsewhere (the importer), so the source is not probed twice."""
        self.media[info.path] = info
        self.media_errors.pop(info.path, None)
