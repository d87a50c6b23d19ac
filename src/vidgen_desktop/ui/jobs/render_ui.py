"""Everything about renders in the window: the hub, the dialog, the queue and history panels.

``install(window)`` is the one call ``MainWindow`` makes: it starts the
embedded queue (off the GUI thread), docks the Render Queue and Job History
panels, answers ``render_requested`` with the Render dialog, adds Settings,
and makes preview proxies as media arrive. ``shutdown`` stops it all when
the window closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from vidgen_desktop.ui.editor.proxies import ProxyMaker
from vidgen_desktop.ui.jobs import batch_ui, reopen, team_feed
from vidgen_desktop.ui.jobs.qt_history import QtHistoryPanel
from vidgen_desktop.ui.jobs.qt_queue import QtQueuePanel
from vidgen_desktop.ui.jobs.render_hub import RenderHub
from vidgen_desktop.ui.shell.actions import ActionId
from vidgen_desktop.ui.shell.notify import Notifier

if TYPE_CHECKING:
    from vidgen_desktop.ui.jobs.render_dialog import RenderDialog
    from vidgen_desktop.ui.shell.settings_dialog import SettingsDialog


class RenderUi(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.hub = RenderHub(self)
        self.notifier = Notifier(window)
        self.queue_panel = QtQueuePanel(self.hub, self.notifier)
        self.history = QtHistoryPanel(self.hub)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.queue_dock = window.add_panel(self.queue_panel, "Render Queue", bottom, scrolls=True)
        self.history_dock = window.add_panel(self.history, "Job History", bottom, scrolls=True)
        window.tabifyDockWidget(window.timeline_dock, self.queue_dock)
        window.tabifyDockWidget(self.queue_dock, self.history_dock)
        window.timeline_dock.raise_()
        self.proxies = ProxyMaker(window.doc, self)
        window.first_frame.hold(self.proxies.background)  # FFmpeg would share the first frame's CPU
        self.proxies.made.connect(lambda _: window.canvas.refresh_timer.start())
        self.dialog: RenderDialog | None = None  # both modules load when first opened
        self.settings_dialog: SettingsDialog | None = None
        window.render_requested.connect(self.open_render_dialog)
        window.actions[ActionId.SETTINGS].triggered.connect(lambda: self.open_settings())
        self.hub.settings_requested.connect(self.open_settings)
        self.queue_panel.job_finished.connect(lambda *_: self.history.refresh())
        self.reopener = reopen.JobReopener(window, self.hub, self.history.details)
        # farm jobs' live progress, with a team backend (None without one)
        self.remote = team_feed.install(self.hub)
        if self.remote is not None:
            self.remote.state_changed.connect(self._remote_state)
        # the queue and the job log (SQLAlchemy, ~300 imports) start once the canvas shows the
        # composition: their imports would hold the GIL while it is built and drawn
        window.first_frame.later(self.hub.start)
        window.first_frame.hold_until(self.hub.ready, self.hub.open_failed)  # then thumbnails

    def open_render_dialog(self) -> RenderDialog:
        """Show the Render dialog for the document as it is now (window-modal, not blocking)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        from vidgen_desktop.ui.jobs.render_dialog import RenderDialog

        doc = self.window.doc
        comp = doc.comp.model_copy(deep=True)
        self.dialog = RenderDialog(self.hub, comp, doc.path, self.window)
        self.dialog.queued.connect(self._queued)
        self.dialog.open()
        return self.dialog

    def _queued(self, job_id) -> None:
        self.queue_dock.show()
        self.queue_dock.raise_()
        self.queue_panel.select(job_id)

    def _remote_state(self, state: str, why: str) -> None:
        if state == "failed":  # the feed gave up: say so rather than show frozen bars
            self.window.statusBar().showMessage(why or "live progress unavailable", 15000)

    def open_settings(self, page: str = "general") -> SettingsDialog:
        """The Settings, at ``page`` ("team": what Share needs)."""
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.show_page(page)
            self.settings_dialog.raise_()
            return self.settings_dialog
        from vidgen_desktop.ui.shell.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(
            self.window, page=page if isinstance(page, str) else "general"
        )
        self.settings_dialog.applied.connect(self.hub.apply_settings)
        self.settings_dialog.open()
        return self.settings_dialog

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.notifier.close()
        self.proxies.shutdown()
        self.history.shutdown()
        if self.remote is not None:
            self.remote.shutdown()
        self.hub.shutdown()


def install(window) -> RenderUi:
    renders = RenderUi(window)
    window.batches = batch_ui.install(window, renders)  # Variables panel, Batch Render
    return renders
