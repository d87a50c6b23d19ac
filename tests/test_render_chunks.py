"""Chunked renders against the same composition rendered in one piece (real FFmpeg).

The composition has an element spanning every boundary: a video mid-play
(a counting clip whose frame index can be read back), a still fading in,
text fading out, and two sounds, one of them fading in across a boundary.
"""

from __future__ import annotations

import numpy as np
import pytest

from mediakit import (
    counting_video,
    decode_audio,
    decode_frames,
    frame_index_from_luma,
    psnr,
    solid,
    tone,
    write_png,
)
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import chunk_run, chunks, engine

pytestmark = pytest.mark.render

W, H, FPS, SECONDS = 160, 90, 30, 4.0


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chunk-media")
    return {
        "count": counting_video(folder / "count.mp4", fps=FPS, seconds=5, size=f"{W}x{H}"),
        "low": tone(folder / "low.wav", freq=440, seconds=5),
        "high": tone(folder / "high.wav", freq=660, seconds=3),
        "red": write_png(folder / "red.png", solid(40, 30, (255, 0, 0, 255))),
    }


def composition(media, *, canvas: bool, fmt: str = "mov") -> Composition:
    elements = []
    if canvas:  # an opaque full-frame clip at the output rate: the graph's canvas itself
        elements.append({"id": "bg", "type": "video", "source": str(media["count"]), "x": 0,
                         "y": 0, "width": "100%", "height": "100%", "fit": "fill"})  # fmt: skip
    elements += [
        {"id": "pip", "type": "video", "source": str(media["count"]), "start": 0.5,
         "trim_start": 0.3, "x": "50%", "y": 0, "width": "50%", "height": "50%",
         "fade_out": 0.7},
        {"id": "logo", "type": "image", "source": str(media["red"]), "start": 1.5,
         "duration": 2.0, "fade_in": 1.0, "x": 10, "y": 40, "width": 40, "height": 30},
        {"id": "title", "type": "text", "text": "Hi", "start": 0.2, "duration": 3.5,
         "fade_out": 1.5, "x": 0, "y": 60, "width": 80, "height": 30, "color": "#00ff00"},
        {"id": "bed", "type": "audio", "source": str(media["low"])},
        {"id": "sting", "type": "audio", "source": str(media["high"]), "start": 0.9,
         "fade_in": 0.5},
    ]  # fmt: skip
    output = {"width": W, "height": H, "fps": FPS, "duration": SECONDS, "quality": "high",
              "format": fmt}  # fmt: skip
    return Composition.from_data({"output": output, "elements": elements})


def both(comp, folder, count=4, jobs=2):
    plan = engine.prepare(comp)
    ext = "." + comp.output.format
    whole = engine.render_process(plan, folder / f"whole{ext}").run()
    run = chunk_run.ChunkedRender(plan, folder / f"chunked{ext}", jobs=jobs, chunks=count)
    return whole, run.run(), run


@pytest.mark.parametrize("canvas", [False, True], ids=["colour-canvas", "video-canvas"])
def test_chunks_join_into_exactly_the_whole_render(media, tmp_path, canvas):
    # ProRes is intra-only: each frame is coded alone, so any difference is the chunking's
    whole, chunked, run = both(composition(media, canvas=canvas), tmp_path)
    assert run.summary["frames_per_chunk"] == [30, 30, 30, 30]
    a, b = decode_frames(whole, W, H), decode_frames(chunked, W, H)
    assert len(a) == len(b) == SECONDS * FPS
    for n, (x, y) in enumerate(zip(a, b, strict=True)):
        assert psnr(x, y) >= 45, f"frame {n} differs from the one-piece render"
    # the clip plays on across every boundary: no frame repeated or skipped
    shown = [frame_index_from_luma(float(f[5, W - 5].mean())) for f in b]
    assert shown == [frame_index_from_luma(float(f[5, W - 5].mean())) for f in a]
    # from 0.5 s it plays from its 0.3 s (frame 9), a new frame each output frame (the
    # clip's luma code counts to 36, past the 1 s boundary)
    assert shown[15:43] == list(range(9, 37))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunked.mov", "whole.mov"]


def test_sound_is_mixed_once_and_continues_across_boundaries(media, tmp_path):
    whole, chunked, _ = both(composition(media, canvas=False, fmt="mp4"), tmp_path)
    a, b = decode_audio(whole), decode_audio(chunked)
    assert len(a) == len(b) == SECONDS * 48000  # in sync: exactly the composition's length
    assert np.array_equal(a, b)  # the same samples: no gap, no click at any boundary
    for boundary in (1.0, 2.0, 3.0):  # and no jump between neighbouring samples there
        n = int(boundary * 48000)
        step = np.abs(np.diff(b[n - 480 : n + 480, 0])).max()
        assert step < 0.1, f"a click at {boundary} s"


def test_h264_chunks_keep_every_frame_and_cost_no_quality(media, tmp_path):
    """x264 re-encodes differ by the encoder's own noise; against the intra-only ProRes
    render (the reference) a chunked file is as good as a one-piece one."""
    reference = both(composition(media, canvas=False), tmp_path / "ref", count=1)[0]
    (tmp_path / "h264").mkdir()
    whole, chunked, _ = both(composition(media, canvas=False, fmt="mp4"), tmp_path / "h264")
    ref, a, b = (decode_frames(p, W, H) for p in (reference, whole, chunked))
    assert len(a) == len(b) == len(ref)
    shown = [frame_index_from_luma(float(f[5, W - 5].mean())) for f in b]
    assert shown == [frame_index_from_luma(float(f[5, W - 5].mean())) for f in a]
    one_piece = np.mean([psnr(r, x) for r, x in zip(ref, a, strict=True)])
    in_chunks = np.mean([psnr(r, x) for r, x in zip(ref, b, strict=True)])
    assert in_chunks >= one_piece - 1.0


def test_vp9_chunks_join_with_every_frame(media, tmp_path):
    whole, chunked, _ = both(composition(media, canvas=True, fmt="webm"), tmp_path)
    a, b = decode_frames(whole, W, H), decode_frames(chunked, W, H)
    assert len(a) == len(b) == SECONDS * FPS
    assert min(psnr(x, y) for x, y in zip(a, b, strict=True)) >= 40


def test_a_gif_says_why_and_renders_in_one_piece(media, tmp_path):
    plan = engine.prepare(composition(media, canvas=False, fmt="gif"))
    assert "GIF" in chunks.unjoinable(plan)
    assert len(chunks.split(plan, 4)) == 1
