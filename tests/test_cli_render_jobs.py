"""``vidgen render --jobs N``: the same file, rendered by N FFmpeg processes at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mediakit import counting_video, decode_audio, decode_frames, psnr, tone

pytestmark = pytest.mark.render


def vidgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=300,
    )  # fmt: skip


def project(tmp_path, fmt: str) -> str:
    clip = counting_video(tmp_path / "clip.mp4", fps=25, seconds=3, size="96x64")
    sound = tone(tmp_path / "tone.wav", freq=440, seconds=3)
    data = {
        "output": {"width": 96, "height": 64, "fps": 25, "duration": 3, "format": fmt},
        "elements": [
            {"id": "clip", "type": "video", "source": str(clip), "start": 0.4, "fade_in": 1.5},
            {"id": "tone", "type": "audio", "source": str(sound)},
        ],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_jobs_renders_in_chunks_to_the_same_file(tmp_path):
    path = project(tmp_path, "mov")
    one = vidgen("render", path, "-o", str(tmp_path / "one.mov"))
    three = vidgen("render", path, "-o", str(tmp_path / "three.mov"), "--jobs", "3")
    assert one.returncode == 0 and three.returncode == 0, one.stderr + three.stderr
    assert three.stdout.strip() == str(tmp_path / "three.mov")
    a, b = (
        decode_frames(tmp_path / "one.mov", 96, 64),
        decode_frames(tmp_path / "three.mov", 96, 64),
    )
    assert len(a) == len(b) == 75
    assert min(psnr(x, y) for x, y in zip(a, b, strict=True)) >= 45
    assert (
        decode_audio(tmp_path / "one.mov").tolist() == decode_audio(tmp_path / "three.mov").tolist()
    )
    # nothing left behind but the outputs and the inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "clip.mp4", "one.mov", "p.json", "three.mov", "tone.wav"
    ]  # fmt: skip


def test_a_gif_with_jobs_says_it_renders_in_one_piece(tmp_path):
    result = vidgen(
        "render", project(tmp_path, "gif"), "-o", str(tmp_path / "x.gif"), "--jobs", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "rendering in one piece: a GIF" in result.stderr
    assert (tmp_path / "x.gif").stat().st_size > 0
