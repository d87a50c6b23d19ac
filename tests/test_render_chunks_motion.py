"""Chunked renders of animated compositions against the one-piece render (real FFmpeg).

Four chunks of 30 frames (boundaries at 1, 2 and 3 s); every kind of motion
runs across a boundary: keyframed position and rotation on a video mid-play,
keyframed opacity on a video at another frame rate, a slide-in and a fade-out
preset around a resting (static) stretch, a zoom-in off the frame grid, a
ken-burns still over the whole composition, a zooming text, a crossfade and a
wipe, and keyframed volume. ProRes is intra-only, so any difference would be
the chunking's.
"""

from __future__ import annotations

import numpy as np
import pytest

from mediakit import decode_audio, decode_frames, ffmpeg, halves, psnr, tone, write_png
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import chunk_run, chunks, engine

pytestmark = pytest.mark.render

W, H, FPS, SECONDS = 160, 90, 30, 4.0


def _pattern_video(path, fps: int):
    """A clip whose every frame differs (FFmpeg's test pattern), all-intra and lossless."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=160x90:r={fps}:d=5", "-c:v", "libx264",
           "-qp", "0", "-g", "1", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chunk-motion-media")
    return {
        "v30": _pattern_video(folder / "v30.mp4", 30),
        "v25": _pattern_video(folder / "v25.mp4", 25),
        "duo": write_png(folder / "duo.png", halves(64, 36, (255, 0, 0, 255), (0, 90, 255, 200))),
        "tone": tone(folder / "tone.wav", freq=440, seconds=5),
    }


def _motion(media) -> list[dict]:
    return [
        {"id": "pip", "type": "video", "source": str(media["v30"]), "start": 0.4,
         "trim_start": 0.3, "x": 0, "y": 0, "width": "50%", "height": "50%",
         "keyframes": {"x": [{"time": 0, "value": "0%"}, {"time": 3.2, "value": "50%"}],
                       "rotation": [{"time": 0, "value": 0}, {"time": 3.2, "value": 40}]}},
        {"id": "other-rate", "type": "video", "source": str(media["v25"]), "start": 0.2,
         "trim_start": 0.5, "x": "55%", "y": "50%", "width": "40%", "height": "40%",
         "keyframes": {"opacity": [{"time": 0, "value": 1}, {"time": 1.6, "value": 0.2},
                                   {"time": 3.5, "value": 1}],
                       "y": [{"time": 0, "value": "50%"}, {"time": 3.5, "value": "5%"}]}},
        # in 0.5–2.0 s, resting (a static piece) 2.0–2.8 s, out 2.8–4.0 s
        {"id": "logo", "type": "image", "source": str(media["duo"]), "start": 0.5,
         "x": "30%", "y": "55%", "width": "30%", "height": "30%", "fade_in": 0.4,
         "animation_in": {"preset": "slide-from-left", "duration": 1.5},
         "animation_out": {"preset": "fade", "duration": 1.2}},
        {"id": "title", "type": "text", "text": "Go", "start": 0.6, "duration": 2.0,
         "x": 0, "y": 60, "width": 60, "height": 30, "color": "#00ff00",
         "animation_in": {"preset": "zoom-in", "duration": 1.2}},
        # off the frame grid, growing fast: its sizes before its first frame would be < 0
        {"id": "pop", "type": "image", "source": str(media["duo"]), "start": 0.733,
         "duration": 3.1, "x": "40%", "y": "40%", "width": "30%", "height": "30%",
         "animation_in": {"preset": "zoom-in", "duration": 1.0}},
        {"id": "music", "type": "audio", "source": str(media["tone"]),
         "keyframes": {"volume": [{"time": 0, "value": 1}, {"time": 2.5, "value": 0.1},
                                  {"time": 4, "value": 0.8}]}},
    ]  # fmt: skip


def _transitions(media) -> list[dict]:
    return [
        {"id": "zoomed", "type": "image", "source": str(media["duo"]), "x": 0, "y": 0,
         "width": "100%", "height": "100%",
         "animation_in": {"preset": "ken-burns", "duration": 4.0}},
        {"id": "a", "type": "video", "source": str(media["v30"]), "track": 2, "duration": 1.5,
         "x": "20%", "y": "20%", "width": "60%", "height": "60%"},
        {"id": "b", "type": "video", "source": str(media["v25"]), "track": 2, "start": 1.5,
         "duration": 1.2, "trim_start": 1.0, "x": "20%", "y": "20%", "width": "60%",
         "height": "60%", "transition_in": {"type": "crossfade", "duration": 1.0}},
        {"id": "c", "type": "video", "source": str(media["v30"]), "track": 2, "start": 2.7,
         "trim_start": 0.7, "x": "20%", "y": "20%", "width": "60%", "height": "60%",
         "transition_in": {"type": "wipe-left", "duration": 0.6}},
    ]  # fmt: skip


def _composition(elements) -> Composition:
    output = {"width": W, "height": H, "fps": FPS, "duration": SECONDS, "format": "mov",
              "background": "#203040"}  # fmt: skip
    return Composition.from_data({"output": output, "elements": elements})


@pytest.mark.parametrize("build", [_motion, _transitions], ids=["motion", "transitions"])
def test_animated_chunks_join_into_exactly_the_whole_render(media, tmp_path, build):
    plan = engine.prepare(_composition(build(media)))
    assert chunks.unjoinable(plan) is None  # animated compositions are chunked too
    assert any(vp.track is not None for vp in plan.visuals)
    whole = engine.render_process(plan, tmp_path / "whole.mov").run()
    run = chunk_run.ChunkedRender(plan, tmp_path / "chunked.mov", jobs=2, chunks=4)
    chunked = run.run()
    assert run.summary["frames_per_chunk"] == [30, 30, 30, 30]
    a, b = decode_frames(whole, W, H), decode_frames(chunked, W, H)
    assert len(a) == len(b) == SECONDS * FPS
    differing = [n for n, (x, y) in enumerate(zip(a, b, strict=True)) if psnr(x, y) < 45]
    assert not differing, f"frames {differing} differ from the one-piece render"
    # and the motion is really there: the picture changes across every boundary
    for boundary in (30, 60, 90):
        assert psnr(b[boundary - 1], b[boundary]) < 40
    sound_whole, sound_chunked = decode_audio(whole), decode_audio(chunked)
    assert len(sound_whole) == len(sound_chunked) == SECONDS * 48000
    assert np.array_equal(sound_whole, sound_chunked)  # keyframed volume: mixed once
    if build is _motion:  # the gain really moves: loud at first, quiet at 2.5 s
        loud = np.abs(sound_chunked[: 48000 // 4]).max()
        quiet = np.abs(sound_chunked[int(2.4 * 48000) : int(2.6 * 48000)]).max()
        assert quiet < loud / 4
