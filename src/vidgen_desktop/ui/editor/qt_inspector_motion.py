"""The inspector's motion parts: a ◆ keyframe toggle beside each animatable field, and the
Animate fields (an entrance or exit preset, a transition, each with its duration).

The toggle shows, for the playhead: ◇ grey (the property is still), ◇ in colour
(animated, no keyframe here), ◆ (a keyframe here). A click adds the keyframe
here or deletes the one here; Shift+click moves the nearest keyframe to the
playhead; the right-click menu has all of it. Every change goes through
``keyframes`` and ``Document.edit``: one undo step each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from vidgen_desktop.ui.editor import keyframes
from vidgen_desktop.ui.editor.animate_names import DEFAULT_DURATION, KIND, title
from vidgen_desktop.ui.editor.inspector_fields import MIXED, NONE, FieldSpec, shown

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_inspector import QtInspector

KEY_COLOR = "#ffb020"  # the keyframe marks' colour everywhere (canvas path, timeline, here)


class KeyToggle(QToolButton):
    """The ◆ beside a field: add or delete the keyframe at the playhead."""

    def __init__(self, inspector: QtInspector, prop: str) -> None:
        super().__init__()
        self.inspector, self.prop = inspector, prop
        self.setObjectName(f"key_{prop}")
        self.setAutoRaise(True)
        self.setFixedWidth(22)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(lambda pos: self.menu().exec(self.mapToGlobal(pos)))
        self.state = "still"  # still | animated | here
        self._shift = False
        self.clicked.connect(self._clicked)

    def show_state(self, state: str) -> None:
        self.state = state
        name = self.prop.replace("_", " ")
        self.setText("◆" if state == "here" else "◇")
        self.setStyleSheet("" if state == "still" else f"color: {KEY_COLOR};")
        self.setToolTip({
            "still": f"Animate {name}: add a keyframe at the playhead",
            "animated": f"Add a {name} keyframe at the playhead (Shift+click: move the "
                        "nearest one here; right-click: more)",
            "here": f"Delete the {name} keyframe at the playhead (right-click: more)",
        }[state])  # fmt: skip

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        # clicked (below) is emitted from here; a key press (Space) clicks it too, unshifted
        self._shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        try:
            super().mouseReleaseEvent(event)
        finally:
            self._shift = False

    def _clicked(self) -> None:
        if self._shift:
            move_nearest(self.inspector, self.prop)
        elif self.state == "here":
            delete(self.inspector, self.prop)
        else:
            add(self.inspector, self.prop)

    def menu(self) -> QMenu:
        menu = QMenu(self)
        name = self.prop.replace("_", " ")
        here = self.state == "here"
        menu.addAction(
            f"Add {name} keyframe here", lambda: add(self.inspector, self.prop)
        ).setEnabled(not here)
        menu.addAction(
            f"Delete {name} keyframe here", lambda: delete(self.inspector, self.prop)
        ).setEnabled(here)
        move = menu.addAction("Move the nearest keyframe here",
                              lambda: move_nearest(self.inspector, self.prop))  # fmt: skip
        move.setEnabled(self.state == "animated")
        menu.addSeparator()
        clear = menu.addAction(
            f"Stop animating {name}", lambda: clear_all(self.inspector, self.prop)
        )
        clear.setEnabled(self.state != "still")
        return menu


def with_toggle(inspector: QtInspector, spec: FieldSpec, editor: QWidget) -> QWidget:
    """The field's editor with its ◆ on the right (the toggle lands in ``inspector.toggles``)."""
    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    line.setSpacing(2)
    line.addWidget(editor, 1)
    toggle = KeyToggle(inspector, spec.name)
    inspector.toggles[spec.name] = toggle
    line.addWidget(toggle)
    return row


def refresh_toggles(inspector: QtInspector) -> None:
    targets = inspector.targets()
    fps = inspector.doc.comp.output.fps
    for prop, toggle in inspector.toggles.items():
        states = []
        for e in targets:
            keys = keyframes.tracks(e).get(prop) or []
            if not keys:
                states.append("still")
            elif keyframes.key_index(keys, keyframes.local_time(inspector.doc, e), fps) is not None:
                states.append("here")
            else:
                states.append("animated")
        state = "here" if states and all(s == "here" for s in states) else (
            "still" if all(s == "still" for s in states) else "animated")  # fmt: skip
        toggle.show_state(state)
        toggle.setEnabled(not inspector.locked())


def shown_value(inspector: QtInspector, element: Any, name: str) -> Any:
    """What a field shows: an animated property's value at the playhead, else the field."""
    if name in keyframes.ANIMATABLE and keyframes.animated(element, name):
        return keyframes.value_at(inspector.doc, element, name)
    return getattr(element, name)


def _apply(inspector: QtInspector, text: str, change) -> None:
    """Run ``change(element) -> (fields | None, refusal | None)`` over the selection, once."""
    changes, problems = {}, []
    for e in inspector.targets():
        fields, refusal = change(e)
        if refusal:
            problems.append(refusal)
        elif fields is not None:
            changes[e.id] = fields
    error = inspector.doc.edit(changes, text) if changes and not problems else None
    inspector.show_error("\n".join([*problems, *([error] if error else [])]) or None)


def add(inspector: QtInspector, prop: str) -> None:
    doc = inspector.doc
    _apply(inspector, f"Add {prop} keyframe", lambda e: keyframes.with_key(doc, e, prop))


def delete(inspector: QtInspector, prop: str) -> None:
    doc = inspector.doc
    _apply(
        inspector, f"Delete {prop} keyframe", lambda e: (keyframes.without_key(doc, e, prop), None)
    )


def move_nearest(inspector: QtInspector, prop: str) -> None:
    doc = inspector.doc

    def change(e):
        found = keyframes.times(e, (prop,))
        if not found:
            return None, None
        here = keyframes.local_time(doc, e)
        nearest = min(found, key=lambda t: abs(t - here))
        return keyframes.retimed(doc, e, nearest, here, (prop,))

    _apply(inspector, f"Move {prop} keyframe", change)


def clear_all(inspector: QtInspector, prop: str) -> None:
    doc = inspector.doc

    def change(e):
        if not keyframes.animated(e, prop):
            return None, None
        value = keyframes.value_at(doc, e, prop)
        rest = {p: k for p, k in keyframes.plain_tracks(e).items() if p != prop}
        return {"keyframes": rest, prop: str(value) if prop in keyframes.LENGTHS else value}, None

    _apply(inspector, f"Stop animating {prop}", change)


# -- the Animate fields ------------------------------------------------------------------------


class MotionEdit(QWidget):
    """A preset (or transition) and its duration in seconds; ``None`` turns it off."""

    def __init__(self, inspector: QtInspector, spec: FieldSpec) -> None:
        super().__init__()
        self.inspector, self.spec = inspector, spec
        self.choice = QComboBox()
        # as narrow as a short name: the row stays beside its label in a narrow dock
        self.choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.choice.setMinimumContentsLength(8)
        self.choice.addItem(NONE, None)
        for name in spec.choices:
            self.choice.addItem(title(name), name)
        self.seconds = QLineEdit()
        self.seconds.setFixedWidth(52)
        self.seconds.setToolTip("Duration (s)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choice, 1)
        row.addWidget(self.seconds)
        self.choice.currentIndexChanged.connect(self._commit)
        self.seconds.editingFinished.connect(self._commit_seconds)

    def show_values(self, values: list[Any]) -> None:
        same = all(v == values[0] for v in values)
        value = _plain(values[0]) if same else None
        for part in (self.choice, self.seconds):
            part.blockSignals(True)
        if same:
            name = value[KIND[self.spec.name]] if value else None
            self.choice.setCurrentIndex(max(0, self.choice.findData(name)))
            self.seconds.setText(shown(float(value["duration"])) if value else "")
        else:
            self.choice.setCurrentIndex(-1)
            self.seconds.setText("")
        self.seconds.setPlaceholderText(MIXED if not same else "")
        self.seconds.setEnabled(self.choice.currentData() is not None or not same)
        for part in (self.choice, self.seconds):
            part.blockSignals(False)

    def value(self, seconds: str | None = None) -> dict | None:
        name = self.choice.currentData()
        if name is None:
            return None
        text = (self.seconds.text() if seconds is None else seconds).strip()
        duration: Any = text or DEFAULT_DURATION[self.spec.name]
        return {KIND[self.spec.name]: name, "duration": duration}

    def _commit(self) -> None:
        if self.choice.currentIndex() >= 0:
            self.inspector.commit(self.spec.name, self.value())

    def _commit_seconds(self) -> None:
        if self.seconds.isModified() and self.choice.currentData() is not None:
            ok = self.inspector.commit(self.spec.name, self.value())
            self.seconds.setStyleSheet("" if ok else "border: 1px solid #e5484d;")


def _plain(value: Any) -> dict | None:
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return dict(value)


def playhead_moved(inspector: QtInspector) -> None:
    """The playhead moved: animated fields show their new values (nothing else changes)."""
    if any(keyframes.tracks(e) for e in inspector.targets()) and not _typing(inspector):
        inspector.refresh()


def _typing(inspector: QtInspector) -> bool:
    focus = QApplication.focusWidget()
    return isinstance(focus, QLineEdit) and focus.isModified() and inspector.isAncestorOf(focus)
