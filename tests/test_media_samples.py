"""The sample media: made by FFmpeg here, no download, never left half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidgen_desktop import errors
from vidgen_desktop.media import ffmpeg, frames
from vidgen_desktop.media.probe import probe
from vidgen_desktop.media.samples import make_samples, make_test_image

pytestmark = pytest.mark.render


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    ffmpeg.ffmpeg_exe.cache_clear()
    probe.cache_clear()
    yield
    frames.close_all()


def test_make_samples_writes_what_the_examples_need(tmp_path: Path):
    made = make_samples(tmp_path)
    assert set(made) == {"background", "clip", "photo", "logo", "music"}
    assert made["background"] == tmp_path / "media" / "background.mp4"

    background = probe(made["background"])
    assert (background.width, background.height, background.fps) == (1920, 1080, 30)
    assert background.duration == pytest.approx(20, abs=0.1)
    assert (background.video_codec, background.pix_fmt, background.audio_codec) == (
        "h264",
        "yuv420p",
        "aac",
    )
    assert background.channels == 2
    reader = frames.video_frames(made["background"])
    assert (reader.frame(0) != reader.frame(90)).any()  # it moves

    clip = probe(made["clip"])
    assert (clip.width, clip.height, clip.fps, clip.has_audio) == (1280, 720, 30, True)
    assert clip.duration == pytest.approx(12, abs=0.1)

    photo = probe(made["photo"])
    assert (photo.kind, photo.width, photo.height) == ("image", 1600, 1000)

    logo = frames.load_image(made["logo"])
    assert logo.shape == (512, 512, 4)
    assert logo[0, 0, 3] == 0 and logo[256, 256, 3] == 255  # a disc on a see-through square

    music = probe(made["music"])
    assert (music.kind, music.channels) == ("audio", 2)
    assert music.duration == pytest.approx(20, abs=0.05)

    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == sorted(
        p.name for p in made.values()
    )  # no temporary files left behind

    stamps = {name: path.stat().st_mtime_ns for name, path in made.items()}
    make_samples(tmp_path)  # a second call keeps what is there
    assert {name: path.stat().st_mtime_ns for name, path in made.items()} == stamps


def test_a_failed_make_leaves_nothing_behind(tmp_path: Path):
    with pytest.raises(errors.MediaError) as caught:
        make_test_image(tmp_path / "logo.notaformat")  # FFmpeg cannot choose a format for it
    assert "logo.notaformat" in str(caught.value)
    assert caught.value.detail
    assert list(tmp_path.iterdir()) == []
