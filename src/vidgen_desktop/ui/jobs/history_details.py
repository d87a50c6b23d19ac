"""The selected job in the history: what it was, how it went, and its step timeline."""

from __future__ import annotations

import html
import uuid

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.ui.jobs import jobtext

STEP_COLUMNS = ("Step", "Status", "Started", "Took", "Details")
_IN_CHUNK_TEXT = {"parent", "index", "count", "first", "end", "worker"}  # a chunk row's name


class QtJobDetails(QWidget):
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
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.steps, 1)

    def show_job(self, hub, job_id: uuid.UUID | None) -> None:
        self.job_id = job_id
        if job_id is None:
            self.summary.setText("Select a job to see its steps.")
            self.steps.clear()
            return

        def read(service):
            store = service.store
            return store.jobs.get(job_id), store.timeline.steps(job_id)

        hub.call(read, lambda result, error: self._shown(job_id, result, error))

    def _shown(self, job_id: uuid.UUID, result, error: BaseException | None) -> None:
        if job_id != self.job_id:
            return  # another job was selected meanwhile
        self.steps.clear()
        if error is not None:
            self.summary.setText(html.escape(str(error)))
            return
        job, steps = result
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
                details,
            ])  # fmt: skip
            item.setToolTip(4, details)
            if chunk:  # a chunk of a chunked render: under its render step
                items[step.details["parent"]].addChild(item)
                items[step.details["parent"]].setExpanded(True)
                self.steps.setRootIsDecorated(True)
            else:
                items[str(step.id)] = item
                self.steps.addTopLevelItem(item)


def _details(details: dict | None) -> str:
    if not details:
        return ""
    if "message" in details:
        return str(details["message"])
    shown = []
    for key, value in details.items():
        if isinstance(value, dict | list):
            continue
        if isinstance(value, float):
            value = f"{value:.3g}"
        shown.append(f"{key}={value}")
    return ", ".join(shown)
