"""Chunked renders against the same composition rendered in one piece (real FFmpeg).

The compositions have an element spanning every boundary: a video mid-play
(a counting clip whose frame index can be read back), a still fading in (and,
in H.264, moving on keyframes), text fading out, and two sounds, one of them
fading in across a boundary. ProRes (intra-only) and H.264 (cut on its
keyframe grid) chunks join into exactly the one-piece file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mediakit import (
    counting_video,
    decode_audio,
    decode_frames,
    ffmpeg,
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
        "pattern": pattern_video(folder / "pattern.mp4"),
    }


def pattern_video(path):
    """FFmpeg's test pattern (every frame differs), 7 s, all-intra and lossless."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}:d=7", "-c:v", "libx264",
           "-qp", "0", "-g", "1", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    return path


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
    # the one-piece render coded as a composition long enough to be cut always is
    # (these are short, to keep the test quick): chunks join into that bitstream
    plan = dataclasses.replace(engine.prepare(comp), chunk_safe=True)
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


def h264_composition(media) -> Composition:
    """6 s of H.264: three chunks on its 2 s keyframe grid, boundaries at 2 and 4 s, each
    crossed by a video mid-play, a fade and a keyframed move (and a sound fading in)."""
    elements = [
        {"id": "bg", "type": "video", "source": str(media["pattern"]), "fit": "fill",
         "width": "100%", "height": "100%"},  # every frame differs
        {"id": "pip", "type": "video", "source": str(media["count"]), "start": 1.5,
         "trim_start": 0.3, "x": "50%", "y": 0, "width": "50%", "height": "50%",
         "fade_out": 0.7},  # plays 1.5-6 s
        {"id": "logo", "type": "image", "source": str(media["red"]), "start": 1.5,
         "duration": 3.5, "fade_in": 1.0, "x": 10, "y": 40, "width": 40, "height": 30,
         "keyframes": {"x": [{"time": 0, "value": 0}, {"time": 3.5, "value": 110}]}},
        {"id": "title", "type": "text", "text": "Hi", "start": 0.2, "duration": 4.5,
         "fade_out": 1.5, "x": 0, "y": 60, "width": 80, "height": 30, "color": "#00ff00"},
        {"id": "bed", "type": "audio", "source": str(media["low"])},
        {"id": "sting", "type": "audio", "source": str(media["high"]), "start": 1.6,
         "fade_in": 0.8},
    ]  # fmt: skip
    output = {"width": W, "height": H, "fps": FPS, "duration": 6.0, "quality": "standard",
              "format": "mp4"}  # fmt: skip
    return Composition.from_data({"output": output, "elements": elements})


@pytest.fixture(scope="module")
def h264(media, tmp_path_factory):
    """The H.264 composition rendered in one piece and in chunks (jobs 2)."""
    return both(h264_composition(media), tmp_path_factory.mktemp("h264"), count=3)


def test_h264_chunks_are_the_one_piece_bitstream(h264):
    whole, chunked, run = h264
    assert run.summary["frames_per_chunk"] == [60, 60, 60]
    a, b = decode_frames(whole, W, H), decode_frames(chunked, W, H)
    assert len(a) == len(b) == 6 * FPS
    differing = [n for n, (x, y) in enumerate(zip(a, b, strict=True)) if psnr(x, y) < 45]
    assert not differing, f"frames {differing} differ from the one-piece render"
    # more than close: each chunk codes its pictures as the one-piece encode does there
    # (the stored bytes differ only in headers: x264's settings note opens each chunk)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    for boundary in (60, 120):  # and the picture does change across each boundary
        assert psnr(b[boundary - 1], b[boundary]) < 40
    # the clip plays on from its 0.3 s (frame 9) at 1.5 s, across the 2 s boundary, a new
    # frame each output frame: none repeated or skipped (its luma code counts to 36)
    shown = [frame_index_from_luma(float(f[5, W - 5].mean())) for f in b[45:73]]
    assert shown == list(range(9, 37))


def test_sound_is_mixed_once_and_continues_across_boundaries(h264):
    whole, chunked, _ = h264
    a, b = decode_audio(whole), decode_audio(chunked)
    assert len(a) == len(b) == 6 * 48000  # in sync: exactly the composition's length
    assert np.array_equal(a, b)  # the same samples: no gap, no click at any boundary
    for boundary in (2.0, 4.0):  # and no jump between neighbouring samples there
        n = int(boundary * 48000)
        step = np.abs(np.diff(b[n - 480 : n + 480, 0])).max()
        assert step < 0.1, f"a click at {boundary} s"


def test_vp9_says_why_and_renders_in_one_piece(media, tmp_path):
    plan = engine.prepare(composition(media, canvas=True, fmt="webm"))
    assert "VP9" in chunks.unjoinable(plan)
    run = chunk_run.ChunkedRender(plan, tmp_path / "chunked.webm", jobs=2, chunks=4)
    assert len(run.chunks) == 1
    assert len(decode_frames(run.run(), W, H)) == SECONDS * FPS


def test_a_gif_says_why_and_renders_in_one_piece(media, tmp_path):
    plan = engine.prepare(composition(media, canvas=False, fmt="gif"))
    assert "GIF" in chunks.unjoinable(plan)
    assert len(chunks.split(plan, 4)) == 1
