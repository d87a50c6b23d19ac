"""Canvas editing math with no Qt in it: unit-keeping moves, resize handles, snapping.

Positions come from ``composition.layout.exact_box`` (fractional canvas
pixels). A moved or resized length keeps its unit: the new position is
computed in pixels and converted back with ``Length.convert``, which is exact,
so ``10%`` moved by 192 px on a 1920 px canvas is ``20%``, not ``19.999…%``.
"""

from __future__ import annotations

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


def resize(box: Box, handle: str, dx: float, dy: float, keep_aspect: bool = False) -> Box:
    """The box after dragging ``handle`` by (dx, dy); the opposite side stays put."""
    x, y, w, h = box
    left, top, right, bottom = x, y, x + w, y + h
    if "w" in handle:
        left = min(left + dx, right - MIN_SIZE)
    if "e" in handle:
        right = max(right + dx, left + MIN_SIZE)
    if "n" in handle:
        top = min(top + dy, bottom - MIN_SIZE)
    if "s" in handle:
        bottom = max(bottom + dy, top + MIN_SIZE)
    nw, nh = right - left, bottom - top
    if keep_aspect and w > 0 and h > 0:
        aspect = w / h
        if handle in ("e", "w"):
            nh = nw / aspect
            top = y + (h - nh) / 2
        elif handle in ("n", "s"):
            nw = nh * aspect
            left = x + (w - nw) / 2
        else:
            kx, ky = nw / w, nh / h
            k = kx if abs(kx - 1) >= abs(ky - 1) else ky
            nw, nh = w * k, h * k
            left = right - nw if "w" in handle else left
            top = bottom - nh if "n" in handle else top
    return left, top, nw, nh


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


def resize_edges(handle: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Which edges a resize handle moves (the ones that may snap)."""
    ex = ("left",) if "w" in handle else ("right",) if "e" in handle else ()
    ey = ("top",) if "n" in handle else ("bottom",) if "s" in handle else ()
    return ex, ey
