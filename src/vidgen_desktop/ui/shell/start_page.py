"""The start page: what the editor shows before there is a project, and the empty canvas's hint.

``install(window)`` puts the page in front of the canvas (a stacked central
widget) with: open the bundled example (made on first use, in the background),
a new project in one of the common sizes, Open…, and the recent projects.
Media dropped on the page start a 16:9 project with them. Any new, opened or
recovered composition takes the page away; File ▸ Start Page brings it back.
The panels around the canvas are hidden while the page shows and come back
as they were (their saved layout is the one from before the page).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QProcess, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.composition.model import Composition, Output
from vidgen_desktop.ui.editor.qt_canvas import dropped_paths


@dataclass(frozen=True)
class Preset:
    ratio: str
    name: str
    width: int
    height: int
    use: str


PRESETS = (
    Preset("16:9", "Landscape", 1920, 1080, "YouTube, slides"),
    Preset("9:16", "Vertical", 1080, 1920, "Reels, Stories, TikTok"),
    Preset("1:1", "Square", 1080, 1080, "Feed posts"),
    Preset("4:5", "Portrait", 1080, 1350, "Instagram feed"),
)
PREPARING = "Preparing the example (sample media made by FFmpeg, first time only)…"


def _shape_icon(preset: Preset, color: QColor, size: int = 56) -> QIcon:
    """The preset's proportions as a rounded outline: a shape says more than numbers."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    scale = (size - 6) / max(preset.width, preset.height)
    w, h = preset.width * scale, preset.height * scale
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = painter.pen()
    pen.setColor(color)
    pen.setWidthF(2.0)
    painter.setPen(pen)
    painter.drawRoundedRect((size - w) / 2, (size - h) / 2, w, h, 4, 4)
    painter.end()
    return QIcon(pixmap)


class StartPage(QWidget):
    """The page itself: buttons and a list, no knowledge of documents (``StartScreen`` wires it)."""

    example_requested = Signal()
    new_requested = Signal(object)  # a Preset
    open_requested = Signal()
    recent_requested = Signal(object)  # a Path
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        self.setAcceptDrops(True)
        title = QLabel("Start a video")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        self.example_button = QPushButton("Open the example project")
        self.example_button.setObjectName("start_example")
        self.example_button.setToolTip("Spring promo: video, pictures, a logo, text and music")
        self.example_button.clicked.connect(self.example_requested)
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self.open_requested)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.working = QProgressBar()  # moving: the wait has no known length
        self.working.setRange(0, 0)
        self.working.setMaximumWidth(160)
        self.working.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.example_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.working)
        buttons.addStretch(1)

        presets = QGridLayout()
        presets.setHorizontalSpacing(12)
        self.preset_buttons: dict[str, QToolButton] = {}
        for column, preset in enumerate(PRESETS):
            button = QToolButton()
            button.setObjectName(f"preset_{preset.ratio.replace(':', 'x')}")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(56, 56))
            button.setText(f"{preset.ratio} {preset.name}\n{preset.width}×{preset.height}")
            button.setToolTip(f"New {preset.width}×{preset.height} project: {preset.use}")
            button.setMinimumWidth(130)
            button.clicked.connect(lambda _=False, p=preset: self.new_requested.emit(p))
            presets.addWidget(button, 0, column)
            self.preset_buttons[preset.ratio] = button
        self._paint_icons()

        self.recent = QListWidget()
        self.recent.setObjectName("start_recent")
        self.recent.setMaximumHeight(240)
        self.recent.itemClicked.connect(self._recent_chosen)  # one click, like a link
        self.recent.itemActivated.connect(self._recent_chosen)  # Return (or a double-click)
        self.recent_label = QLabel("<b>Recent projects</b>")
        hint = QLabel("Or drop videos, pictures or sound here to start a 16:9 project with them.")
        hint.setWordWrap(True)

        column = QVBoxLayout()
        column.addWidget(title)
        column.addSpacing(8)
        column.addLayout(buttons)
        column.addWidget(self.status)
        column.addSpacing(16)
        column.addWidget(QLabel("<b>New project</b>"))
        column.addLayout(presets)
        column.addSpacing(16)
        column.addWidget(hint)
        column.addSpacing(16)
        column.addWidget(self.recent_label)
        column.addWidget(self.recent)
        column.addStretch(1)
        inner = QWidget()
        inner.setLayout(column)
        inner.setMaximumWidth(640)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 32, 24, 24)
        outer.addStretch(1)
        outer.addWidget(inner, 4)
        outer.addStretch(1)

    def _paint_icons(self) -> None:
        for preset in PRESETS:
            button = self.preset_buttons[preset.ratio]
            button.setIcon(_shape_icon(preset, button.palette().color(button.foregroundRole())))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint_icons()  # the outlines are drawn in the text colour
        super().changeEvent(event)

    def set_recent(self, paths: list[Path]) -> None:
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(f"{path.name}    {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_label.setVisible(bool(paths))

    def set_status(self, text: str | None) -> None:
        """A line under the buttons (e.g. the example being made); None hides it."""
        self.status.setText(text or "")
        self.status.setVisible(bool(text))
        self.working.setVisible(bool(text))
        self.example_button.setEnabled(text is None)

    def _recent_chosen(self, item: QListWidgetItem) -> None:
        self.recent_requested.emit(Path(item.data(Qt.ItemDataRole.UserRole)))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit([str(p) for p in paths])


class DropHint(QLabel):
    """'Drop media here' over an empty canvas; mouse and drops pass through to the canvas."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("drop_hint")
        self.setText("Drop videos, pictures or sound here\nor use Import Media (Ctrl+I)")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMargin(18)
        canvas.installEventFilter(self)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._follow_palette()
        super().changeEvent(event)

    def _follow_palette(self) -> None:
        # the canvas shows the composition's own background (any colour): the hint
        # carries a panel of the window's colour so its text reads on any of them
        palette = self.parentWidget().palette()
        back, ink = palette.window().color(), palette.windowText().color()
        sheet = (
            f"#drop_hint {{ background: rgba({back.red()}, {back.green()}, {back.blue()}, 225);"
            f" color: {ink.name()}; border-radius: 8px; }}"
        )
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.place()
        return False

    def place(self) -> None:
        self._follow_palette()
        self.adjustSize()
        canvas = self.parentWidget()
        self.move((canvas.width() - self.width()) // 2, (canvas.height() - self.height()) // 2)


class StartScreen(QObject):
    """Wires the page into the window: the stacked centre, the actions, the example."""

    def __init__(self, window, layout_version: int) -> None:
        super().__init__(window)
        self.window = window
        self.layout_version = layout_version  # the window's saveState version
        self.page = StartPage()
        # the message bar stays above both: errors (a missing project, an example that
        # could not be made) must show on the page too
        editor = window.takeCentralWidget()
        editor.layout().removeWidget(window.messages)
        self.stack = QStackedWidget()
        self.stack.addWidget(editor)  # the canvas
        # in a scroll area: a stack is as large as its largest page, and the page's own
        # minimum (about 780 px tall) would keep the editor window from a laptop's height
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.page)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.stack.addWidget(self.scroller)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(window.messages)
        column.addWidget(self.stack, 1)
        window.setCentralWidget(central)
        self.hint = DropHint(window.canvas)
        self.maker: QProcess | None = None  # makes the example's media (the first time)
        self._open_example_when_made = False
        self._dock_state: QByteArray | None = None  # the panels as they were before the page
        page, projects = self.page, window.projects
        page.example_requested.connect(self.open_example)
        page.new_requested.connect(self.new_project)
        page.open_requested.connect(projects.open_dialog)
        page.recent_requested.connect(self._open_recent)
        page.files_dropped.connect(self._start_with_media)
        window.doc.reset.connect(self.hide)
        window.doc.undo_stack.indexChanged.connect(self.hide)  # an edit (Add Text, Import…)
        window.doc.changed.connect(self._update_hint)
        self._update_hint()

    @property
    def showing(self) -> bool:
        return self.stack.currentWidget() is self.scroller

    def dock_state(self) -> QByteArray | None:
        """The panels' layout to remember while the page hides them (None: the live one)."""
        return self._dock_state if self.showing else None

    def show(self, *, first_run: bool = False) -> None:
        """Show the page; on the first run ever, make and open the example as well."""
        self.page.set_recent(self.window.projects.recent())
        if not self.showing:
            self._dock_state = self.window.saveState(self.layout_version)
            for dock in self.window.findChildren(QDockWidget):
                dock.hide()
            self.stack.setCurrentWidget(self.scroller)
        self.window.setWindowTitle("Vidgen")
        if first_run:
            self.open_example()

    def hide(self) -> None:
        if not self.showing:
            return
        self.stack.setCurrentIndex(0)
        if self._dock_state is not None:
            self.window.restoreState(self._dock_state, self.layout_version)
        self._dock_state = None
        self._update_hint()

    def new_project(self, preset: Preset) -> None:
        output = Output(width=preset.width, height=preset.height)
        self.window.projects.new(Composition(output=output))

    def open_example(self) -> None:
        """Open the bundled example, making its media first when this machine has none."""
        from vidgen_desktop.media import examples  # with its samples: only when asked for

        if examples.is_made():
            self.window.projects.open_path(examples.example_folder() / examples.MAIN_EXAMPLE)
            return
        self._open_example_when_made = True
        if self.busy:
            return
        self.page.set_status(PREPARING)
        # `vidgen samples` in a process of its own: FFmpeg's seconds never hold the GUI,
        # and closing the window does not wait for them (the process is stopped)
        self.maker = QProcess(self)
        self.maker.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.maker.finished.connect(self._example_made)
        folder = str(examples.example_folder())
        self.maker.start(sys.executable, ["-m", "vidgen_desktop", "samples", folder])

    @property
    def busy(self) -> bool:
        """True while the example is being made."""
        return self.maker is not None and self.maker.state() != QProcess.ProcessState.NotRunning

    def _example_made(self, code: int, status: QProcess.ExitStatus) -> None:
        from vidgen_desktop.media import examples

        output = bytes(self.maker.readAll().data()).decode("utf-8", "replace")
        self.maker.deleteLater()
        self.maker = None
        self.page.set_status(None)
        path = examples.example_folder() / examples.MAIN_EXAMPLE
        if code != 0 or status != QProcess.ExitStatus.NormalExit or not examples.is_made():
            why = output.strip().splitlines()[-1:] or [f"exit status {code}"]
            self.window.messages.show_error(f"The example could not be made: {why[0]}")
            return
        # only if the designer is still waiting for it, not after they chose something else
        if self._open_example_when_made and self.showing:
            self.window.projects.open_path(path)
        self._open_example_when_made = False

    def _open_recent(self, path: Path) -> None:
        if not self.showing:  # the double-click's second half: already opened
            return
        if not self.window.projects.open_recent(path):
            self.page.set_recent(self.window.projects.recent())  # e.g. a gone one removed

    def _start_with_media(self, paths: list[str]) -> None:
        self.new_project(PRESETS[0])
        if not self.showing:  # not if the designer kept the current project
            self.window.importer.import_files(paths)

    def _update_hint(self) -> None:
        empty = not self.window.doc.comp.elements
        self.hint.setVisible(empty and not self.showing)
        if empty:
            self.hint.place()
            self.hint.raise_()

    def shutdown(self) -> None:
        if self.busy:  # the next start makes what is missing; finished files are kept
            self.maker.finished.disconnect(self._example_made)
            self.maker.kill()
            self.maker.waitForFinished(3_000)


def install(window, layout_version: int) -> StartScreen:
    return StartScreen(window, layout_version)
