"""Settings: output defaults for new projects, the route threshold, queue concurrency, folders.

Every field is checked by ``config.Settings`` itself; a refused value shows the
model's message under the form and nothing is written (``config.update``
validates the whole file before it saves it). Environment overrides
(``VIDGEN_THRESHOLD`` …) are named next to the field they hide.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from vidgen_desktop import config, paths
from vidgen_desktop.ui.shell.widgets import HintLabel

ERROR_STYLE = "color: #e03131;"


def _describe(exc: ValidationError) -> str:
    names = {
        "route_threshold": "Render now up to", "queue_concurrency": "Renders at once",
        "output_folder": "Output folder",
    }  # fmt: skip
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        label = names.get(where, where.replace("output_defaults.", "New projects: "))
        lines.append(f"{label}: {error['msg']}")
    return "\n".join(lines)


class SettingsDialog(QDialog):
    applied = Signal(object)  # the saved config.Settings

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        current = config.saved()
        self.fields: dict[str, QLineEdit | QComboBox] = {}

        renders = QGroupBox("Rendering")
        form = QFormLayout(renders)
        self.threshold = self._line("route_threshold", f"{current.route_threshold:g}")
        form.addRow("Render now up to (s)", self._with_env(self.threshold, "VIDGEN_THRESHOLD"))
        self.concurrency = self._line("queue_concurrency", str(current.queue_concurrency))
        form.addRow("Renders at once", self._with_env(self.concurrency, "VIDGEN_CONCURRENCY"))
        self.folder = self._line("output_folder", current.output_folder or "")
        self.folder.setPlaceholderText(str(paths.output_dir()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self._with_env(self.folder, "VIDGEN_OUTPUT_DIR"), 1)
        row.addWidget(browse)
        form.addRow("Output folder", row)
        hint = HintLabel(
            "Renders estimated to take longer than the limit go to the queue; "
            "0 sends every render there."
        )
        form.addRow(hint)

        defaults = QGroupBox("New projects")
        form = QFormLayout(defaults)
        d = current.output_defaults
        self.fields["output_defaults.width"] = width = QLineEdit(str(d.width))
        self.fields["output_defaults.height"] = height = QLineEdit(str(d.height))
        size = QHBoxLayout()
        size.addWidget(width)
        size.addWidget(QLabel("×"))
        size.addWidget(height)
        form.addRow("Size (px)", size)
        self.fields["output_defaults.fps"] = fps = QLineEdit(f"{d.fps:g}")
        form.addRow("Frame rate", fps)
        choices_of = {
            "format": ("mp4", "webm", "mov", "gif"),
            "quality": ("draft", "standard", "high"),
        }
        for name, choices in choices_of.items():
            value = getattr(d, name)
            box = QComboBox()
            box.addItems(choices)
            box.setCurrentText(value)
            self.fields[f"output_defaults.{name}"] = box
            form.addRow(name.capitalize(), box)

        self.error_label = QLabel()
        self.error_label.setObjectName("settings_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        column = QVBoxLayout(self)
        column.addWidget(renders)
        column.addWidget(defaults)
        column.addWidget(self.error_label)
        column.addWidget(buttons)

    def _line(self, name: str, value: str) -> QLineEdit:
        edit = QLineEdit(value)
        edit.setObjectName(f"setting_{name}")
        edit.textEdited.connect(lambda _: self.error_label.hide())
        self.fields[name] = edit
        return edit

    @staticmethod
    def _with_env(edit: QLineEdit, variable: str) -> QLineEdit:
        if os.environ.get(variable, "").strip():
            edit.setToolTip(f"{variable} is set and takes precedence over this value")
        return edit

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Output folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def changes(self) -> dict[str, Any]:
        """What the form says, as ``config.update`` arguments (strings: the model converts)."""
        values: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
        for name, widget in self.fields.items():
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text().strip()
            if name.startswith("output_defaults."):
                defaults[name.split(".", 1)[1]] = text
            else:
                values[name] = text
        values["output_folder"] = values["output_folder"] or None
        values["output_defaults"] = defaults
        return values

    def _folder_problem(self, folder: str | None) -> str | None:
        if not folder:
            return None
        path = Path(folder).expanduser()
        if path.exists() and not path.is_dir():
            return f"Output folder: {path} is a file, not a folder"
        if not path.is_absolute():
            return "Output folder: give the full path (it starts with / or a drive letter)"
        return None

    def accept(self) -> None:
        changes = self.changes()
        problem = self._folder_problem(changes["output_folder"])
        if problem is None:
            try:
                saved = config.update(**changes)
            except ValidationError as exc:
                problem = _describe(exc)
            except OSError as exc:
                problem = f"The settings file could not be written: {exc}"
        if problem is not None:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.applied.emit(saved)
        super().accept()
