"""Templates in the window: the Variables panel, the row picker and Batch Render.

``install(window, renders)`` (called by ``render_ui.install``) docks the
Variables panel beside the inspector, gives the inspector's Text, Colour
and Background fields "Make a Variable", puts Batch Render… in the File
menu after Render…, redraws the canvas when another row is previewed, and
opens the Batch Render dialog (with the rows
file the panel previews, if any); a started batch shows in the queue panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from vidgen_desktop.ui.editor import qt_variables
from vidgen_desktop.ui.shell.actions import ActionId

if TYPE_CHECKING:
    from vidgen_desktop.ui.jobs.batch_dialog import BatchDialog


class BatchUi(QObject):
    def __init__(self, window, renders) -> None:
        super().__init__(window)
        self.window, self.renders = window, renders
        doc = window.doc
        self.panel = qt_variables.QtVariables(doc)
        self.dock = window.add_panel(
            self.panel, "Variables", Qt.DockWidgetArea.RightDockWidgetArea, scrolls=True
        )
        window.tabifyDockWidget(window.inspector_dock, self.dock)
        window.inspector_dock.raise_()
        self.dialog: BatchDialog | None = None  # its module loads when first opened
        action = window.actions[ActionId.BATCH_RENDER]
        action.triggered.connect(self.open_dialog)
        self.panel.batch_button.clicked.connect(action.trigger)
        self._menu_after_render(action)
        window.inspector.form_built.connect(
            lambda: qt_variables.hook_inspector(doc, window.inspector)
        )
        qt_variables.hook_inspector(doc, window.inspector)
        doc.preview_row_changed.connect(window.canvas.request_frame)
        doc.variables_changed.connect(window.canvas.request_frame)

    def _menu_after_render(self, action) -> None:
        render = self.window.actions[ActionId.RENDER]
        for menu_action in self.window.menuBar().actions():
            menu = menu_action.menu()
            if menu is not None and render in menu.actions():
                following = menu.actions()[menu.actions().index(render) + 1 :]
                menu.insertAction(following[0] if following else None, action)
                return

    def open_dialog(self) -> BatchDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        from vidgen_desktop.ui.jobs.batch_dialog import BatchDialog

        doc, renders = self.window.doc, self.renders
        rows = self.panel.rows_label.toolTip() or None
        self.dialog = BatchDialog(
            renders.hub, doc.comp.model_copy(deep=True), doc.path, self.window,
            rows_path=_path(rows),
        )  # fmt: skip
        self.dialog.started.connect(self._started)
        self.dialog.finished.connect(lambda _: self._take_mapping(self.dialog))
        self.dialog.open()
        return self.dialog

    def _take_mapping(self, dialog: BatchDialog | None) -> None:
        """The panel previews rows of the dialog's file with the dialog's column mapping."""
        rows = dialog.rows if dialog is not None else None
        if rows is not None and self.panel.rows_label.toolTip() == dialog.rows_edit.text():
            self.panel.use_mapping(dialog.mapping_dict())

    def _started(self, batch_id) -> None:
        renders = self.renders
        renders.queue_dock.show()
        renders.queue_dock.raise_()
        self.window.statusBar().showMessage(f"Batch {str(batch_id)[:8]} queued", 6000)


def _path(text):
    from pathlib import Path

    return Path(text) if text else None


def install(window, renders) -> BatchUi:
    return BatchUi(window, renders)
