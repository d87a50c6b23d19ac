"""Waveforms on audio and video bars, thumbnails on video bars at sufficient zoom, from
real media decoded off the GUI thread (``media.waveform``, ``qt_timeline_media``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mediakit
import uikit
from timelinekit import shoot
from uikit import make_window

from PySide6.QtGui import QColor  # isort: skip

from vidgen_desktop.composition.model import AudioElement, Composition, Output, VideoElement
from vidgen_desktop.media import waveform
from vidgen_desktop.ui.editor import qt_timeline_zoom

home = uikit.home
pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Quiet then loud sound (1 s each); a red-then-blue video with the same sound."""
    folder = tmp_path_factory.mktemp("timeline-media")
    wave = "if(lt(t\\,1)\\,0\\,0.8)*sin(440*2*PI*t)"  # commas escaped for the filter graph
    sound = folder / "quiet-loud.wav"
    mediakit.ffmpeg("-f", "lavfi", "-i", f"aevalsrc={wave}:s=8000:d=2", str(sound))
    video = folder / "red-blue.mp4"
    mediakit.ffmpeg(
        "-f", "lavfi", "-i", "color=red:s=64x36:r=10:d=1",
        "-f", "lavfi", "-i", "color=blue:s=64x36:r=10:d=1",
        "-i", str(sound),
        "-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-map", "2:a",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video),
    )  # fmt: skip
    return {"sound": sound, "video": video}


def test_peaks_are_the_loudness_per_bucket(clips):
    peaks = waveform.peaks(clips["sound"], 100)
    assert len(peaks) == pytest.approx(200, abs=2)
    assert peaks[:95].max() < 0.01  # the quiet second
    assert peaks[105:195].min() > 0.7 and peaks.max() <= 0.81  # the loud one, at 0.8
    assert list(waveform.bucket_peaks(np.array([0.1, -0.5, 0.2], dtype=np.float32), 2)) == [
        pytest.approx(0.5), pytest.approx(0.2)]  # fmt: skip


def test_a_file_without_sound_gives_no_peaks_and_a_broken_one_a_clear_error(tmp_path):
    silent = mediakit.color_video(tmp_path / "mute.mp4", color="red", size="32x32", seconds=0.5)
    assert waveform.peaks(silent).size == 0
    bad = tmp_path / "notes.wav"
    bad.write_text("not sound")
    with pytest.raises(Exception, match="notes.wav: cannot read its sound"):
        waveform.peaks(bad)


def bright_columns(image, x0: int, x1: int, y0: int, y1: int) -> int:
    """Pixel columns in the box holding a near-white pixel (the waveform's ink)."""
    count = 0
    for x in range(x0, x1):
        if any(QColor(image.pixel(x, y)).lightness() > 200 for y in range(y0, y1)):
            count += 1
    return count


def ready(qtbot, comp):
    window = make_window(qtbot, comp)
    view = window.timeline.view
    qtbot.waitUntil(lambda: len(window.doc.media) == len(comp.elements), timeout=20000)
    return window, view


def test_waveforms_on_audio_and_video_bars_and_thumbnails_when_zoomed(qtbot, home, clips):
    comp = Composition(
        output=Output(width=320, height=180, fps=10, duration=20),
        elements=[VideoElement(id="clip", source=str(clips["video"])),
                  AudioElement(id="music", source=str(clips["sound"]))],
    )  # fmt: skip
    window, view = ready(qtbot, comp)
    view.repaint()
    # zoomed out (2 s of 20 s): the video bar is too short for pictures; none are decoded
    assert view.pictures.thumbs == {} and not view.pictures._asked
    qt_timeline_zoom.set_zoom(view, 300)  # 300 px a second: 2 s fill 600 px
    view.repaint()
    qtbot.waitUntil(lambda: all(view.pictures.waveforms.get(str(c)) is not None
                                for c in clips.values()), timeout=20000)  # fmt: skip
    qtbot.waitUntil(lambda: len(view.pictures.thumbs) >= 6, timeout=20000)
    image = view.grab().toImage()
    rows = [e.id for e in view.rows()]
    for element_id in ("clip", "music"):
        rect = view.bar_rect(rows.index(element_id), window.doc.element(element_id))
        y0, y1 = int(rect.top()) + 2, int(rect.bottom()) - 2
        quiet = bright_columns(image, int(view.x_of(0.1)), int(view.x_of(0.9)), y0, y1)
        loud = bright_columns(image, int(view.x_of(1.1)), int(view.x_of(1.9)), y0, y1)
        assert quiet < 10 and loud > 200, (element_id, quiet, loud)
    rect = view.bar_rect(rows.index("clip"), window.doc.element("clip"))
    y = int(rect.top()) + 5  # above the waveform: the thumbnails
    early = QColor(image.pixel(int(view.x_of(0.3)), y))
    late = QColor(image.pixel(int(view.x_of(1.7)), y))
    assert early.red() > 150 and early.blue() < 100, early.name()
    assert late.blue() > 150 and late.red() < 100, late.name()
    shoot(window, "zoomed-in")
