"""The preview draws what the render renders: PSNR against decoded render frames."""

from __future__ import annotations

import numpy as np
import pytest

from mediakit import decode_frames, ffmpeg, footage, halves, psnr, solid, write_png
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine, preview

pytestmark = pytest.mark.render

W, H, FPS = 320, 180, 10
FORMAT = "mp4"  # what designers deliver; its 4:2:0 chroma is part of what is compared


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    # footage-like content: smooth moving gradients at camera-like saturation. Fully
    # saturated synthetic colours (testsrc bars) measure 4:2:0 chroma subsampling, which
    # every H.264 delivery has and the RGB preview rightly does not, not the compositor.
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
    # a logo as designers export them: a disc with an anti-aliased (soft) alpha edge
    logo = solid(64, 64, (255, 200, 0, 0))
    yy, xx = np.mgrid[:64, :64]
    radius = np.sqrt((yy - 31.5) ** 2 + (xx - 31.5) ** 2)
    logo[..., 3] = (np.clip(28 - radius, 0, 1.5) / 1.5 * 255).astype(np.uint8)
    return {
        "video": video,
        "photo": write_png(folder / "photo.png", gradient),
        "logo": write_png(folder / "logo.png", logo),
        "halves": write_png(
            folder / "halves.png", halves(60, 40, (200, 30, 30, 255), (30, 30, 200, 255))
        ),
    }


def test_preview_matches_render_at_sampled_times(tmp_path, media):
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": FPS, "duration": 3, "background": "#203040",
                   "format": FORMAT,
                   "quality": "high"},
        "elements": [
            {"id": "bg", "type": "video", "source": str(media["video"]), "fit": "cover",
             "trim_start": 0.4},
            {"id": "photo", "type": "image", "source": str(media["photo"]), "x": "5%", "y": "50%",
             "width": "30%", "height": "40%", "fit": "fill", "start": 0.5, "duration": 2,
             "fade_in": 0.5, "fade_out": 0.5},
            {"id": "halves", "type": "image", "source": str(media["halves"]),
             "x": "40%", "y": "55%",
             "width": "25%", "height": "40%", "fit": "contain", "opacity": 0.6},
            {"id": "logo", "type": "image", "source": str(media["logo"]), "x": "80%", "y": "70%",
             "width": "15%", "height": "25%", "fit": "auto", "opacity": 0.8},
            {"id": "clip", "type": "video", "source": str(media["video"]), "x": "60%", "y": "5%",
             "width": "35%", "height": "45%", "fit": "contain", "start": 1.0},
            {"id": "title", "type": "text", "text": "Spring sale", "x": "5%", "y": "5%",
             "width": "50%", "height": "20%", "color": "#ffffff", "font_weight": "bold",
             "background": "#00000080", "padding": 4, "fade_in": 0.3},
        ],
    })  # fmt: skip
    plan = engine.prepare(comp)
    out = engine.render(comp, tmp_path / "out.mp4")
    frames = decode_frames(out, W, H)
    previewer = preview.Previewer(plan)
    for n in (0, 4, 7, 12, 19, 23, 29):
        drawn = previewer.frame(n / FPS)[..., :3]
        score = psnr(drawn, frames[n])
        assert score >= 35, f"frame {n}: PSNR {score:.1f} dB"


def test_preview_scale_gives_the_requested_size(media):
    comp = Composition.from_data(
        {
            "output": {"width": W, "height": H, "duration": 1},
            "elements": [
                {"id": "p", "type": "image", "source": str(media["photo"]), "fit": "cover"}
            ],
        }
    )
    plan = engine.prepare(comp)
    full = preview.preview_frame(plan, 0.5, 1.0)
    half = preview.preview_frame(plan, 0.5, 0.5)
    assert full.shape == (H, W, 4) and half.shape == (H // 2, W // 2, 4)
    assert psnr(full[::2, ::2, :3], half[..., :3]) > 25  # the same picture, smaller


def test_preview_outside_every_window_is_the_background(media):
    comp = Composition.from_data(
        {
            "output": {"width": W, "height": H, "duration": 2, "background": "#ff8000"},
            "elements": [{"id": "p", "type": "image", "source": str(media["photo"]), "start": 1}],
        }
    )
    frame = preview.preview_frame(engine.prepare(comp), 0.5)
    assert (frame[..., :3] == (255, 128, 0)).all()


@pytest.mark.parametrize("codec", ["prores", "qtrle"])
def test_see_through_video_after_a_jump_back_shows_the_rendered_frame(tmp_path, codec):
    # the preview reads a video with alpha through an FFmpeg pipe that seeks on a jump:
    # after jumping back (and far ahead) it must show the very frame the render does.
    # qtrle has inter frames (a keyframe every 12), so the seek lands before the frame.
    from vidgen_desktop.media.samples import index_of, make_test_video

    if codec == "prores":
        clip = make_test_video(
            tmp_path / "lower third.mov", codec="prores", alpha=True,
            pattern="index", width=160, height=90, fps=FPS, duration=4,
        )  # fmt: skip
    else:
        clip = tmp_path / "lower third rle.mov"
        ffmpeg("-f", "lavfi", "-i", "color=black:s=160x90:r=10:d=4,format=rgba,geq="
               "r='16+32*mod(N\\,8)':g='16+32*mod(floor(N/8)\\,8)':b='16':a='if(lt(X\\,W/2)\\,255\\,0)'",
               "-c:v", "qtrle", "-g", "12", str(clip))  # fmt: skip
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": FPS, "duration": 3.5, "background": "#203040",
                   "format": FORMAT, "quality": "high"},
        "elements": [{"id": "third", "type": "video", "source": str(clip), "fit": "fill",
                      "trim_start": 0.3}],
    })  # fmt: skip
    plan = engine.prepare(comp)
    rendered = decode_frames(engine.render(comp, tmp_path / "out.mp4"), W, H)
    previewer = preview.Previewer(plan, use_proxies=False)
    for n in (31, 24, 23, 9, 2, 0, 30, 16):  # backwards, one step, far ahead, back again
        drawn = previewer.frame(n / FPS)[..., :3]
        left = (slice(None), slice(0, W // 2 - 4))
        assert index_of(drawn[left]) == index_of(rendered[n][left]) == n + 3, f"frame {n}"
        assert psnr(drawn, rendered[n]) >= 35, f"frame {n}"
