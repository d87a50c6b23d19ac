"""The MP4/QuickTime index reader against OpenCV, which the probe asked before."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from mediakit import ffmpeg
from vidgen_desktop.media import isobmff
from vidgen_desktop.media.probe import probe
from vidgen_desktop.media.samples import make_test_video

pytestmark = pytest.mark.render


def opencv_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()


# (file, how it is made, the probe's frame count): the container's count where it is near
# duration × fps; the sound-first file's 3 s of sound make its duration × fps 75, far from
# the 50 frames it holds, so (as with OpenCV's count before) duration × fps is kept
@pytest.mark.parametrize(
    ("name", "args", "probed"),
    [
        ("ntsc.mov", ["-f", "lavfi", "-i", "testsrc2=s=80x60:r=24000/1001:d=3.3"], 80),
        ("sound_first.mp4", ["-f", "lavfi", "-i", "sine=d=3", "-f", "lavfi",
                             "-i", "testsrc2=s=80x60:r=25:d=2", "-map", "0", "-map", "1"], 75),
        ("mpeg4.mp4", ["-f", "lavfi", "-i", "testsrc2=s=80x60:r=30:d=1.5", "-c:v", "mpeg4"], 45),
    ],
)  # fmt: skip
def test_the_frame_count_is_the_one_opencv_read(tmp_path, home, name, args, probed):
    path = tmp_path / name
    ffmpeg(*args, str(path))
    track = isobmff.first_video_track(str(path))
    assert track is not None and (track.width, track.height) == (80, 60)
    assert track.frames == opencv_count(path)
    probe.cache_clear()
    assert probe(path).frame_count == probed


def test_a_fragmented_mp4_counts_by_duration(tmp_path, home):
    path = tmp_path / "frag.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=80x60:r=25:d=2",
           "-movflags", "+frag_keyframe+empty_moov", str(path))  # fmt: skip
    assert isobmff.first_video_track(str(path)).frames == 0  # no samples in the moov
    probe.cache_clear()
    assert probe(path).frame_count == opencv_count(path) == 50


def test_what_is_not_an_mp4_has_no_track(tmp_path):
    webm = make_test_video(tmp_path / "a.webm", codec="vp9", duration=0.5)
    assert isobmff.first_video_track(str(webm)) is None
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x10moov\x00\x00\x00\xffjunk" + bytes(100))
    assert isobmff.first_video_track(str(junk)) is None
    assert isobmff.first_video_track(str(tmp_path / "missing.mp4")) is None
