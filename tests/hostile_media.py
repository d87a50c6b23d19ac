"""Hostile media for tests: files cut short, misnamed, odd, or not files at all.

Everything is generated here with the real FFmpeg (nothing large is committed)
and kept small, so the whole corpus is made in seconds.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop.media.ffmpeg import ffmpeg_exe


def cut_download(folder: Path, name: str = "clip.mp4", *, keep: float = 0.1) -> Path:
    """A 12 s clip whose index is up front (as web and phone files are), cut after ``keep``
    of its bytes (0: right after the index): the header still promises 12 s."""
    whole = folder / f"whole-{name}"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=12", "-f", "lavfi", "-i", "sine=d=12",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-shortest",
         "-movflags", "+faststart", str(whole)],
        check=True,
    )  # fmt: skip
    data = whole.read_bytes()
    whole.unlink()
    end = int(len(data) * keep) if keep else data.index(b"mdat") + 64
    (folder / name).write_bytes(data[:end])
    return folder / name


def huge_png(path: Path, width: int, height: int) -> Path:
    """A real, valid 1-bit PNG of any size, written in well under a second (zeros compress)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(6)
    body = [packer.compress(row * 1000) for _ in range(height // 1000)]
    body += [packer.compress(row * (height % 1000)), packer.flush()]
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(body))
        + chunk(b"IEND", b"")
    )
    return path


def _ff(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *args], check=True)


VIDEO = "testsrc2=s=64x48:r=10:d=1"
SOUND = "sine=f=440:d=1"


def _video(*codec: str, source: str = VIDEO, sound: bool = True) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        audio = ["-f", "lavfi", "-i", SOUND, "-shortest"] if sound else []
        _ff("-f", "lavfi", "-i", source, *audio, *codec, f"file:{path}")

    return make


H264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")


def _still(size: str = "64x48", pattern: str = "testsrc2") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        _ff("-f", "lavfi", "-i", f"{pattern}=s={size}:d=1", "-frames:v", "1", "-update", "1",
            f"file:{path}")  # fmt: skip

    return make


def _as(kind: str, maker: Callable[[Path], None]) -> Callable[[Path], None]:
    """Make a ``kind`` file (e.g. ".png") and store it under the case's own name."""

    def make(path: Path) -> None:
        real = path.with_name(f".real{kind}")
        maker(real)
        os.replace(real, path)

    return make


def _cut(path: Path, *, faststart: bool) -> None:
    whole = path.with_name(".whole.mp4")
    flags = ["-movflags", "+faststart"] if faststart else []
    _video(*H264, "-g", "10", *flags, source="testsrc2=s=160x120:r=25:d=12")(whole)
    data = whole.read_bytes()
    whole.unlink()
    start = data.index(b"mdat") if faststart else 0  # faststart: keep the whole index
    path.write_bytes(data[: start + (len(data) - start) // 10])


def _text(path: Path) -> None:
    path.write_text("Meeting notes\n- bring the footage\n" * 40)


def _corrupt_png(path: Path) -> None:
    import cv2
    import numpy as np

    noise = np.random.default_rng(7).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    data = bytearray(cv2.imencode(".png", noise)[1].tobytes())
    data[1000:3000] = b"\0" * 2000  # header intact: the probe passes, decoding does not
    path.write_bytes(bytes(data))


def _gif(frames: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        _ff("-f", "lavfi", "-i", f"testsrc2=s=32x24:r=10:d={frames / 10}", f"file:{path}")

    return make


def _loop(path: Path) -> None:
    other = path.with_name(f"{path.stem}-other{path.suffix}")
    path.symlink_to(other)
    other.symlink_to(path)


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, how to make it, and what Vidgen must do with it.

    ``works``: a render of it succeeds; otherwise it fails with one line naming
    the file, containing ``says``. ``probes``: ``vidgen probe`` succeeds (by
    default, when the render does). ``kind``: the element type the project
    uses (what the file claims to be).
    """

    name: str
    make: Callable[[Path], None]
    works: bool
    kind: str = "video"
    says: str = ""
    probes: bool | None = None

    @property
    def probe_works(self) -> bool:
        return self.works if self.probes is None else self.probes


PNG = _still("64x48")
MP4 = _video(*H264)

CORPUS: list[Case] = [
    # damaged, empty, not media at all
    Case("cut.mp4", lambda p: _cut(p, faststart=False), False, says="damaged or incomplete"),
    Case(
        "cut-faststart.mp4",
        lambda p: _cut(p, faststart=True),
        False,
        says="looks damaged",
        probes=True,
    ),  # fmt: skip
    Case("zero.mp4", lambda p: p.write_bytes(b""), False, says="empty"),
    Case("zero.png", lambda p: p.write_bytes(b""), False, "image", says="empty"),
    Case("notes.mp4", _text, False, says="not a video, image or audio file"),
    Case("notes.png", _text, False, "image", says="not a video, image or audio file"),
    Case("damaged-pixels.png", _corrupt_png, False, "image", says="damaged", probes=True),
    # content and name disagree
    Case("png-named.jpg", _as(".png", PNG), True, "image"),
    Case("jpeg-named.png", _as(".jpg", PNG), True, "image"),
    Case("gif-named.png", _as(".gif", _gif(1)), True, "image"),
    Case(
        "webm-named.mp4",
        _as(".webm", _video("-c:v", "libvpx-vp9", "-deadline", "realtime", sound=False)),
        True,
    ),  # fmt: skip
    # sizes
    Case("one-pixel.png", _still("1x1", "color"), True, "image"),
    Case("huge.png", lambda p: huge_png(p, 20000, 20000), False, "image", says="20000×20000"),
    Case(
        "odd-size.mp4", _video(*H264[:4], "-pix_fmt", "yuv444p", source="testsrc=s=33x17:d=1"), True
    ),  # fmt: skip
    Case("odd-size.png", _still("31x7", "color"), True, "image"),
    Case("tall-thin.png", _still("1x999", "color"), True, "image"),
    # streams and formats
    Case(
        "audio-only.mp4",
        lambda p: _ff("-f", "lavfi", "-i", SOUND, "-c:a", "aac", f"file:{p}"),
        True,
        "audio",
    ),  # fmt: skip
    Case(
        "audio-only-as-video.mp4",
        lambda p: _ff("-f", "lavfi", "-i", SOUND, f"file:{p}"),
        False,
        says="no picture to show",
        probes=True,
    ),  # fmt: skip
    Case(
        "vfr.mp4",
        _video(
            *H264,
            "-fps_mode",
            "vfr",
            source="testsrc2=s=64x48:r=30:d=1,setpts='N/30/TB+if(gt(N\\,15)\\,0.3/TB\\,0)'",
        ),
        True,
    ),  # fmt: skip
    Case(
        "phone-rotated.mp4",
        lambda p: (
            _video(*H264)(p.with_name(".r.mp4")),
            _ff(
                "-display_rotation",
                "90",
                "-i",
                f"file:{p.with_name('.r.mp4')}",
                "-c",
                "copy",
                f"file:{p}",
            ),
            p.with_name(".r.mp4").unlink(),
        ),
        True,
    ),  # fmt: skip
    Case("ten-bit.mp4", _video(*H264[:4], "-pix_fmt", "yuv420p10le"), True),
    Case("four-four-four.mp4", _video(*H264[:4], "-pix_fmt", "yuv444p"), True),
    Case(
        "alpha.webm",
        _video(
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-pix_fmt",
            "yuva420p",
            source=f"{VIDEO},format=rgba,colorchannelmixer=aa=0.5",
        ),
        True,
    ),  # fmt: skip
    Case(
        "prores-4444.mov",
        _video(
            "-c:v",
            "prores_ks",
            "-profile:v",
            "4444",
            "-pix_fmt",
            "yuva444p10le",
            "-c:a",
            "pcm_s16le",
            source=f"{VIDEO},format=rgba",
        ),
        True,
    ),  # fmt: skip
    Case("animated.gif", _gif(5), True),
    Case("one-frame.gif", _gif(1), True, "image"),
    Case("sound.wav", lambda p: _ff("-f", "lavfi", "-i", SOUND, f"file:{p}"), True, "audio"),
    # names FFmpeg, filter graphs and shells treat specially
    Case("quote'single.png", PNG, True, "image"),
    Case('quote"double.mp4', MP4, True),
    Case("[brackets].png", PNG, True, "image"),
    Case("comma,name.mp4", MP4, True),
    Case("semi;colon.png", PNG, True, "image"),
    Case("colon:name.mp4", MP4, True),
    Case("equals=name.png", PNG, True, "image"),
    Case("new\nline.png", PNG, True, "image"),
    Case("-leading-dash.mp4", MP4, True),
    Case("--help.png", PNG, True, "image"),
    Case("50% off %03d.png", PNG, True, "image"),
    Case("back\\slash.png", PNG, True, "image"),
    Case("$(touch pwned) `id`.png", PNG, True, "image"),
    Case("日本語の動画.mp4", MP4, True),
    Case("Ελληνικά ünïcødé.png", PNG, True, "image"),
    Case("العربية.png", PNG, True, "image"),
    Case("emoji 🎬.mp4", MP4, True),
    # not regular files
    Case("loop.mp4", _loop, False, says="loops back on itself"),
    Case("pipe.mp4", lambda p: os.mkfifo(p), False, says="not a regular file"),
    Case("x.mp4", lambda p: p.mkdir(), False, says="is a folder"),
    Case(
        "dangling.png",
        lambda p: p.symlink_to(p.with_name("moved away.png")),
        False,
        "image",
        says="which does not exist",
    ),  # fmt: skip
]


def build(folder: Path) -> list[tuple[Case, Path]]:
    """Write every corpus file into ``folder``; (case, path) in corpus order."""
    made = []
    for case in CORPUS:
        path = folder / case.name
        case.make(path)
        made.append((case, path))
    return made
