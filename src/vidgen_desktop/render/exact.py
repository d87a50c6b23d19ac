"""Layers scaled by the renderer's own chain, so the preview shows the render's pixels.

OpenCV's resize and FFmpeg's swscale disagree at every edge (swscale scales
in YUV with chroma at half resolution, widens its kernel when shrinking, and
converts to the overlay's pixel format; ``cv2.resize`` does none of that):
the canvas measured 27–34 dB against the render on the shipped example. So
the preview asks FFmpeg for the very chain the graph builds
(``graph.layer_pixels``: scale, crop, pixel format) and draws its RGBA.

Stills are scaled once per size and kept (``STILL_CACHE``); a video frame is
one short FFmpeg run (seek to the keyframe before it, decode to it), which is
what ``vidgen preview`` and a paused canvas can afford and playback cannot
(see ``render.preview``).
"""

from __future__ import annotations

import math
import os
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import ffmpeg
import numpy as np

from vidgen_desktop import errors
from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import VideoElement
from vidgen_desktop.media import ffmpeg as ffmpeg_bin
from vidgen_desktop.render import graph
from vidgen_desktop.render.inputs import ffmpeg_path, input_options, number

STILL_CACHE = 64  # scaled stills kept (each a source at one size)
TIMEOUT = 60.0  # seconds for one layer: a seek and a few frames of decode

POLL = 0.02  # seconds between looks at ``cancelled`` while FFmpeg draws

_stills: OrderedDict[tuple, np.ndarray] = OrderedDict()
_lock = threading.Lock()


class Superseded(Exception):
    """A newer frame was asked for while this one was being drawn: it is not wanted."""


def _run(args: list[str], cancelled: Callable[[], bool] | None):
    """FFmpeg with ``args``; killed as soon as ``cancelled()`` says nobody waits any more."""
    if cancelled is None:
        return ffmpeg_bin.run(args, timeout=TIMEOUT)
    command = [ffmpeg_bin.ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                out, err = process.communicate(timeout=POLL)
                return subprocess.CompletedProcess(command, process.returncode, out, err)
            except subprocess.TimeoutExpired:
                if cancelled() or time.monotonic() > deadline:
                    process.kill()
                    process.communicate()
                    if cancelled():
                        raise Superseded from None
                    raise


def _size(placement: layout.Placement) -> tuple[int, int]:
    return (placement.crop.w, placement.crop.h) if placement.needs_crop else placement.scaled


def _draw(
    source: str,
    options: dict,
    vp: graph.VisualPlan,
    placement: layout.Placement,
    cancelled: Callable[[], bool] | None = None,
):
    stream = ffmpeg.input(ffmpeg_path(source), **options).video
    stream, _ = graph.layer_pixels(stream, vp.element, placement, vp.media_size)
    out = ffmpeg.output(stream, "pipe:", format="rawvideo", pix_fmt="rgba", **{"frames:v": 1})
    result = _run(["-v", "error", *out.get_args()], cancelled)
    w, h = _size(placement)
    if result.returncode != 0 or len(result.stdout) < w * h * 4:
        name = os.path.basename(source)
        raise errors.MediaError(
            f"{name} could not be drawn for the preview",
            path=source,
            detail=ffmpeg_bin.stderr_text(result.stderr),
        )
    picture = np.frombuffer(result.stdout[: w * h * 4], np.uint8).reshape(h, w, 4)
    picture.flags.writeable = False
    return picture


def still(vp: graph.VisualPlan, placement: layout.Placement, source: str) -> np.ndarray:
    """RGBA of a still (or a text raster file) as the render overlays it; cached by size."""
    stat = os.stat(source)
    key = (source, stat.st_mtime_ns, stat.st_size, placement, vp.media_size, vp.element.opacity)
    with _lock:
        cached = _stills.get(key)
        if cached is not None:
            _stills.move_to_end(key)
            return cached
    picture = _draw(source, input_options(vp.element, vp.facts), vp, placement)
    with _lock:
        _stills[key] = picture
        while len(_stills) > STILL_CACHE:
            _stills.popitem(last=False)
    return picture


def video_frame(
    vp: graph.VisualPlan,
    placement: layout.Placement,
    index: int,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """RGBA of source frame ``index`` of a video element as the render overlays it.

    Raises ``Superseded`` (FFmpeg killed) once ``cancelled()`` is true.
    """
    assert isinstance(vp.element, VideoElement)
    fps = (vp.facts.fps if vp.facts is not None else None) or 25.0
    frames = vp.facts.frame_count if vp.facts is not None else None
    if frames:
        index = min(index, frames - 1)
    # FFmpeg seeks to the keyframe before and drops frames earlier than the time
    # asked: half a frame before frame ``index`` lands on it whatever the rounding
    seek = max(0.0, (index - 0.5) / fps)
    options = {"ss": number(math.floor(seek * 1e6) / 1e6)} if seek > 0 else {}
    return _draw(vp.source, options, vp, placement, cancelled)


def cache_clear() -> None:
    with _lock:
        _stills.clear()
