"""Motion in the preview equals motion in the render (ProRes HQ, exact frame indices).

The render composites in 4:2:0 whatever it delivers (ProRes HQ here), so an edge at
an odd row or column carries the chroma of both sides; the RGB preview keeps it
sharp. Each preview frame is compared as 4:2:0 holds it (``as_yuv420``), against a
floor of 38 dB: compared raw, the zoom's frame 24 (its whole border on odd rows)
sat at 34.4–36.1 dB under the old 35 dB floor, by the colours FFmpeg's ``gradients``
drew at random each run (the footage is now fixed, ``mediakit.footage``). Compared
so, every frame here measures 39.4–45 dB, and the same preview moved one pixel
27–39 dB: each test has frames below the floor.
"""

from __future__ import annotations

import numpy as np
import pytest

from mediakit import as_yuv420, decode_frames, ffmpeg, footage, psnr, solid, write_png
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine, preview

pytestmark = pytest.mark.render

W, H, FPS = 320, 180, 10
FLOOR = 38  # dB, against the preview as 4:2:0 holds it


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    video = folder / "clip.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", footage("240x160", 4) + ",gblur=sigma=1,hue=s=0.4",
        "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", str(video),
    )  # fmt: skip
    gradient = np.zeros((90, 120, 4), dtype=np.uint8)
    gradient[..., 0] = np.linspace(0, 255, 120)[None, :]
    gradient[..., 1] = np.linspace(0, 255, 90)[:, None]
    gradient[..., 2] = 128
    gradient[..., 3] = 255
    logo = solid(64, 64, (255, 200, 0, 0))
    yy, xx = np.mgrid[:64, :64]
    radius = np.sqrt((yy - 31.5) ** 2 + (xx - 31.5) ** 2)
    logo[..., 3] = (np.clip(28 - radius, 0, 1.5) / 1.5 * 255).astype(np.uint8)
    return {
        "video": video,
        "photo": write_png(folder / "photo.png", gradient),
        "logo": write_png(folder / "logo.png", logo),
    }


def _compare(tmp_path, elements, frames, duration=3.0):
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": FPS, "duration": duration,
                   "background": "#203040", "format": "mov", "mov_codec": "prores",
                   "quality": "high"},
        "elements": elements,
    })  # fmt: skip
    plan = engine.prepare(comp)
    rendered = decode_frames(engine.render(comp, tmp_path / "out.mov"), W, H)
    previewer = preview.Previewer(plan)
    scores = {}
    for n in frames:
        scores[n] = psnr(as_yuv420(previewer.frame(n / FPS)), rendered[n])
    bad = {n: round(s, 1) for n, s in scores.items() if s < FLOOR}
    assert not bad, f"frames below {FLOOR} dB: {bad}"


def test_keyframes_and_presets_match(tmp_path, media):
    _compare(
        tmp_path,
        [
            {
                "id": "bg",
                "type": "video",
                "source": str(media["video"]),
                "fit": "cover",
                "animation_in": {"preset": "slide-from-left", "duration": 0.8},
            },
            {
                "id": "photo",
                "type": "image",
                "source": str(media["photo"]),
                "x": "5%",
                "y": "50%",
                "width": "30%",
                "height": "40%",
                "fit": "cover",
                "animation_in": {"preset": "ken-burns", "duration": 2.5},
                "animation_out": {"preset": "zoom-in", "duration": 0.5},
            },
            {
                "id": "logo",
                "type": "image",
                "source": str(media["logo"]),
                "x": "70%",
                "y": "10%",
                "width": "20%",
                "height": "30%",
                "rotation": 10,
                "keyframes": {
                    "x": [
                        {"time": 0, "value": "70%"},
                        {"time": 2.5, "value": "40%", "easing": "ease-in-out"},
                    ],
                    "opacity": [{"time": 0, "value": 0.2}, {"time": 1, "value": 1}],
                    "rotation": [
                        {"time": 0, "value": 0},
                        {"time": 2, "value": 135, "easing": [0.3, 0, 0.2, 1]},
                    ],
                },
                "animation_in": {"preset": "spin", "duration": 0.6},
            },
            {
                "id": "title",
                "type": "text",
                "text": "Spring",
                "x": "5%",
                "y": "5%",
                "width": "40%",
                "height": "20%",
                "color": "#ffffff",
                "font_weight": "bold",
                "animation_in": {"preset": "pop", "duration": 0.7},
                "animation_out": {"preset": "slide-from-top", "duration": 0.5},
            },
        ],
        (0, 2, 4, 6, 9, 13, 17, 21, 26, 29),
    )


@pytest.mark.parametrize(
    "kind", ["crossfade", "wipe-left", "wipe-down", "slide-right", "push-left", "zoom"]
)
def test_transitions_match(tmp_path, media, kind):
    _compare(
        tmp_path,
        [
            {
                "id": "a",
                "type": "video",
                "source": str(media["video"]),
                "fit": "cover",
                "duration": 1.5,
            },
            {
                "id": "b",
                "type": "image",
                "source": str(media["photo"]),
                "fit": "cover",
                "start": 1.5,
                "transition_in": {"type": kind, "duration": 1.0},
            },
        ],
        (14, 15, 17, 20, 24, 25),
        duration=2.8,
    )
