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

STEP_COLUMNS = ("Step", "Status", "Started", "Took", "CPU", "Peak memory", "Details")
ERROR_COLUMNS = ("When", "Try", "Step", "Error", "Kind", "What was done", "Message")


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
        self.errors_label = QLabel("Errors")
        self.errors = QTreeWidget()  # the error log: each failed attempt, what was done
        self.errors.setObjectName("history_errors")
        self.errors.setHeaderLabels(ERROR_COLUMNS)
        self.errors.setRootIsDecorated(False)
        header = self.errors.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.steps, 2)
        column.addWidget(self.errors_label)
        column.addWidget(self.errors, 1)
        self._show_errors([])

    def show_job(self, hub, job_id: uuid.UUID | None) -> None:
        self.job_id = job_id
        if job_id is None:
            self.summary.setText("Select a job to see its steps.")
            self.steps.clear()
            self._show_errors([])
            return

        def read(service):
            store = service.store
            job, steps = store.jobs.get(job_id), store.timeline.steps(job_id)
            return job, steps, store.errors.list(job_id=job_id)

        hub.call(read, lambda result, error: self._shown(job_id, result, error))

    def _shown(self, job_id: uuid.UUID, result, error: BaseException | None) -> None:
        if job_id != self.job_id:
            return  # another job was selected meanwhile
        self.steps.clear()
        if error is not None:
            self.summary.setText(html.escape(str(error)))
            return
        job, steps, errors = result
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
        for step in steps:
            details = step.error_message or _details(step.details)
            item = QTreeWidgetItem([
                jobtext.step_text(step.step) if step.status != "note" else "note",
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
