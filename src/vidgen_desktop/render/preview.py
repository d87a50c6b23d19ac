"""The composited frame at time t, as RGBA, from the same plan the renderer uses.

Geometry comes from ``composition.layout`` at the preview scale; source
frames are chosen with ``layout.source_frame_index``; text is the same
raster as the render's. Blending is straight-alpha "over" on an opaque
background, like FFmpeg's overlay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.model import TextElement, VideoElement
from vidgen_desktop.media import frames
from vidgen_desktop.render import text
from vidgen_desktop.render.graph import HUGE_SCALE_FACTOR, RenderPlan, VisualPlan

FrameLoader = Callable[[VisualPlan, float], np.ndarray]


def _interpolation(src: tuple[int, int], dst: tuple[int, int]) -> int:
    shrinking = dst[0] < src[0] and dst[1] < src[1]
    return cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC


def _scaled_crop(source: np.ndarray, placement: layout.Placement) -> np.ndarray:
    """The source scaled to ``placement.scaled`` and cropped, without building huge frames."""
    sh, sw = source.shape[:2]
    tw, th = placement.scaled
    crop = placement.crop
    if tw * th > HUGE_SCALE_FACTOR * max(1, placement.box.w * placement.box.h):
        kx, ky = tw / sw, th / sh
        matrix = np.array([[kx, 0, -crop.x], [0, ky, -crop.y]], dtype=np.float64)
        return cv2.warpAffine(
            source,
            matrix,
            (crop.w, crop.h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
    if (tw, th) != (sw, sh):
        source = cv2.resize(source, (tw, th), interpolation=_interpolation((sw, sh), (tw, th)))
    if placement.needs_crop:
        source = source[crop.y : crop.bottom, crop.x : crop.right]
    return source


class Previewer:
    """Draws ``plan`` at any time and scale. Keep one per composition state."""

    def __init__(self, render_plan: RenderPlan) -> None:
        self.plan = render_plan
        out = render_plan.composition.output
        self.canvas = (out.width, out.height)
        self.background = parse_color(out.background)

    def frame(self, t: float, scale: float = 1.0) -> np.ndarray:
        """The composited RGBA frame (H, W, 4) at composition time ``t``."""
        w = max(1, round(self.canvas[0] * scale))
        h = max(1, round(self.canvas[1] * scale))
        canvas = np.empty((h, w, 3), dtype=np.float32)
        canvas[:] = self.background[:3]
        bounds = layout.Rect(0, 0, w, h)
        for vp in self.plan.visuals:
            if not vp.window.contains(t):
                continue
            element = vp.element
            placement = layout.place(element, vp.media_size, self.canvas, scale)
            drawn = placement.drawn
            visible = drawn.intersect(bounds)
            if visible is None:
                continue
            pixels = self._pixels(vp, placement, t, scale)
            alpha_scale = element.opacity * layout.fade_alpha(
                vp.window, t, element.fade_in, element.fade_out
            )
            if alpha_scale <= 0:
                continue
            sx, sy = visible.x - drawn.x, visible.y - drawn.y
            patch = pixels[sy : sy + visible.h, sx : sx + visible.w].astype(np.float32)
            alpha = patch[..., 3:4] * (alpha_scale / 255.0)
            region = canvas[visible.y : visible.bottom, visible.x : visible.right]
            region += (patch[..., :3] - region) * alpha
        out = np.empty((h, w, 4), dtype=np.uint8)
        out[..., :3] = np.clip(canvas + 0.5, 0, 255)
        out[..., 3] = 255
        return out

    def _pixels(self, vp: VisualPlan, placement: layout.Placement, t: float, scale: float):
        element = vp.element
        if isinstance(element, TextElement):
            return _text_raster(element, placement.box.w, placement.box.h, scale)
        if isinstance(element, VideoElement):
            reader = frames.video_frames(element.source)
            index = layout.source_frame_index(
                vp.window, t, reader.info.fps or 25.0, None
            )  # clamps itself
            source = reader.frame(index)
        else:
            source = frames.load_image(element.source)
        return _scaled_crop(source, placement)


@functools.lru_cache(maxsize=64)
def _text_raster_cached(key: str, w: int, h: int, scale: float, element_json: str) -> np.ndarray:
    element = TextElement.model_validate_json(element_json)
    return text.rasterize(element, (w, h), scale)


def _text_raster(element: TextElement, w: int, h: int, scale: float) -> np.ndarray:
    data = element.model_dump_json()
    return _text_raster_cached(element.id, w, h, scale, data)


def preview_frame(render_plan: RenderPlan, t: float, scale: float = 1.0) -> np.ndarray:
    return Previewer(render_plan).frame(t, scale)
