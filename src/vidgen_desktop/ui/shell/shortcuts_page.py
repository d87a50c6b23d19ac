"""Settings → Shortcuts: a key field per action, conflicts refused in words, reset to defaults.

The page edits a copy (``bound``); the Settings dialog stores ``overrides()``
in the config and applies them to the window's actions when OK is pressed.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.ui.shell import shortcuts
from vidgen_desktop.ui.shell.actions import SPECS, ActionId, default_keys
from vidgen_desktop.ui.shell.widgets import ErrorLabel, HintLabel


class ShortcutsPage(QWidget):
    def __init__(
        self,
        overrides: Mapping[str, str],
        window: QWidget | None = None,
        actions: Mapping[ActionId, QAction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_page")
        self.defaults = default_keys()
        self.bound = shortcuts.bound(overrides)
        self.outside = shortcuts.others(window, actions or {})
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find an action or a key")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.table = QTableWidget(len(SPECS), 3)
        self.table.setObjectName("shortcuts_table")
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", ""])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.edits: dict[ActionId, QKeySequenceEdit] = {}
        for row, action_id in enumerate(SPECS):
            item = QTableWidgetItem(shortcuts.name(action_id))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, item)
            edit = QKeySequenceEdit()
            edit.setObjectName(f"shortcut_{action_id.value}")
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(lambda a=action_id: self._edited(a))
            edit.keySequenceChanged.connect(lambda _=None, a=action_id: self._cleared(a))
            self.edits[action_id] = edit
            self.table.setCellWidget(row, 1, edit)
            reset = QPushButton("Reset")
            reset.setObjectName(f"reset_{action_id.value}")
            reset.setToolTip("Back to " + (shortcuts.text(self.defaults[action_id]) or "no key"))
            reset.clicked.connect(lambda _=False, a=action_id: self.reset(a))
            self.table.setCellWidget(row, 2, reset)
            self._show(action_id)
        self.table.resizeRowsToContents()
        self.message = ErrorLabel()
        self.message.setObjectName("shortcuts_error")
        self.message.hide()
        reset_all = QPushButton("Reset All to Defaults")
        reset_all.setObjectName("reset_all_shortcuts")
        reset_all.clicked.connect(self.reset_all)
        row = QHBoxLayout()
        row.addWidget(
            HintLabel("Click a field and press the keys; ✕ leaves the action without."), 1
        )
        row.addWidget(reset_all)
        column = QVBoxLayout(self)
        column.addWidget(self.filter)
        column.addWidget(self.table, 1)
        column.addWidget(self.message)
        column.addLayout(row)

    def _show(self, action_id: ActionId) -> None:
        keys = self.bound[action_id]
        edit = self.edits[action_id]
        edit.blockSignals(True)
        edit.setKeySequence(keys[0] if keys else QKeySequence())
        edit.blockSignals(False)
        extra = shortcuts.text(keys[1:])
        edit.setToolTip(f"Also {extra}" if extra else "")

    def set_key(self, action_id: ActionId, key: QKeySequence) -> str | None:
        """Give ``action_id`` the key (or none), unless another action has it: then say so."""
        problem = shortcuts.conflict(action_id, key, self.bound, self.outside)
        if problem is None:
            self.bound[action_id] = [] if key.isEmpty() else [key]
            self.message.hide()
        else:
            self.message.setText(problem)
            self.message.show()
        self._show(action_id)
        return problem

    def _edited(self, action_id: ActionId) -> None:
        key = self.edits[action_id].keySequence()
        if shortcuts.text([key], False) != shortcuts.text(self.bound[action_id][:1], False):
            self.set_key(action_id, key)

    def _cleared(self, action_id: ActionId) -> None:
        if self.edits[action_id].keySequence().isEmpty() and self.bound[action_id]:
            self.set_key(action_id, QKeySequence())  # the ✕ button: no editingFinished

    def reset(self, action_id: ActionId) -> None:
        for key in self.defaults[action_id]:  # a default someone else took meanwhile
            for other, keys in self.bound.items():
                if other != action_id and key in keys:
                    self.bound[other] = [k for k in keys if k != key]
                    self._show(other)
        self.bound[action_id] = list(self.defaults[action_id])
        self._show(action_id)
        self.message.hide()

    def reset_all(self) -> None:
        self.bound = {a: list(keys) for a, keys in self.defaults.items()}
        for action_id in SPECS:
            self._show(action_id)
        self.message.hide()

    def overrides(self) -> dict[str, str]:
        return shortcuts.overrides_of(self.bound)

    def _filter(self, needle: str) -> None:
        needle = needle.strip().lower()
        for row, action_id in enumerate(SPECS):
            haystack = f"{shortcuts.name(action_id)} {shortcuts.text(self.bound[action_id])}"
            self.table.setRowHidden(row, bool(needle) and needle not in haystack.lower())
