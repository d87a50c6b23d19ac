"""Everything about renders in the window: the hub, the dialog, the queue and history panels.

``install(window)`` is the one call ``MainWindow`` makes: it starts the
embedded queue (off the GUI thread), docks the Render Queue and Job History
panels, answers ``render_requested`` with the Render dialog, adds Settings,
and makes preview proxies as media arrive. ``shutdown`` stops it all when
the window closes.

The Job History panel (a tab behind the timeline) is built when its tab is
first shown or ``history`` is first asked for, once the window's saved layout
gave the docks their sizes (``build_panels`` builds it at once when there is
none: the first layout takes its size from the panel): its modules and
widgets were ~4 % of the GUI thread's work before the window answers (callgrind),
on every start, for a tab most starts never open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from vidgen_desktop.ui.editor.proxies import ProxyMaker
from vidgen_desktop.ui.jobs import batch_ui, reopen, team_feed
from vidgen_desktop.ui.jobs.qt_queue import QtQueuePanel
from vidgen_desktop.ui.jobs.render_hub import RenderHub
from vidgen_desktop.ui.shell.actions import ActionId
from vidgen_desktop.ui.shell.notify import Notifier

if TYPE_CHECKING:
    from vidgen_desktop.ui.jobs.qt_history import QtHistoryPanel
    from vidgen_desktop.ui.jobs.render_dialog import RenderDialog
    from vidgen_desktop.ui.shell.settings_dialog import SettingsDialog


class RenderUi(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.hub = RenderHub(self)
        self.notifier = Notifier(window)
        self.queue_panel = QtQueuePanel(self.hub, self.notifier)
        self._history: QtHistoryPanel | None = None  # built when first shown (``history``)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.queue_dock = window.add_panel(self.queue_panel, "Render Queue", bottom, scrolls=True)
        self.history_dock = window.add_panel(QWidget(), "Job History", bottom, scrolls=True)
        self.history_dock.visibilityChanged.connect(lambda shown: shown and self.history)
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
        self.queue_panel.job_finished.connect(self._job_finished)
        self.reopener = reopen.JobReopener(window, self.hub)  # the history's Open as Project
        # farm jobs' live progress, with a team backend (None without one)
        self.remote = team_feed.install(self.hub)
        if self.remote is not None:
            self.remote.state_changed.connect(self._remote_state)
        # the queue and the job log (SQLAlchemy, ~300 imports) start once the canvas shows the
        # composition: their imports would hold the GIL while it is built and drawn
        window.first_frame.later(self.hub.start)
        window.first_frame.hold_until(self.hub.ready, self.hub.open_failed)  # then thumbnails

    @property
    def history(self) -> QtHistoryPanel:
        """The Job History panel, built on first use."""
        if self._history is None:
            from vidgen_desktop.ui.jobs.qt_history import QtHistoryPanel

            panel = self._history = QtHistoryPanel(self.hub)
            self.reopener.watch(panel.details)
            scroller = self.history_dock.widget()
            scroller.setWidget(panel)  # in place of the empty one
            scroller.updateGeometry()  # its size hint is the panel's now
            if scroller.isVisible():
                panel.show()
            if self.hub.is_ready:  # it missed ``ready``: the first page now
                panel.refresh()
        return self._history

    def build_panels(self) -> None:
        """Build the Job History now: no saved layout sizes the docks, its size hint will."""
        self.history  # noqa: B018 - built on first use

    def _job_finished(self, *_: object) -> None:
        if self._history is not None:  # one not built yet reads the log when it is
            self._history.refresh()

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
        if self._history is not None:
            self._history.shutdown()
        if self.remote is not None:
            self.remote.shutdown()
        self.hub.shutdown()


def install(window) -> RenderUi:
    renders = RenderUi(window)
    window.batches = batch_ui.install(window, renders)  # Variables panel, Batch Render
    return renders
