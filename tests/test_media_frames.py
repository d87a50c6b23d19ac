"""Decoded pictures for the preview match what FFmpeg (the renderer) decodes."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vidgen_desktop import errors
from vidgen_desktop.media import ffmpeg, frames
from vidgen_desktop.media.probe import probe
from vidgen_desktop.media.samples import (
    index_color,
    index_of,
    make_test_audio,
    make_test_image,
    make_test_video,
)

pytestmark = pytest.mark.render


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    ffmpeg.ffmpeg_exe.cache_clear()
    probe.cache_clear()
    frames.load_image.cache_clear()
    yield
    frames.close_all()


def ffmpeg_frames(path: Path, width: int, height: int) -> np.ndarray:
    """Every frame as FFmpeg decodes it, RGBA: the renderer's view of the file."""
    out = subprocess.run(
        [
            ffmpeg.ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            ffmpeg.file_url(path),
            "-map",
            "0:v:0",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, height, width, 4)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s at 30 fps, keyframes every 48 frames, B-frames on: seeking is not trivial."""
    folder = tmp_path_factory.mktemp("indexed")
    return make_test_video(
        folder / "count 日本 [1].mp4",
        width=64,
        height=48,
        fps=30,
        duration=6,
        pattern="index",
        gop=48,
    )


def test_index_pattern_labels_every_frame(indexed: Path):
    reference = ffmpeg_frames(indexed, 64, 48)
    assert len(reference) == probe(indexed).frame_count == 180
    assert [index_of(picture) for picture in reference] == list(range(180))


def test_frame_k_is_ffmpegs_frame_k_in_any_order(indexed: Path):
    reference = ffmpeg_frames(indexed, 64, 48)
    order = list(range(0, 20)) + random.Random(7).sample(range(180), 60) + [179, 0, 100, 99, 98]
    with frames.VideoFrames(indexed) as video:
        for k in order:
            picture = video.frame(k)
            assert picture.shape == (48, 64, 4) and picture.dtype == np.uint8
            assert index_of(picture) == k, f"asked for frame {k}"
            assert (picture[..., 3] == 255).all()
            difference = np.abs(picture[..., :3].astype(int) - reference[k][..., :3]).mean()
            assert difference < 3


def test_indexes_past_either_end_clamp(indexed: Path):
    video = frames.video_frames(indexed)
    assert index_of(video.frame(10_000)) == 179
    assert index_of(video.frame(-5)) == 0


def test_frames_are_read_only(indexed: Path):
    picture = frames.video_frames(indexed).frame(3)
    with pytest.raises(ValueError):
        picture[0, 0, 0] = 1


def test_video_frames_shares_open_readers(indexed: Path):
    assert frames.video_frames(indexed) is frames.video_frames(str(indexed))
    reader = frames.video_frames(indexed)
    reader.close()
    assert index_of(reader.frame(42)) == 42  # a closed reader reopens on demand


def test_webm_frames_match_ffmpeg(tmp_path: Path):
    path = make_test_video(tmp_path / "a.webm", codec="vp9", pattern="index", duration=2, fps=25)
    video = frames.VideoFrames(path)
    for k in [0, 30, 49, 12, 11, 48]:
        assert index_of(video.frame(k)) == k
    video.close()


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_video_frames_are_upright_like_ffmpegs(tmp_path: Path, rotation: int):
    path = make_test_video(
        tmp_path / "phone.mp4", width=64, height=48, duration=0.5, rotation=rotation, codec="h264"
    )
    info = probe(path)
    reference = ffmpeg_frames(path, info.width, info.height)
    with frames.VideoFrames(path) as video:
        picture = video.frame(5)
    assert picture.shape == (info.height, info.width, 4)
    assert np.abs(picture.astype(int) - reference[5]).mean() < 3


def test_see_through_video_keeps_alpha_and_frame_order(tmp_path: Path):
    path = make_test_video(
        tmp_path / "lower third.mov",
        codec="prores",
        alpha=True,
        pattern="index",
        width=32,
        height=16,
        fps=30,
        duration=2,
    )
    with frames.VideoFrames(path) as video:
        for k in [0, 1, 2, 40, 7, 59, 58, 30, 31, 500]:
            picture = video.frame(k)
            expected = min(k, 59)
            assert picture.shape == (16, 32, 4)
            assert (picture[:, :16, 3] == 255).all() and (picture[:, 16:, 3] == 0).all()
            assert index_of(picture[:, :16]) == expected


def test_animated_gif_frames_keep_their_transparency(tmp_path: Path):
    path = make_test_video(
        tmp_path / "sticker.gif",
        codec="gif",
        alpha=True,
        fps=10,
        duration=1,
        width=32,
        height=16,
        pattern="index",
    )
    with frames.VideoFrames(path) as video:
        last = video.frame(9)
        first = video.frame(0)
    assert last.shape == first.shape == (16, 32, 4)
    assert (first[:, 16:, 3] == 0).all() and (first[:, :16, 3] == 255).all()


def test_video_frames_refuses_a_still(tmp_path: Path):
    with pytest.raises(errors.MediaError, match="not a video"):
        frames.VideoFrames(make_test_image(tmp_path / "a.png"))


def test_png_alpha_is_kept(tmp_path: Path):
    path = make_test_image(tmp_path / "logo 日本.png", width=64, height=64, pattern="disc")
    picture = frames.load_image(path)
    assert picture.shape == (64, 64, 4) and picture.dtype == np.uint8
    assert picture[0, 0, 3] == 0  # the corner is see-through
    assert picture[32, 32, 3] == 255
    assert tuple(picture[32, 32, :3]) == (255, 200, 60)  # RGB order, not OpenCV's BGR
    assert np.array_equal(picture, ffmpeg_frames(path, 64, 64)[0])


def test_load_image_is_cached_and_read_only(tmp_path: Path):
    path = make_test_image(tmp_path / "a.png")
    assert frames.load_image(path) is frames.load_image(path)
    assert not frames.load_image(path).flags.writeable


@pytest.mark.parametrize("mode", ["L", "LA", "I;16", "P", "RGB"])
def test_every_png_flavour_becomes_rgba(tmp_path: Path, mode: str):
    if mode == "P":
        image = Image.new("P", (8, 4))
        image.putpalette([10, 20, 30, 200, 100, 50])
        image.putpixel((0, 0), 1)
        image.save(tmp_path / "p.png", transparency=0)
    else:
        color = {"L": 100, "LA": (100, 60), "I;16": 100 * 257, "RGB": (10, 20, 30)}[mode]
        Image.new(mode, (8, 4), color).save(tmp_path / "p.png")
    picture = frames.load_image(tmp_path / "p.png")
    reference = ffmpeg_frames(tmp_path / "p.png", 8, 4)[0]
    assert picture.shape == (4, 8, 4)
    assert np.abs(picture.astype(int) - reference).max() <= 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_ffmpeg(tmp_path: Path, orientation: int):
    pixels = np.zeros((6, 10, 3), np.uint8)
    pixels[0, :3] = (255, 0, 0)  # a mark in the top-left corner shows any turn or flip
    pixels[:2, -1] = (0, 255, 0)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(tmp_path / "o.png", exif=exif)
    info = probe(tmp_path / "o.png")
    picture = frames.load_image(tmp_path / "o.png")
    assert picture.shape == (info.height, info.width, 4)
    assert np.array_equal(picture, ffmpeg_frames(tmp_path / "o.png", info.width, info.height)[0])


def test_jpeg_decodes_like_ffmpeg(tmp_path: Path):
    path = make_test_image(tmp_path / "photo.jpg", width=80, height=60)
    picture = frames.load_image(path)
    # libjpeg and FFmpeg upsample chroma differently: a few levels apart on a busy test card,
    # where swapped channels or a turned picture would be ~100 apart.
    assert np.abs(picture.astype(int) - ffmpeg_frames(path, 80, 60)[0]).mean() < 8


def test_load_image_refuses_sound(tmp_path: Path):
    with pytest.raises(errors.MediaError, match="not a still image"):
        frames.load_image(make_test_audio(tmp_path / "a.wav", duration=0.2))


def test_index_color_round_trips():
    for n in (0, 1, 8, 63, 64, 511):
        assert index_of(np.array(index_color(n), np.uint8).reshape(1, 1, 3)) == n
