"""Finding FFmpeg, and reading the header it prints (no ffprobe in the bundled build)."""

from __future__ import annotations

import os
from pathlib import Path

import imageio_ffmpeg
import pytest

from vidgen_desktop import errors
from vidgen_desktop.media import ffmpeg, probe
from vidgen_desktop.media.header import channel_count, parse_header, split_fields
from vidgen_desktop.media.samples import make_test_image


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    ffmpeg.ffmpeg_exe.cache_clear()
    probe.probe.cache_clear()
    yield
    ffmpeg.ffmpeg_exe.cache_clear()
    probe.probe.cache_clear()


@pytest.mark.render  # imageio-ffmpeg runs the binary it finds (-version) to check it
def test_uses_the_bundled_ffmpeg_by_default():
    assert ffmpeg.ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()


@pytest.mark.render  # runs the real binary through the override
def test_vidgen_ffmpeg_overrides_the_bundled_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    own = tmp_path / "my tools" / "ffmpeg"
    own.parent.mkdir()
    own.symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    image = make_test_image(tmp_path / "a.png", width=20, height=10)
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(own))
    ffmpeg.ffmpeg_exe.cache_clear()
    assert ffmpeg.ffmpeg_exe() == str(own)
    assert probe.probe(image).size == (20, 10)


@pytest.mark.parametrize("target", ["missing", "folder", "not-executable"])
def test_a_wrong_vidgen_ffmpeg_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
):
    path = tmp_path / target
    if target == "folder":
        path.mkdir()
    elif target == "not-executable":
        path.write_text("#!/bin/sh\n")
        path.chmod(0o644)
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(path))
    with pytest.raises(errors.FFmpegNotFoundError) as caught:
        ffmpeg.ffmpeg_exe()
    assert "VIDGEN_FFMPEG" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.render
def test_probe_reports_a_wrong_vidgen_ffmpeg_not_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    image = make_test_image(tmp_path / "a.png", width=20, height=10)
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(tmp_path / "nowhere" / "ffmpeg"))
    ffmpeg.ffmpeg_exe.cache_clear()
    with pytest.raises(errors.FFmpegNotFoundError):
        probe.probe(image)


def test_the_choice_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    first = ffmpeg.ffmpeg_exe()
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(tmp_path / "nothing"))
    assert ffmpeg.ffmpeg_exe() == first
    ffmpeg.ffmpeg_exe.cache_clear()
    with pytest.raises(errors.FFmpegNotFoundError):
        ffmpeg.ffmpeg_exe()


def test_file_url_keeps_odd_names_as_files():
    assert ffmpeg.file_url("a:b.mp4") == "file:" + os.path.abspath("a:b.mp4")
    assert ffmpeg.file_url("-x.mp4").startswith("file:/")


HEADER = """\
[aist#0:1/aac @ 0x1] Guessed Channel Layout: 5.1
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'odd, from 'name.mp4':
  Metadata:
    title           : Stream #0:9: Video: fake, 1x1
  Duration: 01:02:03.50, start: 0.023220, bitrate: 864 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, \
progressive), 1920x1080 [SAR 1:1 DAR 16:9], 781 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1, fltp, 384 kb/s
  Stream #0:2: Video: mjpeg (Baseline), yuvj420p(pc), 600x600, 90k tbr, 90k tbn (attached pic)
At least one output file must be specified
"""


def test_header_parsing_reads_what_a_designer_relies_on():
    header = parse_header(HEADER)
    assert header.format == "mov,mp4,m4a,3gp,3g2,mj2"
    assert header.duration == pytest.approx(3723.5)
    video, audio = header.first("video"), header.first("audio")
    assert video is not None and audio is not None
    assert (video.codec, video.pix_fmt, video.width, video.height) == (
        "h264",
        "yuv420p",
        1920,
        1080,
    )
    assert video.fps == pytest.approx(29.97)
    assert video.rotation == 90  # clockwise, as phones record portrait video
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 6)
    assert header.streams[2].attached_pic  # cover art is not "the video"
    assert len(header.streams) == 3  # the metadata value that looks like a stream is not one


def test_header_helpers():
    assert split_fields("a (b, c), d[e, f], g") == ["a (b, c)", "d[e, f]", "g"]
    assert [channel_count(x) for x in ("mono", "stereo", "5.1(side)", "7.1", "3 channels")] == [
        1,
        2,
        6,
        8,
        3,
    ]
    assert parse_header("nothing useful").format is None
