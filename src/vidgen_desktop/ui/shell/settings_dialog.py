"""Settings: output defaults for new projects, the route threshold, queue concurrency, folders;
and the team storage that Share needs (a page of its own: ``SettingsDialog(page="team")``).

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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import config, paths
from vidgen_desktop.ui.shell import shortcuts, theme
from vidgen_desktop.ui.shell.server_fields import ServerFields
from vidgen_desktop.ui.shell.shortcuts_page import ShortcutsPage
from vidgen_desktop.ui.shell.widgets import ErrorLabel, HintLabel


def _describe(exc: ValidationError) -> str:
    names = {
        "route_threshold": "Render now up to", "queue_concurrency": "Renders at once",
        "output_folder": "Output folder", "api.server_url": "Share server",
    }  # fmt: skip
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        label = names.get(where, where.replace("output_defaults.", "New projects: "))
        lines.append(f"{label}: {error['msg']}")
    return "\n".join(lines)


class SettingsDialog(QDialog):
    applied = Signal(object)  # the saved config.Settings

    PAGES = ("general", "team", "shortcuts")

    def __init__(self, parent=None, *, page: str = "general") -> None:
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

        looks = QGroupBox("Appearance")
        form = QFormLayout(looks)
        self.theme = QComboBox()
        self.theme.setObjectName("setting_theme")
        for choice in theme.CHOICES:
            self.theme.addItem(theme.LABELS[choice], choice)
        self.theme.setCurrentIndex(theme.CHOICES.index(current.theme))
        self._theme_before = current.theme
        form.addRow("Theme", self.theme)

        self.error_label = ErrorLabel()  # a red that reads on the window (#e03131 was 3.9:1)
        self.error_label.setObjectName("settings_error")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        general = QWidget()
        page_column = QVBoxLayout(general)
        page_column.addWidget(renders)
        page_column.addWidget(defaults)
        page_column.addWidget(looks)
        page_column.addStretch(1)
        self.team_page = self._team(current.backend)
        self.window_actions = getattr(parent, "actions", None)  # the main window's registry
        self.shortcuts_page = ShortcutsPage(current.shortcuts, parent, self.window_actions)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_tabs")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.team_page, "Team storage")
        self.tabs.addTab(self.shortcuts_page, "Shortcuts")
        column = QVBoxLayout(self)
        column.addWidget(self.tabs)
        column.addWidget(self.error_label)
        column.addWidget(buttons)
        self.show_page(page)

    def show_page(self, page: str) -> None:
        """Bring a page forward ("general", "team"); the team page focuses the bucket."""
        self.tabs.setCurrentIndex(self.PAGES.index(page) if page in self.PAGES else 0)
        if page == "team":
            self.fields["backend.s3_bucket"].setFocus()

    def _team(self, backend: config.BackendSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for name, label, env in (
            ("s3_bucket", "Bucket", "VIDGEN_S3_BUCKET"),
            ("s3_endpoint", "Endpoint (not AWS)", "VIDGEN_S3_ENDPOINT"),
            ("s3_region", "Region", "VIDGEN_S3_REGION"),
            ("s3_prefix", "Key prefix", "VIDGEN_S3_PREFIX"),
            ("public_base_url", "Public address", None),
        ):
            edit = self._line(f"backend.{name}", getattr(backend, name) or "")
            form.addRow(label, self._with_env(edit, env) if env else edit)
        self.fields["backend.s3_endpoint"].setPlaceholderText("https://… for MinIO, R2, Supabase")
        self.fields["backend.public_base_url"].setPlaceholderText(
            "only for a public bucket or a CDN in front of it"
        )
        mode = QComboBox()
        mode.addItems(("presigned", "public"))
        mode.setCurrentText(backend.link_mode)
        mode.setObjectName("setting_backend.link_mode")
        self.fields["backend.link_mode"] = mode
        form.addRow("Links", mode)
        form.addRow(HintLabel(
            "Create the bucket first and keep it private: links are signed and expire. "
            "The access keys go in the OS keyring (vidgen backend secret s3_access_key_id, "
            "s3_secret_access_key) or, without a keyring, AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY."
        ))  # fmt: skip
        self.server = ServerFields(form, config.saved().api, self.error_label.hide)
        return page

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
        backend = config.saved().backend.model_dump()
        for name, widget in self.fields.items():
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text().strip()
            if name.startswith("output_defaults."):
                defaults[name.split(".", 1)[1]] = text
            elif name.startswith("backend."):
                key = name.split(".", 1)[1]
                backend[key] = text or (None if key != "s3_prefix" else "vidgen/")
            else:
                values[name] = text
        values["output_folder"] = values["output_folder"] or None
        values["output_defaults"] = defaults
        values["backend"] = backend
        values["api"] = self.server.api_changes()
        values["theme"] = self.theme.currentData()
        values["shortcuts"] = self.shortcuts_page.overrides()
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
        problem = self._folder_problem(changes["output_folder"]) or self.server.store_key()
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
        if saved.theme != self._theme_before:  # at once, like the keys (only when changed)
            theme.apply(saved.theme)
        if self.window_actions is not None:
            shortcuts.apply(self.window_actions, saved.shortcuts)
        self.applied.emit(saved)
        super().accept()
