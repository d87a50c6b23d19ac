"""Help → Keyboard Shortcuts (and ``?``): every key the window answers, by menu, searchable.

Read from the menu bar itself, so it lists what the window really binds now
(the user's own keys included, and the menus other modules install); the
transport and timeline keys not in a menu are in the Playback menu too.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

Native = QKeySequence.SequenceFormat.NativeText
EXTRA_KEYS = 0x01000061  # Qt.Key_Back and on: media and launch keys few keyboards have


def typed(key: QKeySequence) -> bool:
    """A key a person presses on a keyboard (not the platform's extra "Save" or "Undo" keys)."""
    return not key.isEmpty() and key[0].key().value < EXTRA_KEYS


def rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every menu action with a key, in menu order, each once."""
    found: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), title)
                continue
            keys = [k for k in action.shortcuts() if typed(k)]
            if action.isSeparator() or not keys or id(action) in seen:
                continue
            seen.add(id(action))
            name = action.text().replace("&", "").rstrip("…")
            found.append((title, name, ", ".join(k.toString(Native) for k in keys)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return found


class ShortcutSheet(QDialog):
    def __init__(self, window: QMainWindow, open_settings=None) -> None:
        super().__init__(window)
        self.setObjectName("shortcut_sheet")
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(520, 640)
        self.window_ = window
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find an action or a key")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcut_tree")
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        if open_settings is not None:
            change = QPushButton("Change Shortcuts…")
            change.setObjectName("change_shortcuts")
            change.clicked.connect(lambda: (self.accept(), open_settings()))
            buttons.addButton(change, QDialogButtonBox.ButtonRole.ActionRole)
        column = QVBoxLayout(self)
        column.addWidget(self.search)
        column.addWidget(self.tree, 1)
        column.addWidget(buttons)
        self.fill()

    def fill(self) -> None:
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for menu, name, keys in rows(self.window_):
            group = groups.get(menu)
            if group is None:
                group = groups[menu] = QTreeWidgetItem(self.tree, [menu])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
            QTreeWidgetItem(group, [name, keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self._filter(self.search.text())

    def shown(self) -> list[tuple[str, str]]:
        """(action, keys) of the rows the filter leaves visible."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                row = group.child(j)
                if not row.isHidden():
                    out.append((row.text(0), row.text(1)))
        return out

    def _filter(self, needle: str) -> None:
        needle = needle.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            visible = 0
            for j in range(group.childCount()):
                row = group.child(j)
                hit = not needle or needle in f"{row.text(0)} {row.text(1)}".lower()
                row.setHidden(not hit)
                visible += hit
            group.setHidden(visible == 0)
