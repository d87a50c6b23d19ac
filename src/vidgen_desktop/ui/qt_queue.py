"""The render queue panel: every active and waiting job, and the last few that finished.

Rows follow the job service's events (through ``RenderHub.job_event``, on the
GUI thread): a progress bar, the current step and the time left. A job the
panel has not seen yet (queued from the dialog, or by ``vidgen submit`` in a
terminal… once it reports here) is read from the log in the background and
added. The buttons act on the selected job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.jobs.events import JobEvent
from vidgen_desktop.jobs.states import ACTIVE, CANCELLABLE, RETRYABLE, JobStatus
from vidgen_desktop.ui import files, jobtext
from vidgen_desktop.ui.notify import Notifier
from vidgen_desktop.ui.render_hub import RenderHub

COLUMNS = ("Job", "Status", "Step", "Progress", "Time left")
C_NAME, C_STATUS, C_STEP, C_PROGRESS, C_ETA = range(len(COLUMNS))
KEEP_FINISHED = 20  # finished rows kept before the oldest are dropped


@dataclass
class Row:
    job_id: uuid.UUID
    item: QTreeWidgetItem
    bar: QProgressBar
    status: str = "pending"
    name: str = ""
    output_path: str | None = None
    output_url: str | None = None
    error: str | None = None
    notified: set[str] = field(default_factory=set)


class QtQueuePanel(QWidget):
    """Jobs in flight, with cancel, retry, open, show in folder and copy link."""

    job_finished = Signal(object, str)  # job id, final status

    def __init__(self, hub: RenderHub, notifier: Notifier, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("queue_panel")
        self.hub, self.notifier = hub, notifier
        self.rows: dict[uuid.UUID, Row] = {}
        self._fetching: set[uuid.UUID] = set()
        self.job_source = hub.job  # (job_id, callback): farm jobs are read from the team log
        self.tree = QTreeWidget()
        self.tree.setObjectName("queue_tree")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(C_NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((C_STATUS, 90), (C_STEP, 110), (C_PROGRESS, 140), (C_ETA, 90)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())

        self.cancel_button = self._button("Cancel", self.cancel_selected)
        self.retry_button = self._button("Retry", self.retry_selected)
        self.open_button = self._button("Open", self.open_selected)
        self.folder_button = self._button("Show in Folder", self.show_selected)
        self.link_button = self._button("Copy Link", self.copy_link)
        buttons = QHBoxLayout()
        for button in (self.cancel_button, self.retry_button, None, self.open_button,
                       self.folder_button, self.link_button):  # fmt: skip
            buttons.addWidget(button) if button else buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.tree, 1)
        column.addLayout(buttons)
        hub.job_event.connect(self.on_event)
        hub.ready.connect(self.reload)
        self._update_buttons()

    @staticmethod
    def _button(text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"queue_{text.lower().replace(' ', '_')}")
        button.clicked.connect(slot)
        return button

    # -- rows ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self.hub.queue_jobs(self._loaded)

    def _loaded(self, jobs, error: BaseException | None) -> None:
        if error is None:
            for job in jobs:
                self.put(job)

    def progress_bar(self, job_id: uuid.UUID) -> QProgressBar | None:
        row = self.rows.get(job_id)
        return row.bar if row else None

    def status_of(self, job_id: uuid.UUID) -> str | None:
        row = self.rows.get(job_id)
        return row.status if row else None

    def _row(self, job_id: uuid.UUID) -> Row:
        row = self.rows.get(job_id)
        if row is None:
            item = QTreeWidgetItem([str(job_id)[:8], "", "", "", ""])
            item.setData(C_NAME, Qt.ItemDataRole.UserRole, job_id)
            self.tree.insertTopLevelItem(0, item)  # newest (and running) work on top
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setTextVisible(True)
            bar.setMaximumHeight(16)
            self.tree.setItemWidget(item, C_PROGRESS, bar)
            row = self.rows[job_id] = Row(job_id=job_id, item=item, bar=bar)
            self._prune()
        return row

    def put(self, job) -> None:
        """Show a job record (from the log) as it is now."""
        row = self._row(job.id)
        row.name = job.project_name or "Untitled"
        row.output_path, row.output_url = job.output_path, job.output_url
        row.error = job.error_message
        row.item.setText(C_NAME, row.name)
        row.item.setToolTip(C_NAME, f"{row.name}\n{job.id}\n{job.output_path or ''}")
        self._set_status(row, str(job.status))
        if job.current_step and row.status in ACTIVE:
            row.item.setText(C_STEP, jobtext.step_text(job.current_step))
        row.bar.setValue(round((job.progress or 0) * 100) if row.status != "completed" else 100)
        self._update_buttons()

    def _set_status(self, row: Row, status: str) -> None:
        row.status = status
        row.item.setText(C_STATUS, jobtext.status_text(status))
        row.item.setForeground(C_STATUS, QColor(jobtext.STATUS_COLOR.get(status, "#8a8f98")))
        if status not in ACTIVE:
            row.item.setText(C_STEP, "")
            row.item.setText(C_ETA, "")
        if status == "failed" and row.error:
            row.item.setToolTip(C_STATUS, row.error)
        if status == "completed":
            row.bar.setValue(100)
        # a bar stuck at some % for a job that ended otherwise reads as "still going"
        row.bar.setFormat("—" if status in ("failed", "cancelled") else "%p%")
        if status in ("failed", "cancelled"):
            row.bar.setValue(0)

    def _prune(self) -> None:
        finished = [r for r in self.rows.values() if r.status not in ACTIVE]
        for row in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(row.item))
            del self.rows[row.job_id]

    def _fetch(self, job_id: uuid.UUID, then_notify: bool = False) -> None:
        if job_id in self._fetching:
            return
        self._fetching.add(job_id)

        def done(job, error: BaseException | None) -> None:
            self._fetching.discard(job_id)
            if error is not None:  # deleted meanwhile
                return
            self.put(job)
            if then_notify:
                self._notify(self.rows[job_id])

        self.job_source(job_id, done)

    # -- events --------------------------------------------------------------------------------

    def on_event(self, event: JobEvent) -> None:
        row = self.rows.get(event.job_id)
        if row is None:
            self._row(event.job_id)
            row = self.rows[event.job_id]
            if event.status:
                self._set_status(row, event.status)
            self._fetch(event.job_id, then_notify=event.status in ("completed", "failed"))
            return
        if event.kind == "status" and event.status:
            self._set_status(row, event.status)
            if event.status in ("completed", "failed", "cancelled", "queued"):
                # the log has the output path and the error; notify once it is read
                self._fetch(event.job_id, then_notify=event.status in ("completed", "failed"))
            self._update_buttons()
        elif event.kind == "step" and event.step:
            row.item.setText(C_STEP, jobtext.step_text(event.step))
        elif event.kind == "progress" and event.progress is not None:
            if row.status not in ACTIVE:
                return  # a late progress report after the end
            row.bar.setValue(round(event.progress * 100))
            row.item.setText(C_STEP, jobtext.step_text(event.step or "render"))
            row.item.setText(C_ETA, jobtext.about(event.eta) if event.eta is not None else "")

    def _notify(self, row: Row) -> None:
        if row.status in row.notified or row.status not in ("completed", "failed"):
            return
        row.notified.add(row.status)
        if row.status == "completed":
            self.notifier.notify("Render finished", f"{row.name}: {row.output_path or ''}")
        else:
            self.notifier.notify("Render failed", f"{row.name}: {row.error or ''}", error=True)
        self.job_finished.emit(row.job_id, row.status)

    # -- actions -------------------------------------------------------------------------------

    def selected(self) -> Row | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        return self.rows.get(items[0].data(C_NAME, Qt.ItemDataRole.UserRole))

    def select(self, job_id: uuid.UUID) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            self.tree.setCurrentItem(row.item)

    def _update_buttons(self) -> None:
        row = self.selected()
        status = JobStatus(row.status) if row else None
        done = row is not None and row.status == "completed"
        # a farm job's output is in team storage (s3://…): a link to copy, no file to open
        here = done and bool(row.output_path) and "://" not in row.output_path
        self.cancel_button.setEnabled(status in CANCELLABLE)
        self.retry_button.setEnabled(status in RETRYABLE)
        self.open_button.setEnabled(here)
        self.folder_button.setEnabled(here)
        self.link_button.setEnabled(done and bool(row.output_url or row.output_path))

    def _report(self, _result, error: BaseException | None) -> None:
        if error is not None:
            self.notifier.window.statusBar().showMessage(str(error), 8000)

    def cancel_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.hub.cancel(row.job_id, self._report)

    def retry_selected(self) -> None:
        row = self.selected()
        if row is not None:
            row.notified.clear()
            row.bar.setValue(0)
            self.hub.retry(row.job_id, self._report)

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None and row.status == "completed" and row.output_path:
            files.open_file(row.output_path)

    def show_selected(self) -> None:
        row = self.selected()
        if row is not None and row.output_path:
            files.show_in_folder(row.output_path)

    def copy_link(self) -> None:
        row = self.selected()
        link = files.share_link(row.output_path, row.output_url) if row else None
        if link:
            files.copy_text(link)
            self.notifier.window.statusBar().showMessage(f"Copied {link}", 4000)
            self.hub.link_copied(row.job_id, link, self._report)
