"""The main toolbar, the Help menu and the look that follows the palette.

Icons on every toolbar and transport action (``icons.py``), text beside the
main ones (Open, Save, Import Media, Add Text, Render): the rest are icons
with a tooltip (``QAction.Priority.LowPriority`` is Qt's own "no text beside
the icon" mark). Render is the one primary action: its own button, named
``theme.PRIMARY``, in the accent colour with white ink (a separate button so
the menus keep the palette-coloured icon).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QToolBar, QToolButton, QWidget

from vidgen_desktop.ui.shell import icons, theme
from vidgen_desktop.ui.shell.actions import ActionId
from vidgen_desktop.ui.shell.widgets import is_dark

ICON_SIZE = QSize(20, 20)
MAIN = (ActionId.OPEN, ActionId.SAVE, ActionId.IMPORT, ActionId.ADD_TEXT)  # text beside
TOOLBAR = (
    ActionId.OPEN, ActionId.SAVE, None, ActionId.UNDO, ActionId.REDO, None,
    ActionId.IMPORT, ActionId.ADD_TEXT, None, ActionId.ZOOM_FIT, ActionId.SAFE_AREA,
    ActionId.SNAPPING,
)  # fmt: skip


def create_toolbar(window: QMainWindow) -> QToolBar:
    bar = QToolBar("Main", window)
    bar.setObjectName("toolbar_main")
    bar.setMovable(False)
    bar.setIconSize(ICON_SIZE)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    a = window.actions
    for action_id in TOOLBAR:
        if action_id is None:
            bar.addSeparator()
            continue
        if action_id not in MAIN:
            a[action_id].setPriority(QAction.Priority.LowPriority)
        bar.addAction(a[action_id])
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    bar.addWidget(spacer)
    bar.primary = PrimaryButton(a[ActionId.RENDER])
    bar.addWidget(bar.primary)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


class PrimaryButton(QToolButton):
    """Render: text and icon in white on the accent colour; it triggers the action."""

    def __init__(self, action: QAction) -> None:
        super().__init__()
        self.action = action
        self.setObjectName(theme.PRIMARY)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIconSize(ICON_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clicked.connect(action.trigger)
        action.changed.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        self.setText(self.action.text().replace("&", ""))
        self.setToolTip(self.action.toolTip())
        self.setEnabled(self.action.isEnabled())
        icon = icons.icon(icons.ICONS[ActionId.RENDER.value], self.palette(), ink=icons.PRIMARY_INK)
        self.setIcon(icon)
        sheet = theme.primary_sheet("dark" if is_dark(self.palette()) else "light")
        if sheet != self.styleSheet():  # a new sheet sends events of its own: only on a change
            self.setStyleSheet(sheet)


def create_help_menu(window: QMainWindow) -> None:
    """Help → Keyboard Shortcuts (also ``?`` and the platform's help key)."""
    menu = window.menuBar().addMenu("&Help")
    menu.addAction(window.actions[ActionId.SHORTCUTS])
    window.actions[ActionId.SHORTCUTS].triggered.connect(lambda: show_sheet(window))
    window.help_menu = menu


def show_sheet(window: QMainWindow):
    from vidgen_desktop.ui.shell.shortcut_sheet import ShortcutSheet

    def settings() -> None:
        window.renders.open_settings("shortcuts")

    sheet = getattr(window, "shortcut_sheet", None)
    if sheet is None:
        sheet = window.shortcut_sheet = ShortcutSheet(window, open_settings=settings)
    sheet.fill()
    sheet.show()
    sheet.raise_()
    sheet.activateWindow()
    return sheet


class Looks(QObject):
    """Re-colours the icons when the palette changes; Play shows Pause while playing."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.playing = False
        self.refresh()
        window.installEventFilter(self)
        timeline = window.timeline
        window.actions[ActionId.PLAY].triggered.connect(self._follow_play)
        timeline.timer.timeout.connect(self._follow_play)  # after its tick: it may have stopped

    def refresh(self) -> None:
        window = self.window_
        icons.apply(window.actions, window.palette())
        icons.set_playing(window.actions[ActionId.PLAY], self.playing, window.palette())
        window.toolbar.primary.sync()

    def _follow_play(self, *_: object) -> None:
        playing = self.window_.timeline.playing
        if playing != self.playing:
            self.playing = playing
            icons.set_playing(self.window_.actions[ActionId.PLAY], playing, self.window_.palette())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            self.refresh()
        return False
