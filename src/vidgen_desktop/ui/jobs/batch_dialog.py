"""The Batch Render dialog: a rows file, its columns mapped to variables, sizes, start.

Every change re-checks every row in the hub's worker (``queue.batch.plan``)
and lists the bad ones, by row number, with why; Start is offered once no row
is bad, or with "Skip bad rows". Start queues one job per row and size
through the hub's ``JobService`` (the embedded queue, or the farm with a team
backend); the queue panel then shows them grouped under the batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import config
from vidgen_desktop.composition import rows as rows_files
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError

DEFAULT_COLUMN = "(default)"
SIZES = (("16:9", 1920, 1080), ("9:16", 1080, 1920), ("1:1", 1080, 1080))


class BatchDialog(QDialog):
    started = Signal(object)  # the batch id, once its jobs are queued

    def __init__(self, hub: Any, comp: Composition, project_path: Path | None,
                 parent: QWidget | None = None, rows_path: Path | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("batch_dialog")
        self.setWindowTitle("Batch Render")
        self.hub, self.comp, self.project_path = hub, comp, project_path
        self.rows: rows_files.Rows | None = None
        self._loaded: Path | None = None
        self.plan: Any = None
        self._token = 0
        self.rows_edit = QLineEdit()
        self.rows_edit.setObjectName("batch_rows")
        self.rows_edit.setPlaceholderText("A CSV (first line: column names) or JSON file")
        self.rows_edit.editingFinished.connect(lambda: self.load_rows(Path(self.rows_edit.text())))
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        self.mapping = QTableWidget(0, 2)
        self.mapping.setObjectName("batch_mapping")
        self.mapping.setHorizontalHeaderLabels(("Variable", "Column"))
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.horizontalHeader().setStretchLastSection(True)
        own = f"Project ({comp.output.width}×{comp.output.height})"
        self.size_boxes = [(QCheckBox(own), (comp.output.width, comp.output.height))]
        for label, w, h in SIZES:
            if (w, h) != (comp.output.width, comp.output.height):
                self.size_boxes.append((QCheckBox(f"{label} ({w}×{h})"), (w, h)))
        self.size_boxes[0][0].setChecked(True)
        sizes = QHBoxLayout()
        for box, _ in self.size_boxes:
            box.toggled.connect(lambda _: self.check())
            sizes.addWidget(box)
        stem = project_path.stem if project_path else (comp.name or "batch")
        self.stem = stem
        self.out_edit = QLineEdit(str(config.load().output_dir() / f"{stem}-batch"))
        self.out_edit.setObjectName("batch_out")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("batch_name")
        self.name_edit.setPlaceholderText("{{project}}-{{row}}  (variables, row, size)")
        self.name_edit.editingFinished.connect(self.check)
        self.skip_bad = QCheckBox("Skip bad rows")
        self.skip_bad.toggled.connect(lambda _: self._update_start())
        self.summary = QLabel()
        self.summary.setObjectName("batch_summary")
        self.bad_list = QListWidget()
        self.bad_list.setObjectName("batch_bad_rows")
        self.bad_list.setMaximumHeight(110)
        self.bad_list.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = self.buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("batch_start")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        pick = QHBoxLayout()
        pick.addWidget(self.rows_edit, 1)
        pick.addWidget(choose)
        form = QFormLayout()
        form.addRow("Rows", pick)
        form.addRow("Sizes", sizes)
        form.addRow("Folder", self.out_edit)
        form.addRow("File names", self.name_edit)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(QLabel("Columns → variables"))
        column.addWidget(self.mapping, 1)
        column.addWidget(self.summary)
        column.addWidget(self.bad_list)
        column.addWidget(self.skip_bad)
        column.addWidget(self.buttons)
        self.resize(560, 520)
        self._fill_mapping()
        if rows_path is not None:
            self.rows_edit.setText(str(rows_path))
            self.load_rows(rows_path)
        self._update_start()

    # -- inputs ----------------------------------------------------------------------------

    def _choose(self) -> None:
        start = str(self.project_path.parent) if self.project_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Rows", start, "Rows (*.csv *.json)")
        if path:
            self.rows_edit.setText(path)
            self.load_rows(Path(path))

    def load_rows(self, path: Path) -> None:
        if self.rows_edit.text() != str(path):
            self.rows_edit.setText(str(path))
        if self.rows is not None and path == self._loaded:
            return  # the same file (the field lost focus): keep the mapping made
        try:
            self.rows, self._loaded = rows_files.load(path), path
        except VidgenError as exc:
            self.rows, self.plan = None, None
            self.summary.setText(str(exc))
            self.bad_list.clear()
            self._update_start()
            return
        self._fill_mapping()
        self.check()

    def _fill_mapping(self) -> None:
        names = list(self.comp.variables)
        columns = self.rows.columns if self.rows else []
        chosen = {n: self.column_for(n) for n in names} if self.mapping.rowCount() else {}
        self.mapping.setRowCount(len(names))
        for row, name in enumerate(names):
            self.mapping.setItem(row, 0, QTableWidgetItem(name))
            combo = QComboBox()
            combo.addItems([DEFAULT_COLUMN, *columns])
            if chosen.get(name) in columns:  # kept from the file before, if it has that column
                combo.setCurrentText(chosen[name])
            elif name in columns:
                combo.setCurrentText(name)
            combo.currentTextChanged.connect(lambda _: self.check())
            self.mapping.setCellWidget(row, 1, combo)

    def column_for(self, variable: str) -> str | None:
        for row in range(self.mapping.rowCount()):
            if self.mapping.item(row, 0).text() == variable:
                text = self.mapping.cellWidget(row, 1).currentText()
                return None if text == DEFAULT_COLUMN else text
        return None

    def set_column(self, variable: str, column: str) -> None:
        for row in range(self.mapping.rowCount()):
            if self.mapping.item(row, 0).text() == variable:
                self.mapping.cellWidget(row, 1).setCurrentText(column)

    def mapping_dict(self) -> dict[str, str]:
        found = {}
        for name in self.comp.variables:
            column = self.column_for(name)
            if column:
                found[column] = name
        return found

    def sizes(self) -> list[tuple[int, int]]:
        return [size for box, size in self.size_boxes if box.isChecked()]

    # -- checking --------------------------------------------------------------------------

    def check(self) -> None:
        """Plan the batch in a worker; the answer lists the bad rows."""
        if self.rows is None:
            return
        self._token += 1
        token, rows, comp = self._token, self.rows, self.comp
        mapping, sizes, out = self.mapping_dict(), self.sizes(), Path(self.out_edit.text())
        name, stem = self.name_edit.text().strip() or None, self.stem

        def work(_service: Any) -> Any:
            from vidgen_desktop.queue import batch as batches

            return batches.plan(comp, rows, out, mapping=mapping, sizes=sizes, name=name,
                                project=stem)  # fmt: skip

        self.summary.setText("Checking the rows…")
        self.start_button.setEnabled(False)
        self.hub.call(work, lambda plan, error: self._checked(token, plan, error))

    def _checked(self, token: int, plan: Any, error: BaseException | None) -> None:
        if token != self._token:
            return  # an older check
        self.bad_list.clear()
        if error is not None:
            self.plan = None
            self.summary.setText(str(error))
        else:
            self.plan = plan
            total = len(self.rows.rows) if self.rows else 0
            bad = len(plan.bad)
            self.summary.setText(
                f"{total} rows, {len(plan.jobs)} videos"
                + (f"; {bad} bad row{'s' * (bad != 1)}:" if bad else "; every row is fine")
            )
            self.bad_list.addItems(plan.problems)
        self._update_start()

    def _update_start(self) -> None:
        plan = self.plan
        ok = plan is not None and bool(plan.jobs) and (not plan.bad or self.skip_bad.isChecked())
        self.start_button.setEnabled(ok)
        self.skip_bad.setEnabled(plan is not None and bool(plan.bad))

    # -- start -----------------------------------------------------------------------------

    def start(self) -> None:
        plan, project = self.plan, str(self.project_path) if self.project_path else None
        out = Path(self.out_edit.text())
        if plan is None or not self.start_button.isEnabled():
            return
        self.start_button.setEnabled(False)
        self.summary.setText(f"Queueing {len(plan.jobs)} videos…")

        def work(service: Any) -> Any:
            from vidgen_desktop.queue import batch as batches

            out.mkdir(parents=True, exist_ok=True)
            return batches.submit(service, plan, project_path=project)

        self.hub.call(work, self._submitted, render=True)
        self.started.emit(plan.batch_id)
        self.accept()

    def _submitted(self, result: Any, error: BaseException | None) -> None:
        if error is not None and self.parent() is not None:
            self.parent().statusBar().showMessage(f"Batch not queued: {error}", 10000)
