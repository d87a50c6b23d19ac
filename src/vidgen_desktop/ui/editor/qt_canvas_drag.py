"""What a drag on the canvas does: move, resize (turned boxes too) and rotate.

Each drag starts from the elements' keyframed state at the playhead
(``keyframes.state(base=True)``: no preset offsets) and writes back through
``keyframes.set_values``: an animated property gets a keyframe at the
playhead, a still one its field. Every mouse move pushes a command with the
drag's merge key, so one drag is one undo step.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF

from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor import arrange, geometry, keyframes
from vidgen_desktop.ui.editor.document import VisualElement

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_canvas import QtCanvas

SNAP_DISTANCE = 6  # screen px
MIN_VISIBLE = 4  # screen px: the smallest a box gets by dragging a handle
_drags = itertools.count(1)


def start(canvas: QtCanvas, pos: QPointF, elements: list[VisualElement], handle: str | None):
    doc = canvas.doc
    views = {e.id: keyframes.state(doc, e, base=True) for e in elements}
    moving = set(views)
    others = [
        canvas.view(e).box for e in doc.comp.stacking_order() if e.id not in moving and not e.hidden
    ]
    kind = "rotate" if handle == "rotate" else "resize" if handle else "move"
    drag = {
        "press": pos,
        "handle": handle,
        "boxes": {i: v.box for i, v in views.items()},
        "rotations": {i: v.rotation for i, v in views.items()},
        "others": others,
        "key": (kind, next(_drags)),
        "handle_of": elements[0].id if elements else None,
    }
    if handle and len(elements) > 1:  # a group's handles: its members scale as one
        drag["group"] = arrange.union([arrange.bounds(v.box, v.rotation) for v in views.values()])
    return drag


def group_box(canvas: QtCanvas) -> geometry.Box | None:
    """The bounds of the selection when it is one whole group, none of it locked."""
    doc = canvas.doc
    chosen = doc.selected_visuals()
    names = {e.group for e in chosen}
    if len(chosen) < 2 or len(names) != 1 or None in names or any(e.locked for e in chosen):
        return None
    members = {e.id for e in doc.comp.stacking_order() if e.group in names}
    if members != {e.id for e in chosen}:
        return None
    views = [canvas.view(e) for e in chosen]
    return arrange.union([arrange.bounds(v.box, v.rotation) for v in views])


def group_handle_at(canvas: QtCanvas, point: QPointF) -> str | None:
    box = group_box(canvas)
    for name, at in geometry.handle_points(box).items() if box else ():
        if canvas.handle_rect(at).adjusted(-3, -3, 3, 3).contains(point):
            return name
    return None


def default_keep(canvas: QtCanvas, drag: dict) -> bool:
    """Whether a resize keeps the aspect with no key held (Shift inverts it)."""
    return "group" not in drag and keeps_aspect(canvas.doc.element(drag["handle_of"]))


def keeps_aspect(element: VisualElement) -> bool:
    """Media that fit their box (any fit but ``fill``) keep its aspect by default."""
    return getattr(element, "fit", "fill") != "fill"


def edit(canvas: QtCanvas, values: dict[str, dict], text: str, key) -> None:
    changes, problems = {}, []
    for element_id, props in values.items():
        fields, refusal = keyframes.set_values(canvas.doc, canvas.doc.element(element_id), props)
        if refusal:
            problems.append(refusal)
        else:
            changes[element_id] = fields
    error = canvas.doc.edit(changes, text, merge_key=key) if changes else None
    canvas.tell("\n".join([*problems, *([error] if error else [])]))


def move(canvas: QtCanvas, drag: dict, dx: float, dy: float, snap: bool) -> geometry.Snap:
    boxes = drag["boxes"]
    guides = geometry.Snap()
    if snap:
        left = min(b[0] for b in boxes.values()) + dx
        top = min(b[1] for b in boxes.values()) + dy
        right = max(b[0] + b[2] for b in boxes.values()) + dx
        bottom = max(b[1] + b[3] for b in boxes.values()) + dy
        threshold = SNAP_DISTANCE / canvas.zoom
        union = (left, top, right - left, bottom - top)
        guides = geometry.snap_box(union, canvas.doc.canvas, drag["others"], threshold)
        dx, dy = dx + guides.dx, dy + guides.dy
    cw, ch = canvas.doc.canvas
    values = {}
    for element_id, (x, y, _, _) in boxes.items():
        element = canvas.doc.element(element_id)
        values[element_id] = {
            "x": geometry.at_px(unit_length(element, "x"), x + dx, cw),
            "y": geometry.at_px(unit_length(element, "y"), y + dy, ch),
        }
    edit(canvas, values, "Move", drag["key"])
    return guides


def unit_length(element: VisualElement, prop: str) -> Length:
    """A length in the unit a moved value keeps: its keyframes' unit, else the field's."""
    return Length(0.0, keyframes.unit_of(element, prop))


def resize(
    canvas: QtCanvas, drag: dict, dx: float, dy: float, snap: bool, keep: bool, centred=False
):
    if "group" in drag:
        return _resize_group(canvas, drag, dx, dy, keep, centred)
    ((element_id, box),) = drag["boxes"].items()
    degrees = drag["rotations"][element_id]
    handle = drag["handle"]
    guides = geometry.Snap()
    smallest = math.ceil(MIN_VISIBLE / canvas.zoom)  # canvas px: never too small to see
    if centred:  # the opposite side moves as far the other way: the centre stays put
        cx, cy = geometry.centre(box)
        _, _, w, h = geometry.resize_turned(box, degrees, handle, 2 * dx, 2 * dy, keep, smallest)
        return _resized(canvas, element_id, (cx - w / 2, cy - h / 2, w, h), drag["key"])
    if snap and not degrees % 360:  # guides are upright lines: a turned edge cannot meet them
        raw = geometry.resize(box, handle, dx, dy, min_size=smallest)
        flip = geometry.flipped(box, handle, dx, dy)
        edges_x, edges_y = geometry.resize_edges(handle, flip)
        threshold = SNAP_DISTANCE / canvas.zoom
        guides = geometry.snap_box(
            raw, canvas.doc.canvas, drag["others"], threshold, edges_x=edges_x, edges_y=edges_y
        )
        dx, dy = dx + guides.dx, dy + guides.dy
    new = geometry.resize_turned(box, degrees, handle, dx, dy, keep, smallest)
    _resized(canvas, element_id, new, drag["key"])
    return guides


def _resized(canvas: QtCanvas, element_id: str, new, key) -> geometry.Snap:
    x, y, w, h = new
    element = canvas.doc.element(element_id)
    cw, ch = canvas.doc.canvas
    values = {
        "x": geometry.at_px(unit_length(element, "x"), x, cw),
        "y": geometry.at_px(unit_length(element, "y"), y, ch),
        "width": geometry.at_px(unit_length(element, "width"), w, cw),
        "height": geometry.at_px(unit_length(element, "height"), h, ch),
    }
    edit(canvas, {element_id: values}, "Resize", key)
    return geometry.Snap()


def _resize_group(canvas: QtCanvas, drag: dict, dx, dy, keep: bool, centred: bool):
    """Scale every member with the group's bounds (positions and sizes, about the handle's
    opposite side, or the centre with Alt)."""
    box, handle = drag["group"], drag["handle"]
    smallest = math.ceil(MIN_VISIBLE / canvas.zoom)
    if centred:
        cx, cy = geometry.centre(box)
        _, _, w, h = geometry.resize(box, handle, 2 * dx, 2 * dy, keep, smallest)
        new = (cx - w / 2, cy - h / 2, w, h)
    else:
        new = geometry.resize(box, handle, dx, dy, keep, smallest)
    sx, sy = new[2] / max(box[2], 1e-9), new[3] / max(box[3], 1e-9)
    cw, ch = canvas.doc.canvas
    values = {}
    for element_id, (x, y, w, h) in drag["boxes"].items():
        element = canvas.doc.element(element_id)
        values[element_id] = {
            "x": geometry.at_px(unit_length(element, "x"), new[0] + (x - box[0]) * sx, cw),
            "y": geometry.at_px(unit_length(element, "y"), new[1] + (y - box[1]) * sy, ch),
            "width": geometry.at_px(unit_length(element, "width"), w * sx, cw),
            "height": geometry.at_px(unit_length(element, "height"), h * sy, ch),
        }
    edit(canvas, values, "Scale Group", drag["key"])
    return geometry.Snap()


def rotate(canvas: QtCanvas, drag: dict, pos: QPointF, step: bool) -> float:
    """Turn the element about its centre by how far the handle went round it."""
    ((element_id, box),) = drag["boxes"].items()
    about = geometry.centre(box)
    press = canvas.to_canvas(drag["press"])
    angle = geometry.rotation_drag(
        drag["rotations"][element_id], about, press, canvas.to_canvas(pos), step
    )
    edit(canvas, {element_id: {"rotation": angle}}, "Rotate", drag["key"])
    return angle
