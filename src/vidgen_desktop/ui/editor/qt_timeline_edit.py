"""The timeline's commands: split at the playhead (S), ripple delete, add marker (M),
timeline zoom (+, −, fit) and the Snap toggle, installed on the main window with a
Timeline menu. Each edit is one undo step (a macro where it takes several commands).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu
from pydantic import ValidationError

from vidgen_desktop.composition.messages import describe_errors
from vidgen_desktop.ui.editor import qt_timeline_marks, qt_timeline_zoom, timeline_edits
from vidgen_desktop.ui.shell.actions import ActionId

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.document import Document

MENU = (
    ActionId.SPLIT,
    ActionId.RIPPLE_DELETE,
    ActionId.ADD_MARKER,
    None,
    ActionId.TIMELINE_ZOOM_IN,
    ActionId.TIMELINE_ZOOM_OUT,
    ActionId.TIMELINE_ZOOM_FIT,
)


def split_at_playhead(doc: Document) -> str | None:
    """Cut every selected element under the playhead in two (the second part selected);
    the refusal when none can be cut, also sent through ``doc.refused``."""
    windows = doc.timeline().windows
    fps = doc.comp.output.fps
    ids = [i for i in doc.selection if doc.has(i)]
    if not ids:  # nothing selected: the clips under the playhead, as in most editors
        ids = [e.id for e in doc.comp.elements
               if windows[e.id].start < doc.time < windows[e.id].end]  # fmt: skip
    cuts, problems = [], []
    for element_id in ids:
        element = doc.element(element_id)
        taken = {e.id for e in doc.comp.elements} | {data["id"] for _, _, data in cuts}
        result = timeline_edits.split(
            element, windows[element_id], doc.time, fps, doc.new_id(element_id, taken)
        )
        if isinstance(result, str):
            problems.append(result)
            continue
        first, data = result
        try:  # both parts checked before anything is pushed: a refusal leaves no step
            type(element).model_validate({**dict(element), **first})
            type(element).model_validate(data)
        except ValidationError as exc:
            problems.append(describe_errors(exc, element_id=element_id).replace("\n", "; "))
            continue
        cuts.append((element_id, first, data))
    if not cuts:
        message = "; ".join(problems) or "select a clip under the playhead to split it"
        doc.refused.emit(f"Not split: {message}")
        return message
    stack = doc.undo_stack
    stack.beginMacro("Split" if len(cuts) == 1 else f"Split {len(cuts)} elements")
    try:
        refusal = doc.edit({element_id: first for element_id, first, _ in cuts}, "Split")
        if refusal is None:
            for element_id, _, data in cuts:
                index = [e.id for e in doc.comp.elements].index(element_id) + 1
                second = type(doc.element(element_id)).model_validate(data)
                doc.add([second], "Split", index=index)
            doc.set_selection([data["id"] for _, _, data in cuts])
    finally:
        stack.endMacro()
    if refusal is not None:
        stack.undo()  # the empty macro
        doc.refused.emit(f"Not split: {refusal}")
    return refusal


def ripple_delete(doc: Document) -> str | None:
    """Delete the selection and move everything after it earlier by the time it took."""
    ids = [i for i in doc.selection if doc.has(i)]
    if not ids:
        return None
    locked = [doc.element(i).label for i in ids if doc.element(i).locked]
    shifts = timeline_edits.ripple_shifts(doc.comp.elements, doc.timeline().windows, ids)
    locked += [doc.element(i).label for i in shifts if doc.element(i).locked]
    if locked:
        message = f"Not deleted: '{locked[0]}' is locked. Unlock it in the Layers panel first."
        doc.refused.emit(message)
        return message
    stack = doc.undo_stack
    stack.beginMacro("Ripple delete")
    try:
        refusal = doc.edit(shifts, "Ripple delete") if shifts else None
        if refusal is None:
            doc.remove(ids, "Ripple delete")
    finally:
        stack.endMacro()
    if refusal is not None:
        stack.undo()
        doc.refused.emit(f"Not deleted: {refusal}")
    return refusal


def install(window) -> None:
    """Connect the timeline's actions on the main window and add its Timeline menu."""
    a, doc, view = window.actions, window.doc, window.timeline.view
    a[ActionId.SPLIT].triggered.connect(lambda: split_at_playhead(doc))
    a[ActionId.RIPPLE_DELETE].triggered.connect(lambda: ripple_delete(doc))
    a[ActionId.ADD_MARKER].triggered.connect(lambda: qt_timeline_marks.add_at_playhead(view))
    a[ActionId.TIMELINE_ZOOM_IN].triggered.connect(
        lambda: qt_timeline_zoom.zoom_by(view, qt_timeline_zoom.STEP)
    )
    a[ActionId.TIMELINE_ZOOM_OUT].triggered.connect(
        lambda: qt_timeline_zoom.zoom_by(view, 1 / qt_timeline_zoom.STEP)
    )
    a[ActionId.TIMELINE_ZOOM_FIT].triggered.connect(lambda: qt_timeline_zoom.set_zoom(view, None))
    snap = a[ActionId.SNAPPING]
    view.snapping = snap.isChecked()
    snap.toggled.connect(lambda on: setattr(view, "snapping", on))
    menu = QMenu("&Timeline", window)
    help_menu = getattr(window, "help_menu", None)  # Help stays the last menu
    if help_menu is not None:
        window.menuBar().insertMenu(help_menu.menuAction(), menu)
    else:
        window.menuBar().addMenu(menu)
    for action_id in MENU:
        menu.addAction(a[action_id]) if action_id else menu.addSeparator()
    window.timeline_menu = menu
