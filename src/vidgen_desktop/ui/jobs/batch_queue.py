"""The render queue's batches: a batch's jobs under one row, with its overall progress.

``group`` (called by ``QtQueuePanel.put`` for each record it shows) moves a
job of a batch under its batch's row, in row order, and keeps that row's
summary (jobs done, overall %) current. With the batch's row selected, the
panel's Cancel and Retry act on the whole batch (``queue.batch.cancel`` /
``retry`` in the hub's worker); with one of its jobs selected, on that job.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QProgressBar, QTreeWidgetItem

from vidgen_desktop.jobs.states import ACTIVE, RETRYABLE

BATCH_ROLE = Qt.ItemDataRole.UserRole + 1  # on a batch's row: its id
C_NAME, C_STATUS, C_STEP, C_PROGRESS = range(4)


def _headers(panel: Any) -> dict[uuid.UUID, QTreeWidgetItem]:
    if not hasattr(panel, "batch_items"):
        panel.batch_items = {}
        panel.batch_follower = _Follower(panel)
    return panel.batch_items


class _Follower(QObject):
    """A job's event moves its batch's sums, on the GUI thread (a QObject's slot is queued
    there, after the panel's own, connected first; a bare lambda would run on the worker)."""

    def __init__(self, panel: Any) -> None:
        super().__init__(panel)
        self.panel = panel
        panel.hub.job_event.connect(self.on_event)

    @Slot(object)
    def on_event(self, event: Any) -> None:
        row = self.panel.rows.get(event.job_id)
        parent = row.item.parent() if row is not None else None
        if parent is not None:
            summarize(self.panel, parent.data(C_NAME, BATCH_ROLE))


def _bar(value: int) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 100)
    bar.setTextVisible(True)
    bar.setMaximumHeight(16)
    bar.setValue(value)
    return bar


def header(panel: Any, batch_id: uuid.UUID, name: str) -> QTreeWidgetItem:
    items = _headers(panel)
    item = items.get(batch_id)
    if item is None:
        item = QTreeWidgetItem([f"Batch · {name}", "", "", "", ""])
        item.setData(C_NAME, BATCH_ROLE, batch_id)
        item.setToolTip(C_NAME, f"batch {batch_id}")
        font = item.font(C_NAME)
        font.setBold(True)
        item.setFont(C_NAME, font)
        panel.tree.insertTopLevelItem(0, item)
        panel.tree.setRootIsDecorated(True)
        panel.tree.setItemWidget(item, C_PROGRESS, _bar(0))
        item.setExpanded(True)
        items[batch_id] = item
    return item


def group(panel: Any, row: Any, job: Any) -> None:
    batch_id = getattr(job, "batch_id", None)
    if batch_id is None:
        return
    info = getattr(job, "batch_row", None) or {}
    number = info.get("row", 0)
    parent = header(panel, batch_id, job.project_name or "Untitled")
    label = f"Row {number}" + (f" · {info['size']}" if info.get("size") else "")
    row.item.setText(C_NAME, label)
    row.item.setData(C_NAME, BATCH_ROLE + 1, number)
    if row.item.parent() is not parent:
        tree = panel.tree
        index = tree.indexOfTopLevelItem(row.item)
        if index >= 0:
            tree.takeTopLevelItem(index)
        at = sum(
            1 for i in range(parent.childCount())
            if (parent.child(i).data(C_NAME, BATCH_ROLE + 1) or 0) <= number
        )  # fmt: skip
        parent.insertChild(at, row.item)
        row.bar = _bar(row.bar.value())  # a moved item loses its widget: a new bar
        row.bar.setFormat("—" if row.status in ("failed", "cancelled") else "%p%")
        tree.setItemWidget(row.item, C_PROGRESS, row.bar)
    summarize(panel, batch_id)


def summarize(panel: Any, batch_id: uuid.UUID) -> None:
    parent = _headers(panel).get(batch_id)
    if parent is None:
        return
    rows = [panel.rows[r] for r in panel.rows if panel.rows[r].item.parent() is parent]
    if not rows:
        return
    ended = sum(r.status not in ACTIVE for r in rows)
    failed = sum(r.status in ("failed", "cancelled") for r in rows)
    done = sum(1.0 if r.status not in ACTIVE else r.progress for r in rows) / len(rows)
    parent.setText(C_STATUS, f"{ended}/{len(rows)} done")
    parent.setText(C_STEP, f"{failed} failed" if failed else "")
    bar = panel.tree.itemWidget(parent, C_PROGRESS)
    if isinstance(bar, QProgressBar):
        bar.setValue(round(done * 100))


def selected_batch(panel: Any) -> uuid.UUID | None:
    items = panel.tree.selectedItems()
    return items[0].data(C_NAME, BATCH_ROLE) if items else None


def jobs_under(panel: Any, batch_id: uuid.UUID) -> list[Any]:
    parent = _headers(panel).get(batch_id)
    return [r for r in panel.rows.values() if parent is not None and r.item.parent() is parent]


def update_buttons(panel: Any) -> None:
    batch_id = selected_batch(panel)
    if batch_id is None:
        return
    rows = jobs_under(panel, batch_id)
    panel.cancel_button.setEnabled(any(r.status in ACTIVE for r in rows))
    panel.retry_button.setEnabled(any(r.status in {str(s) for s in RETRYABLE} for r in rows))


def act(panel: Any, what: str) -> bool:
    """Cancel or retry the selected batch; False when no batch is selected (a job may be)."""
    batch_id = selected_batch(panel)
    if batch_id is None:
        return False
    from vidgen_desktop.queue import batch as batches

    fn = batches.cancel if what == "cancel" else batches.retry
    if what == "retry":
        for row in jobs_under(panel, batch_id):
            row.notified.clear()
    panel.hub.call(lambda service: fn(service, batch_id), panel._report)
    return True
