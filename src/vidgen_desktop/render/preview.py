"""The composited frame at time t, as RGBA, from the same plan the renderer uses.

Geometry comes from ``composition.layout`` at the preview scale; source
frames are chosen with ``layout.source_frame_index``; text is the same
raster as the render's. Blending is straight-alpha "over" on an opaque
background, like FFmpeg's overlay. Time is the output frame's: at ``t`` the
preview draws frame ``floor(t × fps)`` (fades and windows at that frame's
time), as a player shows the render.

Resampling: stills are scaled by the renderer's own chain (``render.exact``,
cached per size), so they match the render exactly. Video frames too with
``exact=True`` (``vidgen preview``, a paused canvas); during playback and
scrubbing (``exact=False``) they come from OpenCV or the proxy and are scaled
by ``cv2.resize``, which is fast and within a few dB of the render; such a
frame says so (``Previewer.approximate``) so that the canvas can refine it.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable

import cv2
import numpy as np

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.model import TextElement, VideoElement
from vidgen_desktop.errors import MediaError
from vidgen_desktop.media import frames
from vidgen_desktop.media.proxy import proxy_frames
from vidgen_desktop.render import exact, motion_preview, text
from vidgen_desktop.render.exact import Superseded
from vidgen_desktop.render.graph import HUGE_SCALE_FACTOR, RenderPlan, VisualPlan

# stills up to this size are scaled by FFmpeg on the canvas too (once per size, ~20 ms);
# larger ones would cost a full decode on every resize, so the canvas uses OpenCV for them
EXACT_STILL_PIXELS = 12_000_000


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


def _blend(region: np.ndarray, patch: np.ndarray, alpha_scale: float) -> None:
    """``patch`` over ``region`` in place: ``below + (above - below) × alpha + 0.5``, in
    float32 and truncated, as 8-bit "over" has always been drawn here.

    Only the box where the patch is not fully see-through is blended (a lower third
    is mostly alpha 0: a full 1280×720 blend costs ~15 ms of CPU, its band ~5 ms), rows
    that are fully opaque are copied (what the formula gives for alpha 255), and the
    rest in place, without the formula's three full-size temporaries.
    """
    if patch.shape[2] == 3:
        _mix(region, patch, np.float32(alpha_scale))
        return
    seen = patch[..., 3]
    rows = np.flatnonzero(seen.any(axis=1))
    if rows.size == 0:
        return
    top, bottom = rows[0], rows[-1] + 1
    cols = np.flatnonzero(seen[top:bottom].any(axis=0))
    box = (slice(top, bottom), slice(cols[0], cols[-1] + 1))
    region, patch = region[box], patch[box]
    if alpha_scale >= 1:
        solid = (patch[..., 3] == 255).all(axis=1)
        if solid.any():
            region[solid] = patch[solid, :, :3]
            soft = ~solid
            if soft.any():
                below, above = region[soft], patch[soft]  # copies: written back after
                _mix(below, above, _alpha(above, alpha_scale))
                region[soft] = below
            return
    _mix(region, patch, _alpha(patch, alpha_scale))


def _alpha(patch: np.ndarray, alpha_scale: float) -> np.ndarray:
    alpha = patch[..., 3:4].astype(np.float32)
    alpha *= np.float32(alpha_scale / 255.0)
    return alpha


def _mix(region: np.ndarray, patch: np.ndarray, alpha: np.ndarray | np.float32) -> None:
    below = region.astype(np.float32)
    mixed = patch[..., :3].astype(np.float32)
    mixed -= below
    mixed *= alpha
    mixed += below
    mixed += np.float32(0.5)
    region[:] = mixed  # truncated to uint8, as the assignment always did


class Previewer:
    """Draws ``plan`` at any time and scale. Keep one per composition state."""

    def __init__(
        self,
        render_plan: RenderPlan,
        *,
        use_proxies: bool = True,
        exact: bool = False,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.plan = render_plan
        self.use_proxies = use_proxies
        self.exact = exact  # video frames scaled by FFmpeg too (slower: a decode each)
        # asked between layers and while FFmpeg decodes a video frame (then killed): an
        # exact frame nobody waits for any more must not hold a core while the user scrubs
        self.cancelled = cancelled
        # set by frame_rgb: some layer was drawn by OpenCV where exact=True would use FFmpeg
        self.approximate = False
        out = render_plan.composition.output
        self.canvas = (out.width, out.height)
        self.fps = out.fps
        self.background = parse_color(out.background)

    def frame(self, t: float, scale: float = 1.0) -> np.ndarray:
        """The composited RGBA frame (H, W, 4) at composition time ``t``."""
        return cv2.cvtColor(self.frame_rgb(t, scale), cv2.COLOR_RGB2RGBA)

    def frame_rgb(self, t: float, scale: float = 1.0) -> np.ndarray:
        """The composited frame as contiguous RGB (H, W, 3): what the canvas shows.

        Layers are blended one by one into 8-bit RGB (rounding after each, as
        FFmpeg's overlay does); opaque layers are plain copies.
        """
        t = math.floor(t * self.fps + 1e-6) / self.fps  # the frame shown at t
        self.approximate = False
        w = max(1, round(self.canvas[0] * scale))
        h = max(1, round(self.canvas[1] * scale))
        canvas = np.empty((h, w, 3), dtype=np.uint8)
        # one row, then rows: broadcasting the 3 bytes over the whole frame took ~7 ms
        # at 1280×720 (numpy's inner loop runs 3 wide), a row at a time 0.06 ms
        canvas[0] = self.background[:3]
        canvas[1:] = canvas[0]
        bounds = layout.Rect(0, 0, w, h)
        for vp in self.plan.visuals:
            if not vp.window.contains(t):
                continue
            element = vp.element
            state = None
            if vp.track is not None:
                state = layout.state_at(  # the element's own (whole) state, not its part's
                    vp.track.element, round(t * self.fps), self.fps, self.canvas, vp.track.window,
                    None if isinstance(element, TextElement) else vp.media_size,
                    scale=scale, cues=vp.track.cues,
                )  # fmt: skip
                alpha_scale, placement = state.opacity, state.placement
                if not state.visible:
                    continue
            else:
                alpha_scale = element.opacity * layout.fade_alpha(
                    vp.window, t, element.fade_in, element.fade_out
                )
                placement = layout.place(element, vp.media_size, self.canvas, scale)
            if alpha_scale <= 0:
                continue
            drawn = placement.drawn
            if state is not None:
                pixels, drawn = motion_preview.transform(
                    self._pixels(vp, placement, t, scale), state
                )
            visible = drawn.intersect(bounds)
            if visible is None:
                continue
            if self.cancelled is not None and self.cancelled():
                raise Superseded
            if state is None:
                pixels = self._pixels(vp, placement, t, scale)
            sx, sy = visible.x - drawn.x, visible.y - drawn.y
            patch = pixels[sy : sy + visible.h, sx : sx + visible.w]
            region = canvas[visible.y : visible.bottom, visible.x : visible.right]
            opaque = patch.shape[2] == 3 or patch[..., 3].min() == 255
            if opaque and alpha_scale >= 1:  # a plain copy
                region[:] = patch[..., :3]
                continue
            _blend(region, patch, alpha_scale)
        return canvas

    def _pixels(self, vp: VisualPlan, placement: layout.Placement, t: float, scale: float):
        element = vp.element
        if vp.track is not None:  # moving: OpenCV every frame (FFmpeg's chain is per size)
            return self._fast_pixels(vp, placement, t, scale)
        try:
            if isinstance(element, TextElement):
                if scale == 1 and vp.source and os.path.exists(vp.source):
                    if self.exact:
                        return exact.still(vp, placement, vp.source)  # the render's own raster
                    self.approximate = True
            elif not isinstance(element, VideoElement):
                w, h = vp.media_size or (0, 0)
                if self.exact or w * h <= EXACT_STILL_PIXELS:
                    return exact.still(vp, placement, element.source)
                self.approximate = True
            elif self.exact:
                fps = (vp.facts.fps if vp.facts is not None else None) or 25.0
                index = layout.source_frame_index(vp.window, t, fps, None)
                return exact.video_frame(vp, placement, index, self.cancelled)
            else:
                self.approximate = True
        except (MediaError, OSError):
            pass  # FFmpeg could not draw it: OpenCV's picture is better than none
        return self._fast_pixels(vp, placement, t, scale)

    def _fast_pixels(self, vp: VisualPlan, placement: layout.Placement, t: float, scale: float):
        element = vp.element
        if isinstance(element, TextElement):
            if vp.track is not None:  # animated: the render scales its one raster, so here too
                rest = layout.place(element, None, self.canvas, scale).box
                raster = _text_raster(element, rest.w, rest.h, scale)
                return _scaled_crop(raster, placement)
            return _text_raster(element, placement.box.w, placement.box.h, scale)
        if isinstance(element, VideoElement):
            reader = frames.video_frames(element.source)
            # past-the-end indexes are clamped to the last real frame by the readers
            index = layout.source_frame_index(vp.window, t, reader.info.fps or 25.0, None)
            proxy = proxy_frames(element.source) if self.use_proxies else None
            if proxy is not None and placement.scaled[1] <= proxy.height:
                # drawn no larger than the proxy: no seek cost. The full-size decoder
                # (the first frames before the proxy existed) is let go: with its
                # threads' frame buffers ~12 MB a 720p video (benchmarks/editor_memory.py)
                reader.close()
                source = proxy.frame(index, placement.scaled[1])
            else:
                source = reader.frame(index)
        else:
            source = frames.load_image(element.source)
            if vp.track is not None:  # moving: shrunk once to the largest size it is drawn at
                source = motion_preview.shrunk(element.source, source, vp.track, scale)
        return _scaled_crop(source, placement)


@functools.lru_cache(maxsize=64)
def _text_raster_cached(key: str, w: int, h: int, scale: float, element_json: str) -> np.ndarray:
    element = TextElement.model_validate_json(element_json)
    return text.rasterize(element, (w, h), scale)


def _text_raster(element: TextElement, w: int, h: int, scale: float) -> np.ndarray:
    data = element.model_dump_json()
    return _text_raster_cached(element.id, w, h, scale, data)


def preview_frame(
    render_plan: RenderPlan, t: float, scale: float = 1.0, *, exact: bool = True
) -> np.ndarray:
    """One composited RGBA frame; by default every layer scaled exactly as the render does."""
    return Previewer(render_plan, exact=exact).frame(t, scale)
