"""The render queue panel: every active and waiting job, and the last few that finished.

Rows follow the job service's events (through ``RenderHub.job_event``, on the
GUI thread): a progress bar, the current step and the time left. They also
follow the job log itself, read once a second in the background: a job
queued, retried, run or cancelled by another process (``vidgen submit``,
``vidgen queue run``, ``vidgen jobs retry`` in a terminal) or left from the last
session shows as it is in the log. A record read from the log moves a row
only if it is newer than the one it shows, so a slow read never takes a row
back (a retried job does not say "Failed" again). A farm job's row is the
laptop's mirror of it (``store.team.mirror``), read from the same log: its
live progress arrives as the hub's events once ``team_feed`` has pulled it.
The time left is FFmpeg's (or the rate of the farm's progress) while it
reports one, else what the estimate leaves. The buttons act on the selected
job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
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
from vidgen_desktop.ui.jobs import batch_queue, jobtext, share_ui
from vidgen_desktop.ui.jobs.render_hub import RenderHub
from vidgen_desktop.ui.shell import files
from vidgen_desktop.ui.shell.notify import Notifier

COLUMNS = ("Job", "Status", "Step", "Progress", "Time left")
C_NAME, C_STATUS, C_STEP, C_PROGRESS, C_ETA = range(len(COLUMNS))
KEEP_FINISHED = 20  # finished rows kept before the oldest are dropped
FOLLOW_INTERVAL = 1000  # ms between reads of the job log (reads only: idle means no writes)


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
    updated_at: dt.datetime | None = None  # of the newest log record shown
    event_read: int = 0  # reads started up to the row's last status event: older than it
    estimate: float | None = None  # seconds the render was estimated to take
    progress: float = 0.0
    eta: float | None = None  # FFmpeg's (or the farm feed's) seconds left, when it gave one


class QtQueuePanel(QWidget):
    """Jobs in flight, with cancel, retry, open, show in folder and copy link."""

    job_finished = Signal(object, str)  # job id, final status

    def __init__(self, hub: RenderHub, notifier: Notifier, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("queue_panel")
        self.hub, self.notifier = hub, notifier
        self.rows: dict[uuid.UUID, Row] = {}
        self._fetching: set[uuid.UUID] = set()
        # jobs asked for again while a read of them was in flight: read once more after it
        # (the "then notify" wish of the asks, or-ed), or a status event that came meanwhile
        # would make that read stale and the row would never get the job's estimate
        self._fetch_again: dict[uuid.UUID, bool] = {}
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
        self.link_button = self._button("Share…", self.share_selected)
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
        self._reading = False
        self._reads = 0  # reads of the log started so far (a read's number: when it started)
        self.follow_timer = QTimer(self, interval=FOLLOW_INTERVAL)
        self.follow_timer.timeout.connect(self._follow)
        hub.ready.connect(self.follow_timer.start)
        self._update_buttons()

    @staticmethod
    def _button(text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"queue_{text.lower().replace(' ', '_')}")
        button.clicked.connect(slot)
        return button

    # -- rows ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self._reading = True
        self._reads += 1
        read = self._reads
        self.hub.queue_jobs(lambda jobs, error: self._loaded(jobs, error, read))

    def _follow(self) -> None:
        """Read the log again unless a read is still on its way (a busy disk, a long query)."""
        if not self._reading and self.hub.is_ready:
            self.reload()

    def _loaded(self, jobs, error: BaseException | None, read: int | None = None) -> None:
        self._reading = False
        if error is None:
            for job in jobs:
                had = self.rows.get(job.id)
                before = had.status if had else None
                self.put(job, read)
                row = self.rows.get(job.id)
                if row is not None and before in ACTIVE and row.status != before:
                    self._notify(row)  # it ended elsewhere (another process, the farm)

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

    def put(self, job, read: int | None = None) -> None:
        """Show a job record (from the log) as it is now, unless the row shows a newer one.

        ``read``: the number of the read that brought it; a read started before the
        row's last status event is older than what the row shows.
        """
        row = self._row(job.id)
        updated = getattr(job, "updated_at", None)
        if read is not None and read <= row.event_read:
            return  # started before the event the row already shows
        if updated is not None and row.updated_at is not None and updated <= row.updated_at:
            return  # no newer than the record shown (a lagging copy: the team database)
        row.updated_at = updated
        row.estimate = getattr(job, "estimated_seconds", None)
        row.name = job.project_name or "Untitled"
        row.output_path, row.output_url = job.output_path, job.output_url
        row.error = job.error_message
        row.item.setText(C_NAME, row.name)
        row.item.setToolTip(C_NAME, f"{row.name}\n{job.id}\n{job.output_path or ''}")
        self._set_status(row, str(job.status))
        if job.current_step and row.status in ACTIVE:
            row.item.setText(C_STEP, jobtext.step_text(job.current_step))
        row.progress = job.progress or 0.0
        row.bar.setValue(round(row.progress * 100) if row.status != "completed" else 100)
        self._show_eta(row)
        batch_queue.group(self, row, job)  # a batch's job: under its batch's row
        self._update_buttons()

    def _show_eta(self, row: Row) -> None:
        """Time left of a running job: FFmpeg's figure, else the estimate less what is done."""
        if row.status != "processing":
            row.item.setText(C_ETA, "")
            return
        left = row.eta
        if left is None and row.estimate is not None:
            left = row.estimate * (1.0 - min(1.0, row.progress))
        row.item.setText(C_ETA, jobtext.about(left))

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
        finished = [r for r in self.rows.values() if r.status not in ACTIVE and not r.item.parent()]
        for row in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(row.item))
            del self.rows[row.job_id]

    def _fetch(self, job_id: uuid.UUID, then_notify: bool = False) -> None:
        if job_id in self._fetching:
            self._fetch_again[job_id] = self._fetch_again.get(job_id, False) or then_notify
            return
        self._fetching.add(job_id)
        self._reads += 1
        read = self._reads

        def done(job, error: BaseException | None) -> None:
            self._fetching.discard(job_id)
            again = self._fetch_again.pop(job_id, None)
            if error is not None:  # deleted meanwhile
                return
            self.put(job, read)
            if then_notify:
                self._notify(self.rows[job_id])
            if again is not None:
                self._fetch(job_id, then_notify=again)

        self.hub.job(job_id, done)  # the local log, a farm job's mirror too

    # -- events --------------------------------------------------------------------------------

    def on_event(self, event: JobEvent) -> None:
        row = self.rows.get(event.job_id)
        details = (event.details or {}) if event.kind == "status" else {}
        estimated = details.get("estimated_seconds")
        if estimated is not None:  # the time left shows from the start, before the read lands
            self._row(event.job_id).estimate = estimated
        if row is None:
            self._row(event.job_id)
            row = self.rows[event.job_id]
            if event.status:
                self._set_status(row, event.status)
                row.event_read = self._reads
                self._show_eta(row)
            self._fetch(event.job_id, then_notify=event.status in ("completed", "failed"))
            return
        if event.kind == "status" and event.status:
            self._set_status(row, event.status)
            row.event_read, row.eta = self._reads, None
            self._show_eta(row)
            if event.status in ("completed", "failed", "cancelled", "queued"):
                # the log has the output path and the error; notify once it is read
                self._fetch(event.job_id, then_notify=event.status in ("completed", "failed"))
            self._update_buttons()
        elif event.kind == "step" and event.step:
            row.item.setText(C_STEP, jobtext.step_text(event.step))
        elif event.kind == "progress" and event.progress is not None:
            if row.status not in ACTIVE:
                return  # a late progress report after the end
            row.progress, row.eta = event.progress, event.eta
            row.bar.setValue(round(event.progress * 100))
            row.item.setText(C_STEP, jobtext.step_text(event.step or "render"))
            self._show_eta(row)

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
        # a farm job's render is downloaded into the output folder (now, if not yet)
        here = done and bool(row.output_path) and "://" not in row.output_path
        self.cancel_button.setEnabled(status in CANCELLABLE)
        self.retry_button.setEnabled(status in RETRYABLE)
        self.open_button.setEnabled(here)
        self.folder_button.setEnabled(here)
        self.link_button.setEnabled(done)
        batch_queue.update_buttons(self)  # a batch's row: Cancel and Retry act on all of it

    def _report(self, _result, error: BaseException | None) -> None:
        if error is not None:
            self.notifier.window.statusBar().showMessage(str(error), 8000)

    def cancel_selected(self) -> None:
        if batch_queue.act(self, "cancel"):
            return
        row = self.selected()
        if row is not None:
            self.hub.cancel(row.job_id, self._report)

    def retry_selected(self) -> None:
        if batch_queue.act(self, "retry"):
            return
        row = self.selected()
        if row is not None:
            row.notified.clear()
            row.bar.setValue(0)
            self.hub.retry(row.job_id, self._report)

    def _say(self, text: str) -> None:
        self.notifier.window.statusBar().showMessage(text, 8000)

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None and row.status == "completed" and row.output_path:
            share_ui.open_output(self.hub, row.job_id, row.output_path, files.open_file, self._say)

    def show_selected(self) -> None:
        row = self.selected()
        if row is not None and row.output_path:
            share_ui.open_output(self.hub, row.job_id, row.output_path, files.show_in_folder,
                                 self._say)  # fmt: skip

    def share_selected(self) -> Any:
        """Share the selected render (a link with the expiry the designer picks)."""
        row = self.selected()
        if row is not None and row.status == "completed":
            return share_ui.share_job(self.window(), self.hub, row.job_id, row.name)
        return None
