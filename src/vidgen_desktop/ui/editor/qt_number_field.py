"""Number fields that behave like spin boxes: arrow keys step, dragging the label scrubs.

The inspector's number and length fields stay line edits (a mixed selection
shows a blank with "—", a typed ``abc`` reaches the model's own message);
this module adds, to the editors of a built form: Up/Down step by 1 (Shift:
10, Alt: 0.1; ``%`` lengths by 1 %, ``px`` by 1 px), and a horizontal drag
on the field's label scrubs the value by one step per ``PX_PER_STEP`` screen
pixels. The unit stays what it was (a length keeps ``%`` or ``px``; the
label names seconds). A scrub or a run of steps is one undo step (the
inspector's merged edits).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from vidgen_desktop.ui.editor.inspector_fields import rounded

PX_PER_STEP = 4  # screen px of label drag per step
NUMBER_KINDS = ("number", "length", "optional")
_STEPS = {  # field name -> its natural step, when it is not 1
    "opacity": 0.01,
    "fps": 1.0,
    "line_spacing": 0.05,
    "volume": 0.05,
    "fade_in": 0.1,
    "fade_out": 0.1,
    "start": 0.1,
    "duration": 0.1,
    "trim_start": 0.1,
}


def step_of(name: str, modifiers: Qt.KeyboardModifier) -> float:
    base = _STEPS.get(name, 1.0)
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return base * 10
    if modifiers & Qt.KeyboardModifier.AltModifier:
        return base / 10
    return base


def stepped(text: str, delta: float) -> str | None:
    """``text`` (a number) moved by ``delta``, at the step's precision; None if not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    places = len(f"{abs(delta):.6f}".rstrip("0").split(".")[1])
    typed = len(text.split(".")[1]) if "." in text else 0  # 33.33 % steps to 34.33 %
    return rounded(value + delta, min(6, max(places, typed)))


class Stepper(QObject):
    """Arrow keys on ``edit`` and drags on ``label`` change the number; ``commit(text)``
    sends it on (the inspector adds the unit and merges the run into one undo step)."""

    def __init__(
        self, name: str, edit: QLineEdit, label: QLabel | None, commit: Callable[[str], object]
    ) -> None:
        super().__init__(edit)
        self.name, self.edit, self.label, self.commit = name, edit, label, commit
        self._press: tuple[float, str] | None = None  # (x, text) where a scrub began
        edit.installEventFilter(self)
        if label is not None:
            label.installEventFilter(self)
            label.setCursor(Qt.CursorShape.SizeHorCursor)
            label.setToolTip("Drag sideways to change the value (Shift: ×10, Alt: ÷10)")

    def step(self, delta: float, start: str | None = None) -> bool:
        text = stepped((start if start is not None else self.edit.text()).strip() or "0", delta)
        if text is None or not self.edit.isEnabled():
            return False
        self.edit.setText(text)
        self.commit(text)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.edit and kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            sign = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(Qt.Key(event.key()))
            if sign is not None:
                self.step(sign * step_of(self.name, event.modifiers()))
                return True
        if watched is self.label and isinstance(event, QMouseEvent):
            if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
                self._press = (event.position().x(), self.edit.text())
                return True
            if kind == QEvent.Type.MouseMove and self._press is not None:
                x, start = self._press
                steps = int((event.position().x() - x) / PX_PER_STEP)
                delta = steps * step_of(self.name, event.modifiers())
                text = stepped(start.strip() or "0", delta)
                if text is not None and text != self.edit.text():
                    self.edit.setText(text)
                    self.commit(text)
                return True
            if kind == QEvent.Type.MouseButtonRelease:
                self._press = None
                return True
        return False


def line_of(editor: QWidget) -> QLineEdit | None:
    """The number's line edit in a field editor (a length's is beside its unit)."""
    if isinstance(editor, QLineEdit):
        return editor
    return getattr(editor, "number", None)
