"""Arranging elements, with no Qt in it: align, distribute, one-step z-order.

Align and distribute work on boxes in canvas pixels (a turned element by the
upright bounds of its turned corners, what the eye lines up) and answer how
far each box moves; the canvas turns the moves into unit-keeping field edits.
Z-order answers a new element list: the stacking order is by ``track``, then
list order, so an element stepping past another takes that one's track and
sits just after (or before) it in the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vidgen_desktop.ui.editor import geometry

Box = tuple[float, float, float, float]
EDGES = ("left", "centre", "right", "top", "middle", "bottom")
RESTACK = ("forward", "backward", "front", "back")


def bounds(box: Box, degrees: float = 0.0) -> Box:
    """The upright bounds of ``box`` turned by ``degrees`` about its centre."""
    points = geometry.corners(box, degrees)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def union(boxes: Sequence[Box]) -> Box:
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top


def align(boxes: Mapping[str, Box], edge: str, to: Box) -> dict[str, tuple[float, float]]:
    """How far each box moves (dx, dy) so its ``edge`` lines up with ``to``'s."""
    if edge not in EDGES:
        raise ValueError(f"align: unknown edge {edge!r} (one of {', '.join(EDGES)})")
    tx, ty, tw, th = to
    moves = {}
    for key, (x, y, w, h) in boxes.items():
        dx = dy = 0.0
        if edge == "left":
            dx = tx - x
        elif edge == "centre":
            dx = tx + tw / 2 - (x + w / 2)
        elif edge == "right":
            dx = tx + tw - (x + w)
        elif edge == "top":
            dy = ty - y
        elif edge == "middle":
            dy = ty + th / 2 - (y + h / 2)
        else:
            dy = ty + th - (y + h)
        moves[key] = (dx, dy)
    return moves


def distribute(boxes: Mapping[str, Box], axis: str) -> dict[str, tuple[float, float]]:
    """Equal gaps between neighbours along ``axis`` ("horizontal" or "vertical"); the
    outermost two stay put. Fewer than three boxes: nothing moves."""
    if axis not in ("horizontal", "vertical"):
        raise ValueError(f"distribute: unknown axis {axis!r} (horizontal or vertical)")
    if len(boxes) < 3:
        return {key: (0.0, 0.0) for key in boxes}
    a = 0 if axis == "horizontal" else 1
    ordered = sorted(boxes.items(), key=lambda kv: (kv[1][a] + kv[1][a + 2] / 2, kv[0]))
    first, last = ordered[0][1], ordered[-1][1]
    span = last[a] + last[a + 2] - first[a]
    gap = (span - sum(b[a + 2] for _, b in ordered)) / (len(ordered) - 1)
    moves, at = {}, first[a]
    for key, b in ordered:
        delta = at - b[a]
        moves[key] = (delta, 0.0) if a == 0 else (0.0, delta)
        at += b[a + 2] + gap
    return moves


def _visual(element: Any) -> bool:
    return hasattr(element, "x")  # audio elements have no box and no place in the stack


def stacking(elements: Sequence[Any]) -> list[Any]:
    """Visual elements bottom to top (as ``Composition.stacking_order``)."""
    return sorted((e for e in elements if _visual(e)), key=lambda e: e.track)


def restack(elements: Sequence[Any], ids: Sequence[str], how: str) -> list[Any]:
    """The element list with ``ids`` one step up or down the stack, or at its top or bottom."""
    if how not in RESTACK:
        raise ValueError(f"z-order: unknown step {how!r} (one of {', '.join(RESTACK)})")
    items = list(elements)
    chosen = set(ids)

    def place(element_id: str, past: Any | None, above: bool, track: int) -> None:
        index = next(i for i, e in enumerate(items) if e.id == element_id)
        moved = items.pop(index).model_copy(update={"track": track})
        if past is None:
            items.insert(len(items) if above else 0, moved)
        else:
            at = next(i for i, e in enumerate(items) if e.id == past.id)
            items.insert(at + 1 if above else at, moved)

    up = how in ("forward", "front")
    order = [e.id for e in stacking(items)]
    walk = [i for i in (reversed(order) if up else order) if i in chosen]
    if how in ("front", "back"):
        others = [e for e in stacking(items) if e.id not in chosen]
        if not others:
            return items
        track = others[-1].track if up else others[0].track
        for element_id in reversed(walk):  # keeps the chosen ones' order among themselves
            place(element_id, None, up, track)
        return items
    for element_id in walk:
        stack = stacking(items)
        at = next(i for i, e in enumerate(stack) if e.id == element_id)
        step = at + 1 if up else at - 1
        if 0 <= step < len(stack) and stack[step].id not in chosen:
            place(element_id, stack[step], up, stack[step].track)
    return items


def with_groups(elements: Sequence[Any], ids: Sequence[str]) -> list[str]:
    """``ids`` with every other member of their groups, in ``ids`` order then list order."""
    groups = {e.group for e in elements if e.id in set(ids) and e.group}
    out = list(dict.fromkeys(ids))
    out += [e.id for e in elements if e.group in groups and e.id not in out]
    return out


def group_name(elements: Sequence[Any]) -> str:
    """A group name no element uses yet."""
    used = {e.group for e in elements if e.group}
    n = 1
    while f"group-{n}" in used:
        n += 1
    return f"group-{n}"
