"""The element panel: layers front to back, with visibility, lock, rename and reorder.

Rows are rebuilt from the document on every structural change (a layer list
is short), with the panel's own signals blocked so nothing echoes back.
Dragging rows reorders the stacking through one undoable command.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.composition.model import AudioElement, TextElement
from vidgen_desktop.ui.editor import arrange, timeline_edits
from vidgen_desktop.ui.editor.document import AnyElement, Document
from vidgen_desktop.ui.editor.qt_canvas import dropped_paths
from vidgen_desktop.ui.editor.qt_layer_icons import THUMB, glyph, type_badge
from vidgen_desktop.ui.editor.qt_preview import thumbnail
from vidgen_desktop.ui.shell.background import Background

NAME, VISIBLE, LOCKED = 0, 1, 2
ID_ROLE = Qt.ItemDataRole.UserRole


class _Tree(QTreeWidget):
    """The tree, with drops turned into commands instead of moved rows."""

    rows_dropped = Signal(int)  # display row the selection moves before
    files_dropped = Signal(list)
    toggled = Signal(str, int)  # element id, VISIBLE or LOCKED: its eye or padlock was clicked

    def _toggle_at(self, event: QMouseEvent) -> bool:
        """A left click on an eye or padlock toggles it, without selecting the row."""
        index = self.indexAt(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton or index.column() not in (VISIBLE, LOCKED):
            return False
        item = self.itemFromIndex(index)
        self.toggled.emit(item.data(NAME, ID_ROLE), index.column())
        event.accept()
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._toggle_at(event):
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not self._toggle_at(event):  # two quick clicks on the eye: two toggles, no editor
            super().mouseDoubleClickEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
            return
        self.rows_dropped.emit(self.drop_row(event.position().toPoint()))
        event.setDropAction(Qt.DropAction.IgnoreAction)  # the document moves the rows
        event.accept()

    def drop_row(self, pos: QPoint) -> int:
        item = self.itemAt(pos)
        if item is None:
            return self.topLevelItemCount()
        row = self.indexOfTopLevelItem(item)
        rect = self.visualItemRect(item)
        return row + 1 if pos.y() > rect.center().y() else row


class QtLayers(QWidget):
    files_dropped = Signal(list)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.tree = _Tree()
        self.tree.setObjectName("layers")
        self.tree.setColumnCount(3)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setAcceptDrops(True)
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (VISIBLE, LOCKED):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.tree)
        self.setMinimumWidth(220)
        self._thumbs: dict[str, QImage] = {}
        self._asked: set[str] = set()
        self.background = Background(workers=1, name="vidgen-thumbs", parent=self)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.rows_dropped.connect(self._on_rows_dropped)
        self.tree.toggled.connect(self.toggle)
        self.tree.files_dropped.connect(self.files_dropped)
        for signal in (
            doc.elements_added,
            doc.elements_removed,
            doc.elements_reordered,
            doc.reset,
            doc.media_changed,
        ):
            signal.connect(self.rebuild)
        doc.element_changed.connect(self._on_element_changed)
        doc.selection_changed.connect(self._on_selection_changed)
        self.rebuild()

    # -- model → rows --------------------------------------------------------------------------

    def display_order(self) -> list[AnyElement]:
        """Rows top to bottom: the frontmost picture first, sound last."""
        comp = self.doc.comp
        audio = [e for e in comp.elements if isinstance(e, AudioElement)]
        return [*reversed(comp.stacking_order()), *audio]

    def ids(self) -> list[str]:
        return [
            self.tree.topLevelItem(i).data(NAME, ID_ROLE)
            for i in range(self.tree.topLevelItemCount())
        ]

    def rebuild(self, *_: object) -> None:
        blocked = self.tree.blockSignals(True)
        self.tree.clear()
        for element in self.display_order():
            item = QTreeWidgetItem()
            item.setData(NAME, ID_ROLE, element.id)
            self._fill(item, element)
            self.tree.addTopLevelItem(item)
        self.tree.blockSignals(blocked)
        self._on_selection_changed()

    def _fill(self, item: QTreeWidgetItem, element: AnyElement) -> None:
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
        )
        item.setFlags(flags)
        item.setText(NAME, element.label)
        source = getattr(element, "source", "")
        problem = self.doc.media_errors.get(source)
        item.setToolTip(NAME, problem or f"{element.type} · {element.id}")
        pal = self.palette()  # this panel's: it changes first when the palette does
        if problem:
            item.setForeground(NAME, QColor("#e5484d"))
        elif element.hidden:  # a hidden layer's name is greyed, like its eye is struck
            item.setForeground(
                NAME, pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            )
        else:
            item.setData(NAME, Qt.ItemDataRole.ForegroundRole, None)
        item.setIcon(NAME, type_badge(element.type, self._thumbnail(element)))
        item.setIcon(VISIBLE, glyph("eye", not element.hidden, pal))
        item.setToolTip(
            VISIBLE, "Hidden: click to show" if element.hidden else "Shown: click to hide"
        )
        item.setIcon(LOCKED, glyph("lock", element.locked, pal))
        item.setToolTip(
            LOCKED, "Locked: click to unlock" if element.locked else "Unlocked: click to lock"
        )

    def _item(self, element_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(NAME, ID_ROLE) == element_id:
                return item
        return None

    def _on_element_changed(self, element_id: str) -> None:
        item = self._item(element_id)
        if item is None:
            return
        if [e.id for e in self.display_order()] != self.ids():  # track changed: order moved
            self.rebuild()
            return
        blocked = self.tree.blockSignals(True)
        self._fill(item, self.doc.element(element_id))
        self.tree.blockSignals(blocked)

    def _on_selection_changed(self) -> None:
        blocked = self.tree.blockSignals(True)
        selected = set(self.doc.selection)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            item.setSelected(item.data(NAME, ID_ROLE) in selected)
        self.tree.blockSignals(blocked)
        self.tree.viewport().update()

    def _thumbnail(self, element: AnyElement) -> QImage | None:
        if isinstance(element, TextElement | AudioElement):
            return None
        source = element.source
        info = self.doc.media.get(source)
        if source in self._thumbs or info is None or source in self._asked:
            return self._thumbs.get(source)
        self._asked.add(source)

        def done(image: QImage | None, error: BaseException | None) -> None:
            if image is not None:
                self._thumbs[source] = image
                self.rebuild()

        self.background.run(thumbnail, done, source, info.kind, THUMB - 4)
        return None

    # -- rows → commands -----------------------------------------------------------------------

    def _on_tree_selection(self) -> None:
        ids = [item.data(NAME, ID_ROLE) for item in self.tree.selectedItems()]
        order = self.ids()
        self.doc.set_selection(sorted(ids, key=order.index))

    def toggle(self, element_id: str, column: int) -> None:
        """Flip a layer's visibility (``VISIBLE``) or lock (``LOCKED``), undoably."""
        element = self.doc.element(element_id)
        if column == VISIBLE:
            hidden = not element.hidden  # a group is hidden (and shown) as one
            members = arrange.with_groups(self.doc.comp.elements, [element_id])
            self.doc.edit({i: {"hidden": hidden} for i in members}, "Hide" if hidden else "Show")
        else:
            locked = not element.locked
            self.doc.edit({element_id: {"locked": locked}}, "Lock" if locked else "Unlock")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # dark ↔ light: redraw the glyphs
            self.rebuild()

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        element_id = item.data(NAME, ID_ROLE)
        element = self.doc.element(element_id)
        if column == NAME and item.text(NAME) != element.label:
            name = item.text(NAME).strip() or None
            self.doc.edit({element_id: {"name": name}}, "Rename")
            self._on_element_changed(element_id)  # an empty name shows the id again

    def _toggle_selection(self, column: int) -> None:
        """The menu's Hide/Lock: every selected layer takes the first one's new state."""
        first = self.doc.element(self.doc.selection[0])
        field = "hidden" if column == VISIBLE else "locked"
        value = not getattr(first, field)
        label = {("hidden", True): "Hide", ("hidden", False): "Show",
                 ("locked", True): "Lock", ("locked", False): "Unlock"}[(field, value)]  # fmt: skip
        self.doc.edit({i: {field: value} for i in self.doc.selection}, label)

    def _on_rows_dropped(self, row: int) -> None:
        self.move_to(self.doc.selection, row)

    def move_to(self, ids: list[str], row: int) -> None:
        """Move the ``ids`` rows to display position ``row`` (counted before the move)."""
        rows = self.display_order()
        if not any(e.id in ids for e in rows):
            return
        self.doc.reorder(timeline_edits.restacked(rows, ids, row), "Reorder layers")

    def _menu(self, pos: QPoint) -> None:
        if not self.doc.selection:
            return
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.tree.editItem(self.tree.currentItem(), NAME))
        first = self.doc.element(self.doc.selection[0])
        for column, label in ((VISIBLE, "Show" if first.hidden else "Hide"),
                              (LOCKED, "Unlock" if first.locked else "Lock")):  # fmt: skip
            menu.addAction(label, lambda c=column: self._toggle_selection(c))
        menu.addAction("Duplicate", lambda: self.doc.duplicate(self.doc.selection))
        menu.addAction("Bring to Front", lambda: self.move_to(self.doc.selection, 0))
        menu.addAction("Send to Back", lambda: self.move_to(self.doc.selection, len(self.ids())))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.doc.remove(self.doc.selection))
        menu.popup(self.tree.viewport().mapToGlobal(pos))
