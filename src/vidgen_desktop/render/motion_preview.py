"""The preview's half of motion: an animated layer's pixels turned, clipped and placed.

``render.preview`` asks ``layout.state_at`` for the frame's state, draws the
media at ``state.placement`` as for any layer, and hands the pixels here.
What this does mirrors ``render.motion_graph``: the wipe clip cuts the
unrotated media; the media sits in an even-sized stage at
``floor((stage - size) / 2)`` and turns about the stage's centre, bilinear,
with transparent corners (FFmpeg's ``rotate``: pixel centres, clockwise).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import cv2
import numpy as np

from vidgen_desktop.composition import layout


def _rgba(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] == 4:
        return pixels
    # OpenCV: a numpy write into every fourth byte took ~8.5 ms for a 1280×720 frame
    return cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2RGBA)


def transform(pixels: np.ndarray, state: layout.State) -> tuple[np.ndarray, layout.Rect]:
    """The layer's RGBA pixels and the canvas rectangle they cover, for ``state``."""
    drawn = state.drawn
    if state.clip is not None:
        pixels = _rgba(pixels).copy()
        clip = state.clip
        mask = np.zeros(pixels.shape[:2], dtype=bool)
        x0, x1 = max(0, clip.x - drawn.x), max(0, clip.right - drawn.x)
        y0, y1 = max(0, clip.y - drawn.y), max(0, clip.bottom - drawn.y)
        mask[y0:y1, x0:x1] = True
        pixels[..., 3] = np.where(mask, pixels[..., 3], 0)
    if abs(state.rotation) <= 1e-9:
        return pixels, drawn
    pixels = _rgba(pixels)
    h, w = pixels.shape[:2]
    side = math.ceil(math.hypot(w, h)) + 2
    side += side % 2
    ox, oy = (side - w) // 2, (side - h) // 2
    stage = np.zeros((side, side, 4), dtype=np.uint8)
    stage[oy : oy + h, ox : ox + w] = pixels
    centre = ((side - 1) / 2, (side - 1) / 2)
    matrix = cv2.getRotationMatrix2D(centre, -state.rotation, 1.0)
    turned = cv2.warpAffine(
        stage,
        matrix,
        (side, side),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    return turned, layout.Rect(drawn.x - ox, drawn.y - oy, side, side)


_SHRUNK: OrderedDict[tuple, np.ndarray] = OrderedDict()
SHRUNK_CACHE = 16


def shrunk(key: str, source: np.ndarray, track, scale: float) -> np.ndarray:
    """A moving still shrunk once (INTER_AREA) to the largest size any of its frames is
    drawn at: scaling from it each frame is cheap, as in the render
    (``motion_graph.prepare``). Placements stay valid: they are in drawn pixels."""
    sh, sw = source.shape[:2]
    most_w = max(s.placement.scaled[0] for s in track.states) * scale
    most_h = max(s.placement.scaled[1] for s in track.states) * scale
    size = (max(1, math.ceil(most_w)), max(1, math.ceil(most_h)))
    if size[0] >= sw or size[1] >= sh:
        return source
    cache_key = (key, id(source), size)
    picture = _SHRUNK.get(cache_key)
    if picture is None:
        picture = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
        _SHRUNK[cache_key] = picture
        while len(_SHRUNK) > SHRUNK_CACHE:
            _SHRUNK.popitem(last=False)
    return picture
