"""Canvas editing math with no Qt in it: unit-keeping moves, resize handles, snapping.

Positions come from ``composition.layout.exact_box`` (fractional canvas
pixels). A moved or resized length keeps its unit: the new position is
computed in pixels and converted back with ``Length.convert``, which is exact,
so ``10%`` moved by 192 px on a 1920 px canvas is ``20%``, not ``19.999…%``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vidgen_desktop.composition.units import Length

Box = tuple[float, float, float, float]  # x, y, w, h in canvas pixels
MIN_SIZE = 1.0  # canvas px


def at_px(length: Length, px: float, extent: int) -> Length:
    """A length of ``px`` canvas pixels in ``length``'s own unit."""
    return Length(px + 0.0, "px").convert(length.unit, extent)


def shifted(length: Length, delta_px: float, extent: int) -> Length:
    """``length`` moved by ``delta_px`` canvas pixels, in its own unit."""
    if delta_px == 0:
        return length
    base = length.convert("px", extent).value
    return at_px(length, base + delta_px, extent)


def handle_points(box: Box) -> dict[str, tuple[float, float]]:
    x, y, w, h = box
    cx, cy, r, b = x + w / 2, y + h / 2, x + w, y + h
    return {
        "nw": (x, y),
        "n": (cx, y),
        "ne": (r, y),
        "e": (r, cy),
        "se": (r, b),
        "s": (cx, b),
        "sw": (x, b),
        "w": (x, cy),
    }


def _span(a: float, b: float, min_size: float) -> tuple[float, float]:
    """The interval from fixed edge ``a`` to dragged edge ``b``, at least ``min_size`` long.

    Past the fixed edge the interval flips to the other side of it, as in Figma or
    Illustrator, instead of collapsing.
    """
    length = abs(b - a)
    if length < min_size:
        b = a + (min_size if b >= a else -min_size)
    return min(a, b), abs(b - a)


def resize(
    box: Box,
    handle: str,
    dx: float,
    dy: float,
    keep_aspect: bool = False,
    min_size: float = MIN_SIZE,
) -> Box:
    """The box after dragging ``handle`` by (dx, dy); the opposite side stays put.

    Dragged past the opposite side, the box flips over it (the dragged edge
    becomes the other edge); it never gets smaller than ``min_size``. Only the
    box flips: the media in it is not mirrored (the document has no mirror, and
    a mirrored logo or line of text is never what a resize meant).
    """
    x, y, w, h = box
    left, top, right, bottom = x, y, x + w, y + h
    # per axis: the fixed edge and where the dragged edge is now (signed extents)
    fx, mx = (right, left + dx) if "w" in handle else (left, right + dx)
    fy, my = (bottom, top + dy) if "n" in handle else (top, bottom + dy)
    sx = (mx - fx) if "e" in handle else (fx - mx)  # negative: flipped
    sy = (my - fy) if "s" in handle else (fy - my)
    moves_x, moves_y = ("e" in handle or "w" in handle), ("n" in handle or "s" in handle)
    if keep_aspect and w > 0 and h > 0:
        if moves_x and moves_y:
            kx, ky = sx / w, sy / h
            k = abs(kx if abs(abs(kx) - 1) >= abs(abs(ky) - 1) else ky)
            sx, sy = math.copysign(w * k, sx), math.copysign(h * k, sy)
        elif moves_x:
            sy = abs(sx) * h / w
        else:
            sx = abs(sy) * w / h
    if moves_x:
        direction = 1 if "e" in handle else -1
        nx, nw = _span(fx, fx + direction * sx, min_size)
    else:  # an n/s handle: the width changes only to keep the aspect, about the centre
        nw = max(min_size, abs(sx)) if keep_aspect else w
        nx = x + (w - nw) / 2
    if moves_y:
        direction = 1 if "s" in handle else -1
        ny, nh = _span(fy, fy + direction * sy, min_size)
    else:
        nh = max(min_size, abs(sy)) if keep_aspect else h
        ny = y + (h - nh) / 2
    return nx, ny, nw, nh


def flipped(box: Box, handle: str, dx: float, dy: float) -> tuple[bool, bool]:
    """Whether dragging ``handle`` by (dx, dy) takes the box past its opposite side."""
    _, _, w, h = box
    fx = ("e" in handle and dx < -w) or ("w" in handle and dx > w)
    fy = ("s" in handle and dy < -h) or ("n" in handle and dy > h)
    return fx, fy


@dataclass(frozen=True)
class Snap:
    """How far to shift to snap, and the guide lines to draw (canvas px)."""

    dx: float = 0.0
    dy: float = 0.0
    vertical: tuple[float, ...] = ()  # x positions of vertical guides
    horizontal: tuple[float, ...] = ()  # y positions of horizontal guides


def targets(canvas: tuple[int, int], others: Iterable[Box]) -> tuple[list[float], list[float]]:
    """Where things snap to: canvas edges and centre, other boxes' edges and centres."""
    cw, ch = canvas
    xs, ys = [0.0, cw / 2, float(cw)], [0.0, ch / 2, float(ch)]
    for x, y, w, h in others:
        xs += [x, x + w / 2, x + w]
        ys += [y, y + h / 2, y + h]
    return xs, ys


def _nearest(
    candidates: Sequence[float], lines: Sequence[float], threshold: float
) -> tuple[float, tuple[float, ...]]:
    best: float | None = None
    for c in candidates:
        for line in lines:
            d = line - c
            if abs(d) <= threshold and (best is None or abs(d) < abs(best)):
                best = d
    if best is None:
        return 0.0, ()
    hits = {line for c in candidates for line in lines if abs(c + best - line) < 1e-6}
    return best, tuple(sorted(hits))


def snap_box(
    box: Box,
    canvas: tuple[int, int],
    others: Iterable[Box],
    threshold: float,
    *,
    edges_x: Sequence[str] = ("left", "center", "right"),
    edges_y: Sequence[str] = ("top", "middle", "bottom"),
) -> Snap:
    """The smallest shift (each axis, within ``threshold``) that lines ``box`` up."""
    xs, ys = targets(canvas, others)
    x, y, w, h = box
    cx = {"left": x, "center": x + w / 2, "right": x + w}
    cy = {"top": y, "middle": y + h / 2, "bottom": y + h}
    dx, vertical = _nearest([cx[e] for e in edges_x], xs, threshold)
    dy, horizontal = _nearest([cy[e] for e in edges_y], ys, threshold)
    return Snap(dx, dy, vertical, horizontal)


def resize_edges(
    handle: str, flip: tuple[bool, bool] = (False, False)
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Which edges a resize handle moves (the ones that may snap); flipped, the other one."""
    west, north = ("w" in handle) != flip[0], ("n" in handle) != flip[1]
    ex = (("left",) if west else ("right",)) if "w" in handle or "e" in handle else ()
    ey = (("top",) if north else ("bottom",)) if "n" in handle or "s" in handle else ()
    return ex, ey


# -- rotation (degrees clockwise about the box's centre, as in the document) -----------------

Point = tuple[float, float]
ROTATE_STEP = 15.0  # degrees: Shift while turning


def centre(box: Box) -> Point:
    x, y, w, h = box
    return x + w / 2, y + h / 2


def turned(point: Point, about: Point, degrees: float) -> Point:
    """``point`` turned ``degrees`` clockwise (on a y-down canvas) about ``about``."""
    if not degrees:
        return point
    a = math.radians(degrees)
    dx, dy = point[0] - about[0], point[1] - about[1]
    return about[0] + dx * math.cos(a) - dy * math.sin(a), about[1] + dx * math.sin(
        a
    ) + dy * math.cos(a)


def corners(box: Box, degrees: float = 0.0) -> list[Point]:
    """The box's corners, clockwise from its top-left, turned with it."""
    x, y, w, h = box
    c = centre(box)
    return [turned(p, c, degrees) for p in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]


def turned_handles(box: Box, degrees: float = 0.0) -> dict[str, Point]:
    c = centre(box)
    return {name: turned(p, c, degrees) for name, p in handle_points(box).items()}


def contains(box: Box, degrees: float, point: Point) -> bool:
    """Whether ``point`` is inside the box turned by ``degrees``."""
    x, y, w, h = box
    px, py = turned(point, centre(box), -degrees)
    return x <= px <= x + w and y <= py <= y + h


def rotate_handle(box: Box, degrees: float, distance: float) -> Point:
    """Where the rotate handle is: ``distance`` above the top edge's middle, turned."""
    x, y, w, _ = box
    return turned((x + w / 2, y - distance), centre(box), degrees)


def bearing(about: Point, point: Point) -> float:
    """The direction from ``about`` to ``point``: 0° straight up, growing clockwise."""
    return math.degrees(math.atan2(point[0] - about[0], -(point[1] - about[1])))


def rotation_drag(start: float, about: Point, press: Point, now: Point, step: bool) -> float:
    """The rotation after turning the handle from ``press`` to ``now`` (``step``: 15° steps)."""
    delta = (bearing(about, now) - bearing(about, press) + 180.0) % 360.0 - 180.0
    angle = start + delta
    if step:
        angle = round(angle / ROTATE_STEP) * ROTATE_STEP
    return round(angle, 2) + 0.0


def local_delta(dx: float, dy: float, degrees: float) -> Point:
    """A drag on the canvas as it runs along the turned box's own axes."""
    return turned((dx, dy), (0.0, 0.0), -degrees)


def resize_turned(
    box: Box,
    degrees: float,
    handle: str,
    dx: float,
    dy: float,
    keep_aspect: bool = False,
    min_size: float = MIN_SIZE,
) -> Box:
    """``resize`` of a turned box: the drag is taken along the box's axes, and the
    opposite side stays where it is on the canvas (the box's centre moves with it)."""
    if not degrees:
        return resize(box, handle, dx, dy, keep_aspect, min_size)
    ldx, ldy = local_delta(dx, dy, degrees)
    new = resize(box, handle, ldx, ldy, keep_aspect, min_size)
    (cx0, cy0), (cx1, cy1) = centre(box), centre(new)
    # a point fixed in the box's own frame lands (I - R)(c0 - c1) off once the centre moves
    rx, ry = turned((cx0 - cx1, cy0 - cy1), (0.0, 0.0), degrees)
    sx, sy = (cx0 - cx1) - rx, (cy0 - cy1) - ry
    return new[0] + sx, new[1] + sy, new[2], new[3]
