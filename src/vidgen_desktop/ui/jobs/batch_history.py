"""The job history's batch filter: "All jobs", or the jobs of one batch (then Export…
writes that batch: the history's export follows its filter)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox

ALL = "All jobs"


def box(hub: Any) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("history_batch")
    combo.setToolTip("Only the jobs of one batch (Export… then writes that batch)")
    combo.addItem(ALL, None)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def reload(combo: QComboBox, hub: Any) -> None:
    """Read the log's batches in the hub's worker; the choice made is kept."""

    def work(service: Any) -> list[Any]:
        from vidgen_desktop.store import batches

        return batches.summaries(service.store) if hasattr(service.store, "engine") else []

    hub.call(work, lambda found, error: _fill(combo, found) if error is None else None)


def _fill(combo: QComboBox, found: list[Any]) -> None:
    wanted = {(s.batch_id, s.label) for s in found}
    shown = {(combo.itemData(i), combo.itemText(i)) for i in range(1, combo.count())}
    if wanted == shown:
        return
    current = combo.currentData()
    blocked = combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for summary in found:
        combo.addItem(summary.label, summary.batch_id)
    index = combo.findData(current) if current is not None else 0
    combo.setCurrentIndex(max(0, index))
    combo.blockSignals(blocked)
    if current is not None and index < 0:
        combo.currentIndexChanged.emit(0)  # the batch is gone (deleted): show all jobs
