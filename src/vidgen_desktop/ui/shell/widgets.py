"""Small widgets shared by the panels."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QToolButton, QWidget

# (background, text, border) for an error, chosen per palette so the text keeps a
# WCAG contrast of at least 7:1 either way (checked in tests/test_ui_shell.py).
ERROR_COLORS = {
    "light": ("#fdecea", "#611a15", "#f1b0a8"),
    "dark": ("#5c1f1f", "#ffe9e9", "#8a3a3a"),
}


# red text straight on the window (a refused setting): ≥ 4.5:1 on either theme's window and
# on Fusion's own (the light one was #e03131, 3.9:1 on a light window)
ERROR_INK = {"light": "#b3261e", "dark": "#ff8a80"}

HINT_INK = 0.75  # a hint's colour: this far from the background towards the text (≈ 7:1, so
# its antialiased strokes still read ≥ 4.5:1 in a grab)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def hint_color(palette: QPalette) -> QColor:
    """Secondary text that still reads: the palette's text blended into its background.

    Not ``palette(mid)``: Mid is a bevel colour, pale grey on a light window and
    near-black on a dark one, so text drawn in it cannot be read in either.
    """
    back = palette.color(QPalette.ColorRole.Window)
    ink = palette.color(QPalette.ColorRole.WindowText)
    pairs = zip(back.getRgb()[:3], ink.getRgb()[:3], strict=True)
    mix = [round(b + (i - b) * HINT_INK) for b, i in pairs]
    return QColor(*mix)


FOLLOW_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.ParentChange,
)


class HintLabel(QLabel):
    """A wrapped line of secondary text (an explanation under a field), readable in any palette."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._sheet = ""
        self._follow_palette()

    def _follow_palette(self) -> None:
        parent = self.parentWidget()
        palette = parent.palette() if parent is not None else QApplication.palette()
        sheet = f"color: {hint_color(palette).name()};"
        if sheet != self._sheet:  # a new sheet sends events of its own: only on a change
            self._sheet = sheet
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in FOLLOW_EVENTS:
            self._follow_palette()
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        self._follow_palette()  # the palette may have changed while hidden
        super().showEvent(event)


class ErrorLabel(HintLabel):
    """A wrapped line of error text under a form, in a red that reads on the palette's window."""

    def _follow_palette(self) -> None:
        parent = self.parentWidget()
        palette = parent.palette() if parent is not None else QApplication.palette()
        sheet = f"color: {ERROR_INK['dark' if is_dark(palette) else 'light']};"
        if sheet != self._sheet:
            self._sheet = sheet
            self.setStyleSheet(sheet)


class MessageBar(QWidget):
    """A dismissable message above the canvas: errors a designer should read, without a dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_bar")
        # a plain QWidget paints a style sheet's background only when asked to
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._sheet = ""
        self._follow_palette()
        self.hide()

    def _follow_palette(self) -> None:
        window = self.parentWidget() or self
        background, text, border = ERROR_COLORS["dark" if is_dark(window.palette()) else "light"]
        sheet = (
            f"#message_bar {{ background: {background}; border-bottom: 1px solid {border}; }}"
            f"#message_bar QLabel, #message_bar QToolButton {{ color: {text}; }}"
        )
        if sheet != self._sheet:  # setting a sheet sends events of its own: only on a change
            self._sheet = sheet
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._follow_palette()
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        self._follow_palette()  # the palette may have changed while hidden
        super().showEvent(event)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def show_error(self, text: str) -> None:
        self.label.setText(text)
        self.show()
