"""The canvas's arranging commands: clipboard, align, distribute, z-order, group, and the
Arrange menu and canvas context menu that offer them.

Each command is one undoable step however many elements it changes (one
``Document.edit``, ``reorder`` or ``add``). Moves keep each length's unit and
key animated properties at the playhead, as a drag does (``qt_canvas_drag``).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu

from vidgen_desktop.ui.editor import arrange, clipboard, geometry, keyframes, qt_canvas_drag
from vidgen_desktop.ui.editor.qt_canvas import QtCanvas, tell_locked, tell_text
from vidgen_desktop.ui.shell.actions import ActionId

ALIGN = {
    ActionId.ALIGN_LEFT: "left",
    ActionId.ALIGN_CENTRE: "centre",
    ActionId.ALIGN_RIGHT: "right",
    ActionId.ALIGN_TOP: "top",
    ActionId.ALIGN_MIDDLE: "middle",
    ActionId.ALIGN_BOTTOM: "bottom",
}
DISTRIBUTE = {ActionId.DISTRIBUTE_H: "horizontal", ActionId.DISTRIBUTE_V: "vertical"}
RESTACK = {
    ActionId.BRING_FORWARD: ("forward", "Bring Forward"),
    ActionId.SEND_BACKWARD: ("backward", "Send Backward"),
    ActionId.BRING_TO_FRONT: ("front", "Bring to Front"),
    ActionId.SEND_TO_BACK: ("back", "Send to Back"),
}


class Arranger:
    def __init__(self, canvas: QtCanvas, align_to_canvas: QAction | None = None) -> None:
        self.canvas, self.doc = canvas, canvas.doc
        self.align_to_canvas = align_to_canvas

    # -- clipboard -------------------------------------------------------------------------

    def copy(self) -> bool:
        chosen = [e for e in self.doc.comp.elements if e.id in self.doc.selection]
        if not chosen:
            return False
        text = clipboard.dumps(chosen, self.doc.path.parent if self.doc.path else None)
        mime = QMimeData()
        mime.setData(clipboard.MIME, text.encode())
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def cut(self) -> None:
        if self.copy():
            self.doc.remove(list(self.doc.selection), "Cut")

    def paste(self) -> str | None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return None
        if mime.hasFormat(clipboard.MIME):
            text = bytes(mime.data(clipboard.MIME).data()).decode("utf-8", "replace")
        elif mime.hasText():
            text = mime.text()
        else:
            return None
        try:
            elements = clipboard.loads(text)
        except ValueError as exc:
            tell_text(self.canvas, str(exc))
            return str(exc)
        elements = clipboard.unique(
            elements, [e.id for e in self.doc.comp.elements], self.doc.new_id
        )
        elements = _fresh_groups(self.doc.comp.elements, elements)
        self.doc.add(elements, "Paste")
        self.doc.set_selection([e.id for e in elements])
        return None

    # -- moves -----------------------------------------------------------------------------

    def _movable(self):
        visuals = self.doc.selected_visuals()
        locked = [e for e in visuals if e.locked]
        if locked:
            tell_locked(self.canvas, locked)
        return [e for e in visuals if not e.locked]

    def _bounds(self, elements) -> dict[str, arrange.Box]:
        out = {}
        for element in elements:
            view = self.canvas.view(element)
            out[element.id] = arrange.bounds(view.box, view.rotation)
        return out

    def shift(self, moves: dict[str, tuple[float, float]], text: str) -> None:
        values = {}
        cw, ch = self.doc.canvas
        for element_id, (dx, dy) in moves.items():
            if abs(dx) < 1e-9 and abs(dy) < 1e-9:
                continue
            element = self.doc.element(element_id)
            x, y, _, _ = keyframes.state(self.doc, element, base=True).box
            values[element_id] = {
                "x": geometry.at_px(qt_canvas_drag.unit_length(element, "x"), x + dx, cw),
                "y": geometry.at_px(qt_canvas_drag.unit_length(element, "y"), y + dy, ch),
            }
        if values:
            qt_canvas_drag.edit(self.canvas, values, text, None)

    def align(self, edge: str) -> None:
        elements = self._movable()
        if not elements:
            return
        boxes = self._bounds(elements)
        to_canvas = len(elements) == 1 or (
            self.align_to_canvas is not None and self.align_to_canvas.isChecked()
        )
        cw, ch = self.doc.canvas
        to = (0.0, 0.0, float(cw), float(ch)) if to_canvas else arrange.union([*boxes.values()])
        self.shift(arrange.align(boxes, edge, to), f"Align {edge.title()}")

    def distribute(self, axis: str) -> None:
        elements = self._movable()
        if len(elements) < 3:
            tell_text(self.canvas, "Distribute needs three or more unlocked elements selected")
            return
        self.shift(arrange.distribute(self._bounds(elements), axis), f"Distribute {axis.title()}")

    # -- stacking and groups ---------------------------------------------------------------

    def restack(self, how: str, text: str) -> None:
        ids = [e.id for e in self.doc.selected_visuals()]
        if ids:
            self.doc.reorder(arrange.restack(self.doc.comp.elements, ids, how), text)

    def group(self) -> None:
        ids = list(self.doc.selection)
        if len(ids) < 2:
            tell_text(self.canvas, "Group needs two or more elements selected")
            return
        name = arrange.group_name(self.doc.comp.elements)
        self._set_group(ids, name, "Group")

    def ungroup(self) -> None:
        ids = [e.id for e in self.doc.comp.elements if e.id in self.doc.selection and e.group]
        if ids:
            self._set_group(ids, None, "Ungroup")

    def _set_group(self, ids, name, text) -> None:
        # a locked member may join or leave: a group changes nothing it shows
        error = self.doc.edit({i: {"group": name} for i in ids}, text)
        tell_text(self.canvas, error or "")


def _fresh_groups(existing, pasted):
    """Pasted members keep being a group, under a name the document does not use yet."""
    renamed: dict[str, str] = {}
    out, taken = [], list(existing)
    for element in pasted:
        if element.group:
            if element.group not in renamed:
                renamed[element.group] = arrange.group_name(taken)
                taken.append(element.model_copy(update={"group": renamed[element.group]}))
            element = element.model_copy(update={"group": renamed[element.group]})
        out.append(element)
    return out


EDIT_ACTIONS = (ActionId.CUT, ActionId.COPY, ActionId.PASTE, ActionId.DUPLICATE, ActionId.DELETE)
ORDER_ACTIONS = tuple(RESTACK)
GROUP_ACTIONS = (ActionId.GROUP, ActionId.UNGROUP)


def fill(menu: QMenu, actions: dict) -> None:
    """The arranging actions in ``menu`` (the Arrange menu and the canvas context menu)."""
    for action_id in EDIT_ACTIONS:
        menu.addAction(actions[action_id])
    menu.addSeparator()
    order = menu.addMenu("&Order")
    for action_id in ORDER_ACTIONS:
        order.addAction(actions[action_id])
    align = menu.addMenu("A&lign")
    for action_id in ALIGN:
        align.addAction(actions[action_id])
    align.addSeparator()
    align.addAction(actions[ActionId.ALIGN_TO_CANVAS])
    distribute = menu.addMenu("D&istribute")
    for action_id in DISTRIBUTE:
        distribute.addAction(actions[action_id])
    menu.addSeparator()
    for action_id in GROUP_ACTIONS:
        menu.addAction(actions[action_id])


def context_menu(canvas: QtCanvas, actions: dict, at: QPoint) -> QMenu:
    """The canvas context menu at widget point ``at`` (a right-click selects what it hits)."""
    hit = canvas.element_at(at.toPointF())
    if hit is not None and hit not in canvas.doc.selection:
        canvas.doc.set_selection(arrange.with_groups(canvas.doc.comp.elements, [hit]))
    menu = QMenu(canvas)
    menu.setObjectName("canvas_context_menu")
    fill(menu, actions)
    return menu


def install(window: QMainWindow) -> Arranger:
    """Connect the arranging actions and add the Arrange menu to ``window``."""
    a = window.actions
    arranger = Arranger(window.canvas, a[ActionId.ALIGN_TO_CANVAS])
    a[ActionId.COPY].triggered.connect(arranger.copy)
    a[ActionId.CUT].triggered.connect(arranger.cut)
    a[ActionId.PASTE].triggered.connect(arranger.paste)
    for action_id, edge in ALIGN.items():
        a[action_id].triggered.connect(lambda _=False, e=edge: arranger.align(e))
    for action_id, axis in DISTRIBUTE.items():
        a[action_id].triggered.connect(lambda _=False, x=axis: arranger.distribute(x))
    for action_id, (how, text) in RESTACK.items():
        a[action_id].triggered.connect(lambda _=False, h=how, t=text: arranger.restack(h, t))
    a[ActionId.GROUP].triggered.connect(arranger.group)
    a[ActionId.UNGROUP].triggered.connect(arranger.ungroup)
    menu = QMenu("A&rrange", window)
    menu.setObjectName("menu_arrange")
    fill(menu, a)
    window.menuBar().addMenu(menu)
    for item in window.menuBar().actions():  # the Edit menu has the clipboard too
        if item.menu() is not None and item.text() == "&Edit":
            item.menu().insertActions(a[ActionId.ADD_TEXT], [a[i] for i in EDIT_ACTIONS[:3]])
    window.canvas.context_actions = a
    window.arranger = arranger
    return arranger
