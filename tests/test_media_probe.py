"""probe(): every kind of file a designer drops in, and every way one can be wrong."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from hostile_media import cut_download, huge_png
from vidgen_desktop import errors
from vidgen_desktop.composition.layout import MediaFacts
from vidgen_desktop.media import ffmpeg
from vidgen_desktop.media.probe import MAX_IMAGE_SIDE, MediaInfo, probe
from vidgen_desktop.media.samples import make_test_audio, make_test_image, make_test_video

pytestmark = pytest.mark.render


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    ffmpeg.ffmpeg_exe.cache_clear()
    probe.cache_clear()
    yield
    probe.cache_clear()


def test_mp4_with_sound(tmp_path: Path):
    info = probe(
        make_test_video(tmp_path / "a.mp4", width=96, height=54, fps=25, duration=2, audio=True)
    )
    assert isinstance(info, MediaInfo)
    assert (info.kind, info.width, info.height) == ("video", 96, 54)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.fps == pytest.approx(25)
    assert info.frame_count == 50
    assert info.has_video and info.has_audio and not info.has_alpha
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (info.sample_rate, info.channels) == (48000, 2)
    assert info.size_bytes == (tmp_path / "a.mp4").stat().st_size
    assert info.path == str(tmp_path / "a.mp4")


def test_media_info_is_what_the_layout_needs(tmp_path: Path):
    info: MediaFacts = probe(make_test_video(tmp_path / "a.mp4"))
    assert (info.width, info.height, info.fps) == (64, 48, 30)


def test_mp4_without_sound(tmp_path: Path):
    info = probe(make_test_video(tmp_path / "silent.mp4", duration=1))
    assert info.has_video and not info.has_audio
    assert info.audio_codec is None and info.channels is None


def test_webm(tmp_path: Path):
    info = probe(make_test_video(tmp_path / "a.webm", codec="vp9", fps=24, audio=True))
    assert (info.kind, info.video_codec, info.audio_codec) == ("video", "vp9", "opus")
    assert info.fps == pytest.approx(24)
    assert info.frame_count == 24


def test_mov_with_alpha(tmp_path: Path):
    info = probe(make_test_video(tmp_path / "lower third.mov", codec="prores", alpha=True))
    assert (info.kind, info.video_codec) == ("video", "prores")
    assert info.has_alpha


def test_png_with_alpha_is_an_image(tmp_path: Path):
    info = probe(make_test_image(tmp_path / "logo.png", width=40, height=30, pattern="disc"))
    assert (info.kind, info.width, info.height) == ("image", 40, 30)
    assert info.has_alpha
    assert info.duration is None and info.fps is None and info.frame_count is None


def test_palette_png_with_transparency_has_alpha(tmp_path: Path):
    keyed = Image.new("P", (8, 8))
    keyed.putpalette([255, 0, 0, 0, 255, 0])
    keyed.save(tmp_path / "keyed.png", transparency=0)
    Image.new("P", (8, 8)).save(tmp_path / "flat.png")
    assert probe(tmp_path / "keyed.png").has_alpha
    assert not probe(tmp_path / "flat.png").has_alpha


@pytest.mark.parametrize("suffix", ["jpg", "bmp", "tiff", "webp"])
def test_other_stills_are_images_without_alpha(tmp_path: Path, suffix: str):
    info = probe(make_test_image(tmp_path / f"photo.{suffix}", width=50, height=20))
    assert (info.kind, info.width, info.height, info.has_alpha) == ("image", 50, 20, False)


def test_jpeg_turned_by_exif_reports_its_upright_size(tmp_path: Path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to view": how phones save portrait photos
    Image.new("RGB", (60, 30)).save(tmp_path / "portrait.jpg", exif=exif)
    info = probe(tmp_path / "portrait.jpg")
    assert (info.width, info.height, info.rotation) == (30, 60, 90)


def test_wav(tmp_path: Path):
    info = probe(make_test_audio(tmp_path / "music.wav", duration=1.5))
    assert (info.kind, info.width, info.height) == ("audio", 0, 0)
    assert info.duration == pytest.approx(1.5, abs=0.01)
    assert (info.has_video, info.has_audio, info.fps) == (False, True, None)
    assert (info.audio_codec, info.channels, info.sample_rate) == ("pcm_s16le", 2, 48000)


def test_animated_gif_is_a_video_and_a_single_frame_gif_an_image(tmp_path: Path):
    animated = probe(make_test_video(tmp_path / "anim.gif", codec="gif", fps=10, duration=1))
    assert (animated.kind, animated.width, animated.height) == ("video", 64, 48)
    assert animated.duration == pytest.approx(1.0, abs=0.05)
    assert animated.frame_count == 10
    assert animated.has_alpha  # GIFs can be see-through
    still = probe(make_test_image(tmp_path / "still.gif", width=30, height=20))
    assert (still.kind, still.width, still.height) == ("image", 30, 20)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_video_reports_its_upright_size(tmp_path: Path, rotation: int):
    info = probe(make_test_video(tmp_path / "phone.mp4", width=64, height=48, rotation=rotation))
    assert info.rotation == rotation
    expected = (48, 64) if rotation in (90, 270) else (64, 48)
    assert info.size == expected


def test_odd_file_names_are_just_names(tmp_path: Path):
    name = 'café "x" [1];a=b,c:d 日本 it\'s %d.mp4'
    info = probe(make_test_video(tmp_path / name, audio=True))
    assert info.kind == "video" and info.has_audio
    assert info.name == name
    image = make_test_image(tmp_path / "-logo, 'final' [v2]=ok;.png", pattern="disc")
    assert probe(image).has_alpha


def test_results_are_cached_until_the_file_changes(tmp_path: Path):
    path = make_test_image(tmp_path / "a.png", width=20, height=10)
    assert probe(path) is probe(path)
    make_test_image(tmp_path / "a.png", width=30, height=10)
    assert probe(path).width == 30


def reason(path: Path) -> str:
    with pytest.raises(errors.MediaError) as caught:
        probe(path)
    assert caught.value.path == str(path)
    message = str(caught.value)
    assert path.name in message
    assert "\n" not in message  # FFmpeg's own words stay in detail
    return message


def test_missing_file(tmp_path: Path):
    assert "does not exist" in reason(tmp_path / "gone.mp4")


def test_empty_file(tmp_path: Path):
    (tmp_path / "empty.mp4").touch()
    assert "is empty" in reason(tmp_path / "empty.mp4")


def test_folder(tmp_path: Path):
    (tmp_path / "footage.mp4").mkdir()
    assert "is a folder" in reason(tmp_path / "footage.mp4")


def test_text_file_renamed_mp4(tmp_path: Path):
    (tmp_path / "notes.mp4").write_text("shopping list: milk, eggs\n" * 20)
    message = reason(tmp_path / "notes.mp4")
    assert "is not a video, image or audio file FFmpeg can read" in message
    with pytest.raises(errors.MediaError) as caught:
        probe(tmp_path / "notes.mp4")
    assert "moov atom not found" in caught.value.detail


def test_truncated_mp4(tmp_path: Path):
    path = make_test_video(tmp_path / "download.mp4", duration=2, audio=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the index (moov) is written last: now it is gone
    assert "is damaged or incomplete" in reason(path)


def test_huge_image_is_refused_quickly(tmp_path: Path):
    path = huge_png(tmp_path / "poster.png", 20000, 20000)
    started = time.perf_counter()
    message = reason(path)
    assert time.perf_counter() - started < 1.0
    assert message == (
        "poster.png is 20000×20000 pixels; the largest Vidgen can use is 16384 on a side"
        " — scale it down first"
    )


def test_image_just_over_the_limit_on_one_side_is_refused(tmp_path: Path):
    path = huge_png(tmp_path / "banner.png", MAX_IMAGE_SIDE + 1, 8)
    assert f"{MAX_IMAGE_SIDE + 1}×8 pixels" in reason(path)
    assert probe(huge_png(tmp_path / "ok.png", MAX_IMAGE_SIDE, 8)).width == MAX_IMAGE_SIDE


def test_file_with_no_picture_or_sound(tmp_path: Path):
    path = tmp_path / "captions.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    assert "has no picture or sound" in reason(path)


def test_large_allowed_image_probes_without_decoding(tmp_path: Path):
    path = huge_png(tmp_path / "scan.png", 16000, 16000)
    started = time.perf_counter()
    assert probe(path).size == (16000, 16000)
    assert time.perf_counter() - started < 1.0


def test_named_pipe_is_not_a_regular_file_and_is_never_opened(tmp_path: Path):
    import os

    os.mkfifo(tmp_path / "stream.mp4")  # opening it to read would block forever
    message = reason(tmp_path / "stream.mp4")
    assert "not a regular file" in message and "named pipe" in message
    assert "empty" not in message


def test_symlink_loop(tmp_path: Path):
    (tmp_path / "a.mp4").symlink_to(tmp_path / "b.mp4")
    (tmp_path / "b.mp4").symlink_to(tmp_path / "a.mp4")
    assert "symbolic link that loops back on itself" in reason(tmp_path / "a.mp4")


def test_dangling_symlink_names_its_target(tmp_path: Path):
    (tmp_path / "clip.mp4").symlink_to(tmp_path / "moved away.mp4")
    message = reason(tmp_path / "clip.mp4")
    assert "clip.mp4 is a link to" in message and "moved away.mp4" in message


def test_device_is_not_a_regular_file():
    assert "not a regular file but a device" in reason(Path("/dev/zero"))


def test_a_cut_file_with_its_index_up_front_says_how_much_can_be_read(tmp_path: Path):
    info = probe(cut_download(tmp_path))
    assert info.kind == "video" and info.duration == pytest.approx(12, abs=0.1)
    assert info.damaged and 0.3 < info.readable_duration < 3
    (warning,) = info.warnings
    seconds = f"{round(info.readable_duration, 1):g}"
    assert warning == f"clip.mp4 looks damaged: only the first {seconds} s of 12 s can be read"
    assert info.frame_count <= info.readable_duration * 25 + 1


def test_a_file_cut_before_its_first_frame_is_refused(tmp_path: Path):
    message = reason(cut_download(tmp_path, keep=0))
    assert "is damaged or incomplete" in message


@pytest.mark.parametrize("codec, suffix", [("h264", ".mp4"), ("vp9", ".webm"), ("prores", ".mov")])
def test_healthy_files_read_to_their_end(tmp_path: Path, codec: str, suffix: str):
    info = probe(make_test_video(tmp_path / f"ok{suffix}", duration=2, audio=True, codec=codec))
    assert not info.damaged and info.readable_duration is None and info.warnings == ()


def test_text_file_renamed_png(tmp_path: Path):
    (tmp_path / "notes.png").write_text("shopping list: milk, eggs\n" * 20)
    assert "is not a video, image or audio file FFmpeg can read" in reason(tmp_path / "notes.png")


@pytest.mark.parametrize("name", ["new\nline.png", "Input #0, png_pipe, from 'x'.png",
                                  "a\n  Stream #0:1: Audio: aac.png"])  # fmt: skip
def test_names_that_look_like_ffmpeg_output_are_just_names(tmp_path: Path, name: str):
    make_test_image(tmp_path / "a.png", width=30, height=10)
    (tmp_path / "a.png").rename(tmp_path / name)
    info = probe(tmp_path / name)
    assert (info.kind, info.width, info.height, info.has_audio) == ("image", 30, 10, False)
