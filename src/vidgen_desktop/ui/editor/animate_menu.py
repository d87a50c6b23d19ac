"""The Animate menu: keyframe commands, entrance and exit presets, transitions.

Hovering a preset plays it on the canvas, over and over, on a copy of the
composition (``QtCanvas.trial``): the document, the playhead and the undo
stack do not change until the preset is chosen, which is one undo step.
Leaving the item or closing the menu puts the canvas back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from vidgen_desktop.composition.model import ImageElement
from vidgen_desktop.ui.editor import keyframes
from vidgen_desktop.ui.editor.animate_names import (
    DEFAULT_DURATION,
    IMAGE_ONLY_PRESETS,
    KIND,
    PRESET_NAMES,
    TRANSITION_NAMES,
    title,
)
from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.editor.qt_canvas import QtCanvas
from vidgen_desktop.ui.shell.actions import ActionId

PREVIEW_STEP_MS = 40  # ms between the live preview's frames
LEAD = 0.25  # s shown before (and after) the animation, so its start reads as a change
SUBMENUS = (
    ("animation_in", "&Entrance"),
    ("animation_out", "E&xit"),
    ("transition_in", "&Transition In"),
)


class LivePreview(QObject):
    """Plays a field value tried on the selection, on the canvas only."""

    def __init__(self, doc: Document, canvas: QtCanvas) -> None:
        super().__init__(canvas)
        self.doc, self.canvas = doc, canvas
        self.timer = QTimer(self, interval=PREVIEW_STEP_MS)
        self.timer.timeout.connect(self._tick)
        self.trying: tuple[str, Any] | None = None
        self._comp = None
        self._span = (0.0, 0.0)
        self._t = 0.0

    def start(self, field: str, value: Any) -> None:
        if self.trying == (field, value):
            return
        targets = [e for e in self.doc.selected_visuals() if field in type(e).model_fields]
        if not targets:
            return self.stop()
        try:
            tried = {e.id: type(e).model_validate({**dict(e), field: value}) for e in targets}
        except ValueError:
            return self.stop()
        elements = [tried.get(e.id, e) for e in self.doc.comp.elements]
        self._comp = self.doc.comp.model_copy(update={"elements": elements})
        self._span = self._span_of(targets[0], field, value)
        self.trying = (field, value)
        self._t = self._span[0]
        self._tick()
        self.timer.start()

    def _span_of(self, element, field: str, value: Any) -> tuple[float, float]:
        window = self.doc.timeline().windows[element.id]
        seconds = float((value or {}).get("duration", DEFAULT_DURATION[field]))
        last = window.end - 1 / self.doc.comp.output.fps
        if field == "animation_out":
            return max(window.start, window.end - seconds - LEAD), last
        return max(0.0, window.start - (LEAD if field == "transition_in" else 0.0)), min(
            last, window.start + seconds + LEAD
        )

    def _tick(self) -> None:
        self.canvas.trial = (self._comp, self._t)
        self.canvas.request_frame()
        start, end = self._span
        self._t += PREVIEW_STEP_MS / 1000
        if self._t > end:
            self._t = start

    def stop(self) -> None:
        self.timer.stop()
        was = self.trying is not None or self.canvas.trial is not None
        self.trying, self._comp = None, None
        if was:
            self.canvas.trial = None
            self.canvas.request_frame()


class AnimateMenu(QMenu):
    def __init__(self, doc: Document, canvas: QtCanvas, actions: dict[ActionId, QAction],
                 parent=None) -> None:  # fmt: skip
        super().__init__("&Animate", parent)
        self.setObjectName("animate_menu")
        self.doc = doc
        self.preview = LivePreview(doc, canvas)
        for action_id in (ActionId.ADD_KEYFRAME, ActionId.DELETE_KEYFRAME,
                          ActionId.PREV_KEYFRAME, ActionId.NEXT_KEYFRAME):  # fmt: skip
            self.addAction(actions[action_id])
        self.addSeparator()
        self.submenus: dict[str, QMenu] = {}
        for field, label in SUBMENUS:
            menu = self.addMenu(label)
            menu.setObjectName(f"animate_{field}")
            menu.aboutToShow.connect(lambda f=field, m=menu: self._fill(f, m))
            menu.hovered.connect(self._hovered)
            menu.aboutToHide.connect(self.preview.stop)
            self.submenus[field] = menu
        self.aboutToHide.connect(self.preview.stop)
        self.hovered.connect(lambda _action: self.preview.stop())
        actions[ActionId.ADD_KEYFRAME].triggered.connect(self.add_keyframes)
        actions[ActionId.DELETE_KEYFRAME].triggered.connect(self.delete_keyframes)
        actions[ActionId.PREV_KEYFRAME].triggered.connect(lambda: self.go_keyframe(False))
        actions[ActionId.NEXT_KEYFRAME].triggered.connect(lambda: self.go_keyframe(True))
        for signal in (doc.selection_changed, doc.reset):
            signal.connect(self._enable)
        self._enable()

    def _enable(self, *_: object) -> None:
        for menu in self.submenus.values():
            menu.setEnabled(bool(self.doc.selected_visuals()))

    def _fill(self, field: str, menu: QMenu) -> None:
        """The choices for the selection, the current one checked."""
        menu.clear()
        targets = self.doc.selected_visuals()
        names = TRANSITION_NAMES if field == "transition_in" else PRESET_NAMES
        if (
            field != "transition_in"
            and targets
            and all(isinstance(e, ImageElement) for e in targets)
        ):
            names = (*names, *IMAGE_ONLY_PRESETS)
        current = {self._name(getattr(e, field, None), field) for e in targets}
        for name in (None, *names):
            action = menu.addAction(title(name) if name else "None")
            action.setObjectName(f"animate_{field}_{name or 'none'}")
            action.setCheckable(True)
            action.setChecked(current == {name})
            action.setData((field, self.value(field, name)))
            action.triggered.connect(lambda _=False, f=field, n=name: self.apply(f, n))

    @staticmethod
    def _name(value: Any, field: str) -> str | None:
        if value is None:
            return None
        return value[KIND[field]] if isinstance(value, dict) else getattr(value, KIND[field])

    def value(self, field: str, name: str | None) -> dict | None:
        """The field's value for ``name``, keeping the duration the selection already has."""
        if name is None:
            return None
        seconds = DEFAULT_DURATION[field]
        targets = self.doc.selected_visuals()
        old = getattr(targets[0], field, None) if targets else None
        if old is not None:
            seconds = float(old["duration"] if isinstance(old, dict) else old.duration)
        return {KIND[field]: name, "duration": seconds}

    def _hovered(self, action: QAction) -> None:
        data = action.data()
        if isinstance(data, tuple) and data[1] is not None:
            self.preview.start(*data)
        else:
            self.preview.stop()

    def apply(self, field: str, name: str | None) -> str | None:
        self.preview.stop()
        targets = [e for e in self.doc.selected_visuals() if field in type(e).model_fields]
        value = self.value(field, name)
        label = dict(SUBMENUS)[field].replace("&", "")
        text = f"{label}: {title(name) if name else 'None'}"
        error = self.doc.edit({e.id: {field: value} for e in targets}, text)
        if error:
            self.doc.refused.emit(error)
        return error

    # -- keyframe commands ---------------------------------------------------------------------

    def _each(self, text: str, change) -> str | None:
        changes, problems = {}, []
        for element in self.doc.comp.elements:
            if element.id not in self.doc.selection or element.locked:
                continue
            fields, refusal = change(element)
            if refusal:
                problems.append(refusal)
            elif fields:
                changes[element.id] = fields
        error = self.doc.edit(changes, text) if changes else None
        message = "\n".join([*problems, *([error] if error else [])])
        if message:
            self.doc.refused.emit(message)
        return message or None

    def add_keyframes(self) -> str | None:
        return self._each("Add keyframe", lambda e: keyframes.add_here(self.doc, e))

    def delete_keyframes(self) -> str | None:
        doc = self.doc
        return self._each(
            "Delete keyframes",
            lambda e: (keyframes.removed_at(doc, e, keyframes.local_time(doc, e)), None),
        )

    def go_keyframe(self, forward: bool) -> None:
        elements = [e for e in self.doc.comp.elements if e.id in self.doc.selection]
        t = keyframes.neighbour(self.doc, elements or list(self.doc.comp.elements), forward)
        if t is not None:
            self.doc.set_time(t)


def install(window: QMainWindow) -> AnimateMenu:
    """The Animate menu in ``window``'s menu bar, after the other menus."""
    menu = AnimateMenu(window.doc, window.canvas, window.actions, window)
    window.menuBar().addMenu(menu)
    return menu
