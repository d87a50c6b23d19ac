"""The selected job in the history: what it was, how it went, its step timeline, and its shares.

Every link made to the job (``url_access_logs``, ``created``) is listed with
its expiry; Share makes a new one, Re-issue a new one like the selected
(same length), both through ``share_ui``. With a share server set, the
server's tracked links are listed under them, with Revoke (``server_links``).
"""

from __future__ import annotations

import html
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.ui.jobs import jobtext, share_ui
from vidgen_desktop.ui.jobs.server_links import QtServerLinks

STEP_COLUMNS = ("Step", "Status", "Started", "Took", "CPU", "Peak memory", "Details")
ERROR_COLUMNS = ("When", "Try", "Step", "Error", "Kind", "What was done", "Message")
SHARE_COLUMNS = ("Shared", "Expiry", "Link (without its signature)")
_IN_CHUNK_TEXT = {"parent", "index", "count", "first", "end", "worker"}  # a chunk row's name


class QtJobDetails(QWidget):
    open_requested = Signal(object)  # a job id: Open as Project (ui.jobs.reopen answers it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id: uuid.UUID | None = None
        self.summary = QLabel("Select a job to see its steps.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(self.summary.textFormat().RichText)
        self.steps = QTreeWidget()
        self.steps.setObjectName("history_steps")
        self.steps.setHeaderLabels(STEP_COLUMNS)
        self.steps.setRootIsDecorated(False)
        header = self.steps.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.errors_label = QLabel("Errors")
        self.errors = QTreeWidget()  # the error log: each failed attempt, what was done
        self.errors.setObjectName("history_errors")
        self.errors.setHeaderLabels(ERROR_COLUMNS)
        self.errors.setRootIsDecorated(False)
        header = self.errors.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.shares = QTreeWidget()
        self.shares.setObjectName("history_shares")
        self.shares.setHeaderLabels(SHARE_COLUMNS)
        self.shares.setRootIsDecorated(False)
        self.shares.setMaximumHeight(110)
        self.shares.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.shares.itemSelectionChanged.connect(self._update_buttons)
        self.share_button = QPushButton("Share…")
        self.share_button.setObjectName("history_share")
        self.share_button.clicked.connect(lambda: self.share())
        self.reissue_button = QPushButton("Re-issue Link")
        self.reissue_button.setObjectName("history_reissue")
        self.reissue_button.clicked.connect(self.reissue)
        self.hub = None
        self.job = None
        self.links: list = []
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reissue_button)
        row.addWidget(self.share_button)
        self.open_button = QPushButton("Open as Project")
        self.open_button.setObjectName("history_open_project")
        self.open_button.setToolTip(
            "Rebuild the project this job rendered, finding moved media by their content"
        )
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.job_id))
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        column.addWidget(self.steps, 2)
        column.addWidget(self.errors_label)
        column.addWidget(self.errors, 1)
        column.addWidget(self.shares)
        column.addLayout(row)
        self.server_links = QtServerLinks()
        column.addWidget(self.server_links)
        self._show_errors([])
        self._update_buttons()

    def _update_buttons(self) -> None:
        done = self.job is not None and str(self.job.status) == "completed"
        self.share_button.setEnabled(done)
        self.reissue_button.setEnabled(done and bool(self.shares.selectedItems()))

    def share(self, expiry: str | None = None):
        if self.job is None or self.hub is None:
            return None
        dialog = share_ui.share_job(self.window(), self.hub, self.job.id,
                                    self.job.project_name, expiry=expiry)  # fmt: skip
        dialog.finished.connect(lambda *_: self.show_job(self.hub, self.job_id))
        return dialog

    def reissue(self):
        """A new link like the selected one: the same length (public stays public)."""
        items = self.shares.selectedItems()
        if not items:
            return None
        link = self.links[self.shares.indexOfTopLevelItem(items[0])]
        return self.share(expiry=_expiry_of(link))

    def show_job(self, hub, job_id: uuid.UUID | None) -> None:
        self.job_id, self.hub = job_id, hub
        self.open_button.setEnabled(job_id is not None)
        if job_id is None:
            self.summary.setText("Select a job to see its steps.")
            self.steps.clear()
            self._show_errors([])
            self.shares.clear()
            self.job = None
            self.server_links.show_job(hub, None)
            self._update_buttons()
            return

        def read(service):
            store = service.store
            job, steps = store.jobs.get(job_id), store.timeline.steps(job_id)
            made = [r for r in store.storage_log.links(job_id) if r.action == "created"]
            return job, steps, store.errors.list(job_id=job_id), made

        hub.call(read, lambda result, error: self._shown(job_id, result, error))

    def _shown(self, job_id: uuid.UUID, result, error: BaseException | None) -> None:
        if job_id != self.job_id:
            return  # another job was selected meanwhile
        self.steps.clear()
        if error is not None:
            self.summary.setText(html.escape(str(error)))
            return
        job, steps, errors, self.links = result
        self.job = job
        self.shares.clear()
        for link in self.links:
            self.shares.addTopLevelItem(QTreeWidgetItem([
                jobtext.local_time(link.accessed_at),
                share_ui.expires_text(link.expires_at), link.url,
            ]))  # fmt: skip
        self._update_buttons()
        self.server_links.show_job(self.hub, job)
        e = html.escape
        lines = [
            f"<b>{e(job.project_name or 'Untitled')}</b> · "
            f"<span style='color:{jobtext.STATUS_COLOR.get(str(job.status), '')}'>"
            f"{e(jobtext.status_text(str(job.status)))}</span>",
            f"Job {job.id}",
            f"Estimate {jobtext.seconds_text(job.estimated_seconds) or '—'}, "
            f"took {jobtext.seconds_text(job.actual_seconds) or '—'}",
        ]
        if job.route_reason:
            lines.append(f"Route: {e(job.route_reason)}")
        if job.output_path:
            lines.append(f"Output: {e(job.output_path)}")
        if job.made_with:
            made = job.made_with
            lines.append(f"Made with Vidgen {e(str(made.get('vidgen')))}, "
                         f"FFmpeg {e(str(made.get('ffmpeg')))}")  # fmt: skip
        if job.error_message:
            lines.append(f"<span style='color:#e03131'>{e(job.error_message)}</span>")
        self.summary.setText("<br>".join(lines))
        items: dict[str, QTreeWidgetItem] = {}
        for step in steps:
            chunk = step.step == "render_chunk" and (step.details or {}).get("parent") in items
            shown = {k: v for k, v in (step.details or {}).items() if k not in _IN_CHUNK_TEXT}
            details = step.error_message or _details(shown if chunk else step.details)
            item = QTreeWidgetItem([
                jobtext.chunk_text(step.details) if chunk
                else jobtext.step_text(step.step) if step.status != "note" else "note",
                step.status,
                jobtext.local_time(step.started_at),
                jobtext.seconds_text(step.duration_seconds),
                _cpu(step),
                f"{step.memory_mb:.0f} MB" if step.memory_mb is not None else "",
                details,
            ])  # fmt: skip
            item.setToolTip(6, details)
            if step.cpu_percent is not None:
                item.setToolTip(4, "average CPU use of FFmpeg (100 % = one core)")
            if chunk:  # a chunk of a chunked render: under its render step
                items[step.details["parent"]].addChild(item)
                items[step.details["parent"]].setExpanded(True)
                self.steps.setRootIsDecorated(True)
            else:
                items[str(step.id)] = item
                self.steps.addTopLevelItem(item)
        self._show_errors(errors)

    def _show_errors(self, errors: list) -> None:
        self.errors.clear()
        self.errors_label.setText(f"Errors ({len(errors)})" if errors else "No errors logged")
        self.errors.setVisible(bool(errors))
        for row in errors:
            wait = f" after {row.retry_after_seconds:.0f} s" if row.retry_after_seconds else ""
            item = QTreeWidgetItem([
                jobtext.local_time(row.created_at), str(row.attempt),
                jobtext.step_text(row.step) if row.step else "",
                row.error_code, f"{row.error_class} · {row.severity}",
                STRATEGY_TEXT.get(row.strategy, row.strategy) + wait, row.message,
            ])  # fmt: skip
            tip = row.message + (f"\n\n{row.detail}" if row.detail else "")  # FFmpeg's stderr
            for index in range(len(ERROR_COLUMNS)):
                item.setToolTip(index, tip + (f"\n\nworker {row.worker}" if row.worker else ""))
            self.errors.addTopLevelItem(item)


STRATEGY_TEXT = {"retry": "retried", "skip_worker": "left to another worker", "fail": "failed"}


def _cpu(step) -> str:
    if step.cpu_percent is None:
        return ""
    seconds = (step.details or {}).get("cpu_seconds")
    return f"{step.cpu_percent:.0f} %" + (f" ({seconds:.1f} s)" if seconds is not None else "")


def _expiry_of(link) -> str:
    """The expiry choice a logged link was made with (its length, to the nearest choice)."""
    if link.expires_at is None:
        return "public"
    seconds = (link.expires_at - link.accessed_at).total_seconds()
    from vidgen_desktop.storage import share  # the storage package: not at start-up

    timed = [e for e in share.EXPIRIES if e.seconds is not None]
    return min(timed, key=lambda e: abs(e.seconds - seconds)).code


def _details(details: dict | None) -> str:
    if not details:
        return ""
    if "message" in details:
        return str(details["message"])
    shown = []
    for key, value in details.items():
        if isinstance(value, dict | list) or key in ("cpu_seconds", "peak_memory_mb"):
            continue  # the CPU and memory columns show those
        if isinstance(value, float):
            value = f"{value:.3g}"
        shown.append(f"{key}={value}")
    return ", ".join(shown)
