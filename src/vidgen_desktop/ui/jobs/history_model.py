"""The job history as a Qt table model: one page of the job log at a time.

A thin adapter over ``store`` queries (``JobQuery``): the model holds the
current page (``PAGE_SIZE`` rows) and the number of matching jobs, never the
whole log. Every read runs in the hub's workers; an answer to an older
request (the filter changed meanwhile) is dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.ui.jobs import jobtext
from vidgen_desktop.ui.jobs.render_hub import RenderHub

if TYPE_CHECKING:
    from vidgen_desktop.store import JobQuery

PAGE_SIZE = 50  # jobs per page

# (record field, header, sortable in the database)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("project_name", "Project", True),
    ("status", "Status", True),
    ("created_at", "Created", True),
    ("completed_at", "Finished", True),
    ("estimated_seconds", "Estimate", False),
    ("actual_seconds", "Took", False),
    ("response_type", "Route", False),
    ("output_path", "Output", False),
)
Index = QModelIndex | QPersistentModelIndex


@dataclasses.dataclass(frozen=True)
class Filter:
    search: str = ""
    statuses: tuple[JobStatus, ...] = ()
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    batch_id: Any = None  # a batch's id: only its jobs


class JobTableModel(QAbstractTableModel):
    loaded = Signal()  # a page arrived (rows, total and page are current)
    failed = Signal(str)

    def __init__(self, hub: RenderHub, parent=None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.filter = Filter()
        self.order_by = "created_at"
        self.descending = True
        self.page = 0
        self.rows: list[Any] = []  # JobRecords of this page
        self.total = 0
        self._token = 0
        self.loading = False

    # -- queries -------------------------------------------------------------------------------

    def _query_fields(self) -> dict[str, Any]:
        f = self.filter
        return dict(
            statuses=f.statuses, created_from=f.created_from, created_to=f.created_to,
            search=f.search, order_by=self.order_by, descending=self.descending,
            batch_id=f.batch_id,
            limit=PAGE_SIZE, offset=self.page * PAGE_SIZE,
        )  # fmt: skip

    def query(self) -> JobQuery:
        from vidgen_desktop.store import JobQuery

        return JobQuery(**self._query_fields())

    def export_query(self) -> JobQuery:
        """Every job the filter matches, in the table's order (for export)."""
        return dataclasses.replace(self.query(), limit=None, offset=0)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    def set_filter(self, new: Filter) -> None:
        if new != self.filter:
            self.filter = new
            self.page = 0
            self.refresh()

    def set_page(self, page: int) -> None:
        page = max(0, min(page, self.pages - 1))
        if page != self.page:
            self.page = page
            self.refresh()

    def refresh(self) -> None:
        self._token += 1
        if not self.hub.is_ready and self.hub.open_error is None:
            return  # the log is not open yet: the panel refreshes on ``hub.ready``
        token, fields = self._token, self._query_fields()
        self.loading = True

        def work(service: Any) -> tuple[list[Any], int]:
            # the store (SQLAlchemy, Alembic: ~0.9 s to import) loads here, in a worker,
            # never on the GUI thread while the window is being built
            from vidgen_desktop.store import JobQuery

            query = JobQuery(**fields)
            jobs = service.store.jobs
            return jobs.list(query), jobs.count(query)

        self.hub.call(work, lambda result, error: self._loaded(token, result, error))

    def _loaded(self, token: int, result, error: BaseException | None) -> None:
        if token != self._token:
            return  # the filter or page changed since
        self.loading = False
        if error is not None:
            self.failed.emit(str(error))
            return
        rows, total = result
        if total == self.total and [j.id for j in rows] == [j.id for j in self.rows]:
            self.rows = rows  # the same jobs, newer: the selection and current row stay put
            if rows:
                last = self.index(len(rows) - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            self.loaded.emit()
            return
        self.beginResetModel()
        self.rows, self.total = rows, total
        self.endResetModel()
        if not rows and total and self.page > 0:  # the page emptied (deletes): step back
            self.set_page(self.pages - 1)
            return
        self.loaded.emit()

    def job(self, row: int) -> Any:
        return self.rows[row]

    # -- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self.rows[index.row()]
        name = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(job, name)
        if role == Qt.ItemDataRole.ForegroundRole and name == "status":
            return QColor(jobtext.STATUS_COLOR.get(str(job.status), "#8a8f98"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == "status" and job.error_message:
                return job.error_message
            if name == "output_path":
                return job.output_path
            return str(job.id)
        if role == Qt.ItemDataRole.UserRole:
            return job.id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        name, _, sortable = COLUMNS[column]
        if not sortable:
            return
        self.order_by = name
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.page = 0
        self.refresh()


def _display(job: Any, name: str) -> str:
    value = getattr(job, name)
    if name == "status":
        return jobtext.status_text(str(value))
    if name in ("created_at", "completed_at"):
        return jobtext.local_time(value)
    if name in ("estimated_seconds", "actual_seconds"):
        return jobtext.seconds_text(value)
    if name == "response_type":
        return {"immediate": "now", "async": "queue"}.get(value or "", value or "")
    if name == "output_path":
        return value.rsplit("/", 1)[-1] if value else ""
    return "" if value is None else str(value)
