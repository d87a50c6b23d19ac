"""The job history panel: search and filter the job log, page through it, act on jobs.

Jobs tab: the filtered table (``JobTableModel``, one page at a time, sorted by
the database), the selected job's details with its step timeline, Retry,
Delete (several at once), Export (CSV or JSON, the whole filtered list).
Analytics tab: jobs per day, success rate, render time against the estimate.
All reads and writes run in the hub's workers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.jobs.states import RETRYABLE, JobStatus
from vidgen_desktop.ui.jobs import batch_history
from vidgen_desktop.ui.jobs.history_details import QtJobDetails
from vidgen_desktop.ui.jobs.history_model import PAGE_SIZE, JobTableModel
from vidgen_desktop.ui.jobs.history_model import Filter as HistoryFilter
from vidgen_desktop.ui.jobs.qt_analytics import QtAnalytics
from vidgen_desktop.ui.jobs.render_hub import RenderHub

SEARCH_DELAY = 250  # ms of typing pause before the search runs
REFRESH_DELAY = 600  # ms: job events arrive in bursts; refresh once after them
RANGES = ("Any time", "Today", "Last 7 days", "Last 30 days", "Between…")


class QtHistoryPanel(QWidget):
    exported = Signal(int, str)  # how many jobs, where
    changed = Signal()  # a retry or delete finished

    def __init__(self, hub: RenderHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_panel")
        self.hub = hub
        self.model = JobTableModel(hub, self)
        self.confirm = self._ask  # replaced in tests
        self._build()
        self.search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY)
        self.search_timer.timeout.connect(self.apply_filter)
        self.refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY)
        self.refresh_timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _: self.search_timer.start())
        self.status_box.currentIndexChanged.connect(lambda _: self.apply_filter())
        self.range_box.currentIndexChanged.connect(self._range_changed)
        self.date_from.dateChanged.connect(lambda _: self.apply_filter())
        self.date_to.dateChanged.connect(lambda _: self.apply_filter())
        self._keep: set = set()  # ids selected before the model was reloaded
        self.model.modelAboutToBeReset.connect(
            lambda: setattr(self, "_keep", {job.id for job in self.selected_jobs()})
        )
        self.model.loaded.connect(self._page_loaded)
        self.model.failed.connect(lambda text: self.page_label.setText(f"Cannot read: {text}"))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        hub.ready.connect(self.refresh)
        hub.open_failed.connect(lambda why: self.page_label.setText(f"Cannot read: {why}"))
        hub.job_event.connect(self._on_event)
        if not hub.is_ready:
            self.page_label.setText("Preparing the job log…")
        self._update_buttons()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("history_search")
        self.search.setPlaceholderText("Search project, job id or error")
        self.search.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        self.status_box.addItem("All statuses", None)
        for status in JobStatus:
            self.status_box.addItem(status.value.capitalize(), status)
        self.range_box = QComboBox()
        self.range_box.addItems(RANGES)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7), calendarPopup=True)
        self.date_to = QDateEdit(today, calendarPopup=True)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setVisible(False)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.status_box)
        filters.addWidget(self.range_box)
        filters.addWidget(self.date_from)
        filters.addWidget(self.date_to)
        self.batch_box = batch_history.box(self.hub)  # "All jobs" or one batch's
        self.batch_box.currentIndexChanged.connect(lambda _: self.apply_filter())
        filters.addWidget(self.batch_box)

        self.table = QTableView()
        self.table.setObjectName("history_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(0, 180)
        header.resizeSection(2, 130)
        header.resizeSection(3, 130)
        self.details = QtJobDetails()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.prev_button = QPushButton("‹ Previous")
        self.next_button = QPushButton("Next ›")
        self.page_label = QLabel()
        self.retry_button = QPushButton("Retry")
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export…")
        self.prev_button.clicked.connect(lambda: self.model.set_page(self.model.page - 1))
        self.next_button.clicked.connect(lambda: self.model.set_page(self.model.page + 1))
        self.retry_button.clicked.connect(self.retry_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export_dialog)
        pager = QHBoxLayout()
        for widget in (self.prev_button, self.page_label, self.next_button, None,
                       self.retry_button, self.delete_button, self.export_button):  # fmt: skip
            pager.addWidget(widget) if widget else pager.addStretch(1)

        jobs = QWidget()
        column = QVBoxLayout(jobs)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(filters)
        column.addWidget(split, 1)
        column.addLayout(pager)
        self.analytics = QtAnalytics(self.hub)
        self.tabs = QTabWidget()
        self.tabs.addTab(jobs, "Jobs")
        self.tabs.addTab(self.analytics, "Analytics")
        # the analytics view reads the log whenever it is shown (QtAnalytics.showEvent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.tabs)

    # -- filtering -----------------------------------------------------------------------------

    def current_filter(self) -> HistoryFilter:
        status = self.status_box.currentData()
        start = end = None
        today = dt.date.today()
        choice = self.range_box.currentIndex()
        if choice == 1:
            start = today
        elif choice in (2, 3):
            start = today - dt.timedelta(days=6 if choice == 2 else 29)
        elif choice == 4:
            start = self.date_from.date().toPython()
            end = self.date_to.date().toPython() + dt.timedelta(days=1)  # the whole last day
        return HistoryFilter(
            search=self.search.text().strip(), statuses=(status,) if status else (),
            created_from=_utc(start), created_to=_utc(end), batch_id=self.batch_box.currentData(),
        )  # fmt: skip

    def apply_filter(self) -> None:
        self.search_timer.stop()
        self.model.set_filter(self.current_filter())

    def _range_changed(self, index: int) -> None:
        for edit in (self.date_from, self.date_to):
            edit.setVisible(index == 4)
        self.apply_filter()

    def refresh(self) -> None:
        self.model.refresh()
        batch_history.reload(self.batch_box, self.hub)
        if self.tabs.currentIndex() == 1:
            self.analytics.refresh()

    def _on_event(self, event) -> None:
        if event.kind == "status":
            self.refresh_timer.start()  # a burst of them: once, after it
        elif not self.refresh_timer.isActive():
            # progress comes steadily while a job runs: read at most once per delay, so
            # the table and the details follow it as the queue panel does
            self.refresh_timer.start()

    def _page_loaded(self) -> None:
        m = self.model
        first = m.page * PAGE_SIZE + 1 if m.total else 0
        last = m.page * PAGE_SIZE + len(m.rows)
        self.page_label.setText(
            f"Page {m.page + 1} of {m.pages} · {first}–{last} of {m.total} jobs"
        )
        self.prev_button.setEnabled(m.page > 0)
        self.next_button.setEnabled(m.page + 1 < m.pages)
        # a reload (a job ended, the log opened) keeps what the designer had selected
        keep, self._keep = self._keep, set()
        chosen = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row, job in enumerate(m.rows):
            if job.id in keep:
                chosen.select(m.index(row, 0), flags)
        self._selection_changed()

    # -- selection and actions -----------------------------------------------------------------

    def selected_jobs(self) -> list:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.job(r) for r in rows if r < len(self.model.rows)]

    def _selection_changed(self, *_: object) -> None:
        jobs = self.selected_jobs()
        self.details.show_job(self.hub, jobs[0].id if len(jobs) == 1 else None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        jobs = self.selected_jobs()
        self.retry_button.setEnabled(bool(jobs) and all(j.status in RETRYABLE for j in jobs))
        self.delete_button.setEnabled(bool(jobs))
        self.delete_button.setText(f"Delete {len(jobs)}" if len(jobs) > 1 else "Delete")

    def _done(self, _result, error: BaseException | None) -> None:
        if error is not None:
            QMessageBox.warning(self, "Job history", str(error))
        self.changed.emit()
        self.refresh()

    def retry_selected(self) -> None:
        jobs = [j for j in self.selected_jobs() if j.status in RETRYABLE]
        if jobs:
            self.hub.call(lambda s: [s.retry(j.id) for j in jobs], self._done)

    def delete_selected(self) -> None:
        jobs = self.selected_jobs()
        if not jobs:
            return
        what = f"{len(jobs)} jobs" if len(jobs) > 1 else f"the job “{jobs[0].project_name}”"
        if not self.confirm(f"Delete {what} from the history? Rendered files are kept."):
            return
        self.hub.delete([j.id for j in jobs], self._done)

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Delete jobs", text)
        return answer == QMessageBox.StandardButton.Yes

    def export_dialog(self) -> None:
        default = str(Path.home() / "vidgen-jobs.csv")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export jobs", default, "CSV (*.csv);;JSON (*.json)"
        )
        if path:
            fmt = "json" if path.lower().endswith(".json") or "JSON" in chosen else "csv"
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        """Write every job the filter matches (not just this page) to ``path``, off-thread."""
        query = self.model.export_query()

        def done(count, error: BaseException | None) -> None:
            if error is not None:
                QMessageBox.warning(self, "Export", f"The jobs could not be exported: {error}")
                return
            self.exported.emit(count, str(path))

        self.hub.call(lambda s: s.store.export(path, fmt, query=query, include_timeline=True), done)

    def shutdown(self) -> None:
        self.search_timer.stop()
        self.refresh_timer.stop()


def _utc(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)
