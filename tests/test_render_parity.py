"""Real renders: a video at an odd pixel position or size lands exactly and looks the same.

4:2:0 overlays round positions down to even numbers; ``render.parity`` gives a video
a transparent border in ``yuva420p`` (no per-frame RGBA conversion) to compensate.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediakit import bbox, color_video, ffmpeg
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.render import engine

pytestmark = pytest.mark.render

W, H = 160, 120


def render_luma(tmp_path: Path, element: dict, name: str, **output) -> np.ndarray:
    """The first frame's luma plane (Y, 8 bit) of a 160×120 render of ``element``."""
    comp = Composition.from_data(
        {
            "output": {"width": W, "height": H, "fps": 10, "duration": 0.3, "quality": "high",
                       "background": "#000000", **output},
            "elements": [element],
        }
    )  # fmt: skip
    out = engine.render(comp, tmp_path / f"{name}.{output.get('format', 'mp4')}")
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", f"file:{out}", "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(H, W).astype(int)


@pytest.mark.parametrize(
    ("x", "y", "w", "h", "opacity"),
    [
        (21, 31, 10, 10, 1.0),
        (20, 31, 11, 9, 1.0),
        (21, 30, 10, 10, 0.8),
        (-3, 7, 10, 10, 1.0),
        (-3, 7, 11, 10, 1.0),
    ],  # fmt: skip
)
def test_a_video_at_odd_positions_and_sizes_is_exact_to_the_pixel(tmp_path, x, y, w, h, opacity):
    source = color_video(tmp_path / "white.mp4", color="white", size="16x16", seconds=1)
    element = {"id": "v", "type": "video", "source": str(source), "x": x, "y": y,
               "width": w, "height": h, "fit": "fill", "opacity": opacity}  # fmt: skip
    luma = render_luma(tmp_path, element, "out")
    left, top = max(0, x), max(0, y)
    assert bbox(luma > 60) == (left, top, x + w - left, y + h - top)


def test_a_video_shows_the_same_picture_at_an_odd_position_as_at_an_even_one(tmp_path):
    # colour bars and gradients: a round trip through RGB would change the luma at their edges
    source = tmp_path / "bars.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=1", "-c:v", "libx264", "-qp", "0",
           "-pix_fmt", "yuv420p", str(source))  # fmt: skip
    element = {"id": "v", "type": "video", "source": str(source), "width": 64, "height": 48}
    mov = {"format": "mov", "mov_codec": "prores"}  # near lossless: the overlay's pixels show
    at = {(x, y): render_luma(tmp_path, {**element, "x": x, "y": y}, f"at{x}", **mov)
          for x, y in ((40, 30), (41, 31), (42, 32))}  # fmt: skip

    def inner(x: int, y: int) -> np.ndarray:  # the picture less its edge pixels
        return at[(x, y)][y + 1 : y + 47, x + 1 : x + 63]

    # moved by one pixel, the picture differs from itself no more than moved by two
    # (both even: the same graph; what differs is where the encoder's blocks fall)
    odd, even = np.abs(inner(41, 31) - inner(40, 30)), np.abs(inner(42, 32) - inner(40, 30))
    assert odd.max() <= even.max() + 2, (odd.max(), even.max())
    assert odd.mean() <= 1.2 * even.mean(), (odd.mean(), even.mean())
