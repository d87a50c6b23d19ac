"""The editor window: canvas in the middle, layers, inspector and timeline around it.

Built in named steps (Picard): ``_create_actions``, ``_create_menus``,
``_create_toolbar``, ``_create_docks``, ``_create_statusbar``. Panels added
later (render queue, job history) go in with ``add_panel``; the Render action
is re-emitted as ``render_requested`` for whoever runs renders.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import config, paths
from vidgen_desktop.composition.model import TextElement
from vidgen_desktop.ui.editor import animate_menu, qt_canvas_arrange, qt_timeline_edit
from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.editor.importer import Importer
from vidgen_desktop.ui.editor.qt_canvas import QtCanvas
from vidgen_desktop.ui.editor.qt_inspector import QtInspector
from vidgen_desktop.ui.editor.qt_layers import QtLayers
from vidgen_desktop.ui.editor.qt_transport import QtTimeline
from vidgen_desktop.ui.jobs import render_ui
from vidgen_desktop.ui.shell import (
    background,
    first_frame,
    memory,
    recovery,
    shortcuts,
    start_page,
    toolbar,
)
from vidgen_desktop.ui.shell.actions import ActionId, create_actions
from vidgen_desktop.ui.shell.projects import ProjectFiles
from vidgen_desktop.ui.shell.widgets import MessageBar

SETTINGS_VERSION = 1  # bump when the dock layout changes incompatibly
LAYOUT_SAVE_DELAY = 1_000  # ms after the window or a panel last moved: then it is remembered
_LAYOUT_EVENTS = {QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide}


def open_settings() -> QSettings:
    """The editor's settings file (under ``$VIDGEN_HOME`` when set, like everything else)."""
    return QSettings(str(paths.data_dir() / "editor.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    render_requested = Signal()  # the Render action: the job service's dialog listens here

    def __init__(self, doc: Document | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.doc = doc or Document(parent=self)
        self.settings = settings or open_settings()
        self.importer = Importer(self.doc, self)
        self.projects = ProjectFiles(self)
        self._reported: set[str] = set()  # media errors already shown
        self.canvas = QtCanvas(self.doc)
        self.first_frame = first_frame.FirstFrame(self)  # the rest waits for the canvas's frame
        self.idle_trim = memory.IdleTrim(self.canvas, self)  # the heap, once the playhead rests
        self.messages = MessageBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.messages)
        column.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_docks()
        qt_timeline_edit.install(self)  # split, ripple delete, markers, timeline zoom
        self._create_statusbar()
        self._connect()
        self.looks = toolbar.Looks(self)  # icons in the palette's ink, re-made when it changes
        self.renders = render_ui.install(self)  # render dialog, queue and history panels
        self.start = start_page.install(self, SETTINGS_VERSION)  # before there is a project
        self.actions[ActionId.START_PAGE].triggered.connect(lambda: self.start.show())
        self.autosave_timer = QTimer(self, singleShot=True)
        self.autosave_timer.timeout.connect(self.autosave)
        self._unsaved_since = QElapsedTimer()  # the first change the recovery file lacks
        self.doc.changed.connect(self._schedule_autosave)
        self.resize(1280, 800)
        if not self._restore_settings():  # the first layout sizes the docks by their panels
            self.renders.build_panels()
        self._update_title()
        # geometry and dock layout are saved as they change, not only on a clean close
        # (after a crash the window used to come back at its default place)
        self.layout_timer = QTimer(self, singleShot=True, interval=LAYOUT_SAVE_DELAY)
        self.layout_timer.timeout.connect(self.save_settings)
        self.installEventFilter(self)

    # -- construction --------------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.actions = create_actions(self)
        shortcuts.apply(self.actions, config.load().shortcuts)  # the user's own keys
        a, doc = self.actions, self.doc
        a[ActionId.NEW].triggered.connect(lambda: self.projects.new())
        a[ActionId.OPEN].triggered.connect(self.projects.open_dialog)
        a[ActionId.SAVE].triggered.connect(self.projects.save)
        a[ActionId.SAVE_AS].triggered.connect(self.projects.save_as)
        a[ActionId.IMPORT].triggered.connect(self.projects.import_dialog)
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.UNDO].triggered.connect(doc.undo_stack.undo)
        a[ActionId.REDO].triggered.connect(doc.undo_stack.redo)
        doc.undo_stack.canUndoChanged.connect(a[ActionId.UNDO].setEnabled)
        doc.undo_stack.canRedoChanged.connect(a[ActionId.REDO].setEnabled)
        a[ActionId.UNDO].setEnabled(False)
        a[ActionId.REDO].setEnabled(False)
        a[ActionId.DELETE].triggered.connect(lambda: doc.remove(doc.selection))
        a[ActionId.DUPLICATE].triggered.connect(lambda: doc.duplicate(doc.selection))
        a[ActionId.SELECT_ALL].triggered.connect(
            lambda: doc.set_selection([e.id for e in doc.comp.elements])
        )
        a[ActionId.ADD_TEXT].triggered.connect(self.add_text)
        a[ActionId.ZOOM_IN].triggered.connect(lambda: self.canvas.set_zoom(self.canvas.zoom * 1.25))
        a[ActionId.ZOOM_OUT].triggered.connect(
            lambda: self.canvas.set_zoom(self.canvas.zoom / 1.25)
        )
        a[ActionId.ZOOM_FIT].triggered.connect(lambda: self.canvas.set_zoom(None))
        a[ActionId.ZOOM_100].triggered.connect(lambda: self.canvas.set_zoom(1.0))
        a[ActionId.SAFE_AREA].toggled.connect(self._set_safe_area)
        a[ActionId.SNAPPING].toggled.connect(lambda on: setattr(self.canvas, "snapping", on))
        a[ActionId.RENDER].triggered.connect(self.render_requested)
        for action in a.values():
            self.addAction(action)  # shortcuts work whichever panel has focus

    def _create_menus(self) -> None:
        a = self.actions
        file_menu = self.menuBar().addMenu("&File")
        for action_id in (ActionId.START_PAGE, ActionId.NEW, ActionId.OPEN):
            file_menu.addAction(a[action_id])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for action_id in (ActionId.SAVE, ActionId.SAVE_AS, None, ActionId.IMPORT, ActionId.RENDER):
            file_menu.addAction(a[action_id]) if action_id else file_menu.addSeparator()
        file_menu.addSeparator()
        file_menu.addAction(a[ActionId.QUIT])
        edit = self.menuBar().addMenu("&Edit")
        for action_id in (
            ActionId.UNDO,
            ActionId.REDO,
            None,
            ActionId.ADD_TEXT,
            ActionId.DUPLICATE,
            ActionId.DELETE,
            ActionId.SELECT_ALL,
            None,
            ActionId.SETTINGS,
        ):
            edit.addAction(a[action_id]) if action_id else edit.addSeparator()
        self.view_menu = self.menuBar().addMenu("&View")
        for action_id in (
            ActionId.ZOOM_IN,
            ActionId.ZOOM_OUT,
            ActionId.ZOOM_FIT,
            ActionId.ZOOM_100,
            None,
            ActionId.SAFE_AREA,
            ActionId.SNAPPING,
        ):
            self.view_menu.addAction(a[action_id]) if action_id else self.view_menu.addSeparator()
        self.view_menu.addSeparator()
        playback = self.menuBar().addMenu("&Playback")
        for action_id in (ActionId.PLAY, ActionId.PREV_FRAME, ActionId.NEXT_FRAME,
                          ActionId.GO_START, ActionId.GO_END):  # fmt: skip
            playback.addAction(a[action_id])
        self.animate_menu = animate_menu.install(self)  # keyframes, presets, transitions
        qt_canvas_arrange.install(self)  # clipboard, align, order, group; the context menu
        toolbar.create_help_menu(self)  # Keyboard Shortcuts (and ?)

    def _create_toolbar(self) -> None:
        self.toolbar = toolbar.create_toolbar(self)  # icons, text beside the main ones, Render

    def _create_docks(self) -> None:
        self.layers = QtLayers(self.doc)
        self.inspector = QtInspector(self.doc)
        self.timeline = QtTimeline(self.doc, self.actions, settings=self.settings)
        self.canvas.renderer.ready.connect(lambda _, request: self.timeline.frame_shown(request.t))
        self.layers_dock = self.add_panel(
            self.layers, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.inspector_dock = self.add_panel(
            self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.timeline_dock = self.add_panel(
            self.timeline, "Timeline", Qt.DockWidgetArea.BottomDockWidgetArea
        )
        for lane in (self.layers.background, self.timeline.view.pictures.background):
            self.first_frame.hold(lane)  # thumbnails and waveforms after the canvas's frame
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

    def add_panel(
        self, widget: QWidget, title: str, area: Qt.DockWidgetArea, *, scrolls: bool = False
    ) -> QDockWidget:
        """Dock ``widget`` (e.g. the render queue) and list it in View; its state is remembered.

        ``scrolls``: the panel scrolls inside a dock narrower than it is. Tabbed
        docks share the widest one's minimum, and the main window adds it to the
        side docks': the job history (~700 px) alone kept the window 1,194 px wide.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        if scrolls:
            scroller = QScrollArea()
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            scroller.setWidget(widget)
            widget = scroller
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        dock.installEventFilter(self)  # moved, resized, floated or closed: remember it
        dock.dockLocationChanged.connect(self._layout_changed)
        dock.topLevelChanged.connect(self._layout_changed)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _create_statusbar(self) -> None:
        bar = self.statusBar()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: probing has no known length
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.busy_label = QLabel()
        self.zoom_label = QLabel()
        self.canvas_label = QLabel()
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.canvas_label)
        bar.addPermanentWidget(self.zoom_label)
        self._update_status()

    def _connect(self) -> None:
        doc = self.doc
        doc.dirty_changed.connect(self._update_title)
        doc.path_changed.connect(self._update_title)
        doc.output_changed.connect(self._update_status)
        doc.reset.connect(self._update_status)
        doc.probing_changed.connect(self._update_busy)
        doc.media_changed.connect(self._report_media_errors)
        doc.refused.connect(self.messages.show_error)  # e.g. deleting a locked layer
        self.importer.busy_changed.connect(self._update_busy)
        self.importer.finished.connect(self._imported)
        self.canvas.zoom_changed.connect(self._update_status)
        self.canvas.files_dropped.connect(self.importer.import_files)
        self.layers.files_dropped.connect(lambda files: self.importer.import_files(files))
        self.canvas.renderer.failed.connect(lambda text: self.messages.show_error(text))

    # -- behaviour -----------------------------------------------------------------------------

    def add_text(self) -> None:
        element_id = self.doc.new_id("text")
        element = TextElement(
            id=element_id, text="Your text", x="10%", y="40%", width="80%", height="20%",
            align="center", valign="middle", font_weight="bold",
        )  # fmt: skip
        self.doc.add([element], "Add text")

    def _set_safe_area(self, on: bool) -> None:
        self.canvas.show_safe_area = on
        self.canvas.update()

    def _imported(self, ids: list[str], errors: list[str]) -> None:
        if errors:
            self.messages.show_error("\n".join(errors))
        if ids:
            self.statusBar().showMessage(f"Imported {len(ids)} file(s)", 4000)

    def _report_media_errors(self) -> None:
        """Name media a project uses that cannot be read (once each); the rest still shows."""
        sources = {getattr(e, "source", None) for e in self.doc.comp.elements}
        new = [
            message
            for source, message in self.doc.media_errors.items()
            if source in sources and source not in self._reported
        ]
        self._reported.update(s for s in self.doc.media_errors if s in sources)
        if new:
            self.messages.show_error("\n".join(new))

    def _update_busy(self, *_: object) -> None:
        busy = self.importer.busy or self.doc.probing
        self.busy.setVisible(busy)
        self.busy_label.setText("Reading media…" if busy else "")
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _update_status(self, *_: object) -> None:
        out = self.doc.comp.output
        self.canvas_label.setText(f"{out.width}×{out.height} · {out.fps:g} fps")
        self.zoom_label.setText(f"{self.canvas.zoom * 100:.0f}%")

    def _update_title(self, *_: object) -> None:
        name = self.doc.path.name if self.doc.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Vidgen")
        self.setWindowModified(self.doc.dirty)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.projects.recent():
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, p=path: self.projects.open_recent(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _schedule_autosave(self) -> None:
        """Autosave a moment after editing pauses, and at least every AUTOSAVE_MAX_WAIT."""
        if not self._unsaved_since.isValid():
            self._unsaved_since.start()
        left = recovery.AUTOSAVE_MAX_WAIT - self._unsaved_since.elapsed()
        self.autosave_timer.start(max(0, min(recovery.AUTOSAVE_DELAY, left)))

    def autosave(self) -> Path | None:
        """Write the recovery file if there is anything unsaved (the timer calls this)."""
        self._unsaved_since.invalidate()
        self.autosave_timer.stop()
        if not self.doc.dirty:
            recovery.discard()
            return None
        try:
            return recovery.write(self.doc.comp, self.doc.path)
        except OSError as exc:  # a full disk must not cost the edit itself; say it once
            self.statusBar().showMessage(f"Autosave failed: {exc.strerror or exc}", 10_000)
            return None

    # -- settings and closing ------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _LAYOUT_EVENTS or event.type() == QEvent.Type.WindowStateChange:
            self._layout_changed()
        return super().eventFilter(watched, event)

    def _layout_changed(self, *_: object) -> None:
        timer = getattr(self, "layout_timer", None)  # None while the window is being built
        if timer is not None and self.isVisible():
            timer.start()

    def _restore_settings(self) -> bool:
        """The window's place and dock layout as last saved; True if a dock layout was."""
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        return state is not None and self.restoreState(state, SETTINGS_VERSION)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        state = self.start.dock_state() or self.saveState(SETTINGS_VERSION)  # page hides docks
        self.settings.setValue("window/state", state)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.projects.maybe_save():
            event.ignore()
            return
        self.layout_timer.stop()
        self.save_settings()
        self.autosave_timer.stop()
        self.timeline.stop()
        self.timeline.audio.shutdown()
        recovery.discard()
        workers = (self.canvas.renderer, self.importer.background, self.layers.background)
        for worker in (*workers, self.doc.background, self.start, self.renders):
            worker.shutdown()
        background.shutdown()  # the editor's one pool; waits for nothing
        event.accept()
