"""The Variables panel: declare a template's variables, set defaults, preview row k.

Each change is one undoable command (``SetVariables``). A field becomes a
variable from the inspector (right-click a Text, Colour or Background field:
"Make a Variable") or from this panel's "Field → Variable" menu, which also
offers a media element's Source: the variable is declared with the field's
value as its default and the field then reads ``{{name}}``, in one undo step.
The row picker loads a CSV or JSON rows file and shows row k on the canvas
(0: the defaults); a row that cannot fill the template says why, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.composition import rows as rows_files
from vidgen_desktop.composition.model import TextElement
from vidgen_desktop.composition.variable_types import NAME_PATTERN, Variable
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.ui.editor import templates
from vidgen_desktop.ui.editor.document import Document

TYPES = ("text", "image", "video", "audio", "color", "number")
COLUMNS = ("Name", "Type", "Default", "Format")
C_NAME, C_TYPE, C_DEFAULT, C_FORMAT = range(4)
FIELD_TYPES = {"text": "text", "color": "color", "background": "color"}  # inspector fields
FIELD_LABELS = {"text": "Text", "color": "Colour", "background": "Background", "source": "Source"}


class SetVariables(QUndoCommand):
    def __init__(self, doc: Document, before: Mapping[str, Variable],
                 after: Mapping[str, Variable], text: str) -> None:  # fmt: skip
        super().__init__(text)
        self.doc, self.before, self.after = doc, dict(before), dict(after)

    def redo(self) -> None:
        self.doc._put_variables(self.after)

    def undo(self) -> None:
        self.doc._put_variables(self.before)


def set_variables(doc: Document, declared: Mapping[str, Any], text: str) -> str | None:
    """Replace the declarations (checked first); the refusal in words, or None."""
    try:
        after = {name: Variable.model_validate(dict(v) if isinstance(v, Variable) else v)
                 for name, v in declared.items()}  # fmt: skip
        bad = [name for name in after if not re.match(NAME_PATTERN, name)]
        if bad:
            return f"variable name '{bad[0]}' must be letters, digits or _ (not first a digit)"
    except ValueError as exc:
        return _first_line(exc)
    if after != doc.comp.variables:
        doc.undo_stack.push(SetVariables(doc, doc.comp.variables, after, text))
    return None


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()
    return next((line.strip() for line in text[1:] if line.strip()), str(exc))


def unique_name(doc: Document, stem: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", stem).strip("_") or "value"
    base = base if not base[0].isdigit() else f"v_{base}"
    name, n = base[:60], 2
    while name in doc.comp.variables:
        name, n = f"{base[:56]}_{n}", n + 1
    return name


def make_variable(doc: Document, element_ids: list[str], field: str) -> str | None:
    """Declare a variable from ``field`` of the elements (default: its value) and use it there."""
    elements = [doc.element(i) for i in element_ids if doc.has(i)]
    if not elements:
        return "select an element first"
    first = elements[0]
    value = getattr(first, field, None)
    if isinstance(value, str) and "{{" in value and field != "text":
        return f"{FIELD_LABELS.get(field, field)} is a variable already"
    kind = first.type if field == "source" else FIELD_TYPES.get(field, "text")
    name = unique_name(doc, f"{first.id}_{field}" if field != "text" else first.id)
    declared = {**doc.comp.variables, name: {"type": kind, "default": value or None}}
    doc.undo_stack.beginMacro(f"Make {FIELD_LABELS.get(field, field)} a variable")
    try:
        error = set_variables(doc, declared, "Add variable")
        if error is None:
            error = doc.edit({e.id: {field: "{{" + name + "}}"} for e in elements}, "Use variable")
    finally:
        doc.undo_stack.endMacro()
    if error is not None:
        doc.undo_stack.undo()  # the half-made step goes, whole
    return error


class QtVariables(QWidget):
    """Declarations, defaults and the previewed row of the document's template."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variables_panel")
        self.doc = doc
        self.rows: rows_files.Rows | None = None
        self.mapping: dict[str, str] | None = (
            None  # column -> variable (Batch Render's); None: same names
        )
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("variables_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._cell_edited)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_variable)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.field_button = QToolButton()
        self.field_button.setText("Field → Variable")
        self.field_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.field_menu = QMenu(self)
        self.field_menu.aboutToShow.connect(self._fill_field_menu)
        self.field_button.setMenu(self.field_menu)
        self.error = QLabel()
        self.error.setObjectName("variables_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e5484d;")
        self.error.hide()
        self.rows_label = QLabel("No rows file")
        self.rows_label.setObjectName("rows_label")
        self.choose_rows = QPushButton("Rows…")
        self.choose_rows.setToolTip("A CSV or JSON file of rows to preview (and to batch render)")
        self.choose_rows.clicked.connect(self._choose_rows)
        self.row_spin = QSpinBox()
        self.row_spin.setObjectName("row_picker")
        self.row_spin.setPrefix("Row ")
        self.row_spin.setSpecialValueText("Defaults")
        self.row_spin.setRange(0, 0)
        self.row_spin.valueChanged.connect(self.preview_row)
        self.row_problems = QLabel()
        self.row_problems.setObjectName("row_problems")
        self.row_problems.setWordWrap(True)
        self.row_problems.setStyleSheet("color: #e5484d;")
        self.row_problems.hide()
        self.batch_button = QPushButton("Batch Render…")
        self.batch_button.setObjectName("batch_render_button")
        buttons = QHBoxLayout()
        for widget in (self.add_button, self.remove_button, self.field_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        picker = QHBoxLayout()
        picker.addWidget(self.choose_rows)
        picker.addWidget(self.rows_label, 1)
        picker.addWidget(self.row_spin)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        column.addWidget(self.error)
        column.addLayout(picker)
        column.addWidget(self.row_problems)
        column.addWidget(self.batch_button)
        doc.variables_changed.connect(self.refresh)
        doc.reset.connect(self._reset)
        doc.changed.connect(self._show_row_problems)
        self.refresh()

    # -- model → table ---------------------------------------------------------------------

    def refresh(self) -> None:
        declared = self.doc.comp.variables
        blocked = self.table.blockSignals(True)
        self.table.setRowCount(0)  # no cell widget of an older row stays behind
        self.table.setRowCount(len(declared))
        for row, (name, variable) in enumerate(declared.items()):
            default = "" if variable.default is None else str(variable.default)
            for column, text in ((C_NAME, name), (C_DEFAULT, default),
                                 (C_FORMAT, variable.format or "")):  # fmt: skip
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, name)
                self.table.setItem(row, column, item)
            combo = QComboBox()
            combo.addItems(TYPES)
            combo.setCurrentText(variable.type)
            combo.currentTextChanged.connect(lambda kind, n=name: self._change(n, type=kind))
            self.table.setCellWidget(row, C_TYPE, combo)
        self.table.blockSignals(blocked)
        self.remove_button.setEnabled(bool(declared))
        self._show_row_problems()

    def _reset(self) -> None:
        self.rows = None
        self.rows_label.setText("No rows file")
        self.row_spin.setRange(0, 0)
        self.refresh()

    # -- table → model ---------------------------------------------------------------------

    def show_error(self, error: str | None) -> None:
        self.error.setText(error or "")
        self.error.setVisible(bool(error))

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        text = item.text().strip()
        if item.column() == C_NAME:
            self._rename(name, text)
        elif item.column() == C_DEFAULT:
            kind = self.doc.comp.variables[name].type
            value: Any = text or None
            if kind == "number" and text:
                try:
                    value = float(text)
                except ValueError:
                    self.show_error(f"variable '{name}': default must be a number, got {text!r}")
                    self.refresh()
                    return
            self._change(name, default=value)
        elif item.column() == C_FORMAT:
            self._change(name, format=text or None)

    def _change(self, name: str, **fields: Any) -> None:
        declared = {n: v.model_dump() for n, v in self.doc.comp.variables.items()}
        declared[name].update(fields)
        if "type" in fields and fields["type"] != "number":
            declared[name]["format"] = None
            if isinstance(declared[name]["default"], float):
                declared[name]["default"] = None
        if fields.get("type") == "number" and isinstance(declared[name]["default"], str):
            declared[name]["default"] = None
        error = set_variables(self.doc, declared, f"Change variable {name}")
        self.show_error(f"variable '{name}': {error}" if error else None)
        if error:
            self.refresh()

    def _rename(self, old: str, new: str) -> None:
        if new == old:
            return
        if new in self.doc.comp.variables:
            self.show_error(f"a variable named '{new}' exists already")
            self.refresh()
            return
        declared = {(new if n == old else n): v for n, v in self.doc.comp.variables.items()}
        error = set_variables(self.doc, declared, f"Rename variable {old}")
        self.show_error(error)
        if error:
            self.refresh()

    def add_variable(self) -> None:
        name = unique_name(self.doc, "headline" if not self.doc.comp.variables else "value")
        error = set_variables(
            self.doc, {**self.doc.comp.variables, name: {"type": "text", "default": "Text"}},
            "Add variable",
        )  # fmt: skip
        self.show_error(error)

    def remove_selected(self) -> None:
        names = {self.table.item(i.row(), C_NAME).data(Qt.ItemDataRole.UserRole)
                 for i in self.table.selectedIndexes()}  # fmt: skip
        if not names and self.table.rowCount():
            names = {self.table.item(self.table.rowCount() - 1, C_NAME).text()}
        kept = {n: v for n, v in self.doc.comp.variables.items() if n not in names}
        self.show_error(set_variables(self.doc, kept, "Remove variable"))

    def _fill_field_menu(self) -> None:
        self.field_menu.clear()
        targets = [self.doc.element(i) for i in self.doc.selection if self.doc.has(i)]
        if not targets:
            self.field_menu.addAction("Select an element first").setEnabled(False)
            return
        fields = ("text", "color", "background") if isinstance(targets[0], TextElement) else (
            ("source",) if hasattr(targets[0], "source") else ())  # fmt: skip
        for field in fields:
            action = self.field_menu.addAction(f"{FIELD_LABELS[field]} → variable")
            action.triggered.connect(lambda _=False, f=field: self.mark(f))

    def mark(self, field: str) -> None:
        self.show_error(make_variable(self.doc, list(self.doc.selection), field))

    # -- rows ------------------------------------------------------------------------------

    def _choose_rows(self) -> None:
        start = str(self.doc.path.parent) if self.doc.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Rows", start, "Rows (*.csv *.json)")
        if path:
            self.load_rows(Path(path))

    def use_mapping(self, mapping: dict[str, str] | None) -> None:
        """Columns -> variables as the Batch Render dialog maps them; the row shown follows."""
        self.mapping = mapping or None
        self.preview_row(self.row_spin.value())

    def load_rows(self, path: Path) -> None:
        try:
            self.rows, self.mapping = rows_files.load(path), None
        except VidgenError as exc:
            self.show_error(str(exc))
            return
        self.show_error(None)
        self.rows_label.setText(f"{path.name}: {len(self.rows.rows)} rows")
        self.rows_label.setToolTip(str(path))
        self.row_spin.setRange(0, len(self.rows.rows))
        self.row_spin.setValue(1 if self.rows.rows else 0)
        self.preview_row(self.row_spin.value())

    def preview_row(self, number: int) -> None:
        if self.rows is None or number == 0:
            self.doc.set_preview_row(None)
        else:
            values = self.rows.mapped(self.mapping)[number - 1]
            self.doc.set_preview_row(templates.PreviewRow(number, values, self.rows.folder))
        self._show_row_problems()

    def _show_row_problems(self) -> None:
        lines = templates.problems(self.doc.comp, self.doc.preview_row)
        suffix = "; the canvas shows the defaults" if lines and self.doc.preview_row else ""
        self.row_problems.setText("\n".join(lines[:4]) + suffix)
        self.row_problems.setVisible(bool(lines))


def _context_menu(doc: Document, inspector: Any, field: str, editor: QWidget, pos: QPoint) -> None:
    menu = editor.createStandardContextMenu()
    menu.addSeparator()
    action = menu.addAction("Make a Variable")
    action.setObjectName(f"make_variable_{field}")
    action.triggered.connect(
        lambda: inspector.show_error(make_variable(doc, list(doc.selection), field))
    )
    target = editor.viewport() if isinstance(editor, QPlainTextEdit) else editor
    menu.exec(target.mapToGlobal(pos))
    menu.deleteLater()


def hook_inspector(doc: Document, inspector: Any) -> None:
    """Give the inspector's Text, Colour and Background fields "Make a Variable"."""
    for field in FIELD_TYPES:
        editor = inspector.editors.get(field)
        if not isinstance(editor, QLineEdit | QPlainTextEdit) or not doc.selection:
            continue
        editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        editor.customContextMenuRequested.connect(
            lambda pos, f=field, e=editor: _context_menu(doc, inspector, f, e, pos)
        )
