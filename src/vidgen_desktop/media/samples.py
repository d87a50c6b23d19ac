"""Sample media made by FFmpeg's own generators (no downloads), and tiny test files.

``make_samples(folder)`` writes the media the example projects use. The
``make_test_*`` helpers write small files for tests; ``pattern="index"``
paints frame ``n`` in a solid colour that encodes ``n`` (see ``index_color``
and ``index_of``), so a test can tell exactly which frame it got back.
Every file is written under a temporary name and renamed into place: a
half-made file never sits where a finished one is expected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np

from vidgen_desktop import errors, files
from vidgen_desktop.media import ffmpeg

Pattern = Literal["testsrc2", "index", "smpte", "gradients"]
Codec = Literal["h264", "vp9", "prores", "gif"]

_STEP = 32  # colour step per index digit: survives lossy H.264 with room to spare
_BASE = 16
INDEX_FRAMES = 512  # distinct frames the index pattern can label (8 levels × 3 channels)

_CODEC_ARGS: dict[str, list[str]] = {
    "h264": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"],
    "vp9": [
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "0",
        "-crf",
        "40",
    ],
    "prores": ["-c:v", "prores_ks", "-profile:v", "4444"],
    "gif": [],
}
_AUDIO_ARGS = {"h264": ["-c:a", "aac"], "vp9": ["-c:a", "libopus"], "prores": ["-c:a", "pcm_s16le"]}


def index_color(n: int) -> tuple[int, int, int]:
    """The RGB colour of frame ``n`` in the ``index`` pattern (``n`` below 512)."""
    return (
        _BASE + _STEP * (n % 8),
        _BASE + _STEP * (n // 8 % 8),
        _BASE + _STEP * (n // 64 % 8),
    )


def index_of(picture: np.ndarray) -> int:
    """Which frame of the ``index`` pattern an RGB(A) picture shows (by its mean colour)."""
    digits = [
        int(np.clip(round((float(picture[..., c].mean()) - _BASE) / _STEP), 0, 7)) for c in range(3)
    ]
    return digits[0] + 8 * digits[1] + 64 * digits[2]


def _index_filter(width: int, height: int, fps: float, duration: float, alpha: bool) -> str:
    def channel(div: int) -> str:
        return f"{_BASE}+{_STEP}*mod(floor(N/{div})\\,8)"

    fmt = "rgba" if alpha else "rgb24"
    alpha_expr = ":a='if(lt(X\\,W/2)\\,255\\,0)'" if alpha else ""
    return (
        f"color=black:s={width}x{height}:r={fps}:d={duration},format={fmt},"
        f"geq=r='{channel(1)}':g='{channel(8)}':b='{channel(64)}'{alpha_expr}"
    )


def _video_source(
    pattern: Pattern, width: int, height: int, fps: float, duration: float, alpha: bool
) -> str:
    size = f"s={width}x{height}:r={fps}:d={duration}"
    if pattern == "index":
        return _index_filter(width, height, fps, duration, alpha)
    source = {
        "testsrc2": f"testsrc2={size}",
        "smpte": f"smptehdbars={size}",
        "gradients": f"gradients={size}:speed=0.03:{gradient_look(width, height)}",
    }[pattern]
    return f"{source},format=rgba" if alpha else source


def gradient_look(width: int, height: int) -> str:
    """Fixed colours and line for ``gradients``: left to it, both are drawn at random on
    every run (its ``seed`` does not hold them), and a sample must be the same each time
    (benchmarks compare runs; tests compare pictures)."""
    colours = "c0=0x3060c0:c1=0xe0a040:c2=0x40c080:c3=0xc04070:c4=0x80e0f0:n=5"
    return f"{colours}:x0={width // 8}:y0={height // 8}:x1={width * 7 // 8}:y1={height * 7 // 8}"


def _audio_source(duration: float, channels: int = 2) -> str:
    tones = ["0.2*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*2*t))", "0.2*sin(2*PI*660*t)"]
    return f"aevalsrc='{'|'.join(tones[:channels])}':s=48000:d={duration}"


def _ffmpeg(args: list[str], target: Path) -> None:
    result = ffmpeg.run(["-v", "error", "-y", *args], timeout=300)
    if result.returncode != 0:
        raise errors.MediaError(
            f"FFmpeg could not make {target.name}",
            path=str(target),
            detail=ffmpeg.stderr_text(result.stderr),
        )


def make_test_video(
    path: str | os.PathLike[str],
    *,
    width: int = 64,
    height: int = 48,
    fps: float = 30,
    duration: float = 1.0,
    audio: bool = False,
    pattern: Pattern = "testsrc2",
    codec: Codec = "h264",
    alpha: bool = False,
    rotation: int = 0,
    gop: int | None = None,
) -> Path:
    """Write a small video; ``rotation`` (clockwise) is stored as display-matrix metadata.

    ``alpha`` needs a codec that keeps it (``prores``: 4444 with alpha; ``gif``).
    """
    target = Path(path)
    source = _video_source(pattern, width, height, fps, duration, alpha)
    if codec == "gif":  # a real palette (and a transparent entry) instead of fixed 3-3-2 colours
        source += (
            ",split[a][b];[a]palettegen=reserve_transparent=1:stats_mode=full[p];"
            "[b][p]paletteuse=alpha_threshold=128"
        )
    inputs = ["-f", "lavfi", "-i", source]
    if audio and codec != "gif":
        inputs += ["-f", "lavfi", "-i", _audio_source(duration)]
    args = list(_CODEC_ARGS[codec])
    if codec == "prores":
        args += ["-pix_fmt", "yuva444p10le" if alpha else "yuv444p10le"]
    if codec in ("h264", "vp9"):
        args += ["-g", str(gop or max(2, round(fps)))]
    if audio and codec != "gif":
        args += [*_AUDIO_ARGS[codec], "-shortest"]
    with files.atomic_path(target) as temporary:
        if rotation % 360:
            with files.atomic_path(target.with_name(f"unrotated-{target.name}")) as plain:
                _ffmpeg([*inputs, *args, str(plain)], target)
                _ffmpeg(
                    [
                        "-display_rotation",
                        str(-(rotation % 360)),
                        "-i",
                        ffmpeg.file_url(plain),
                        "-c",
                        "copy",
                        str(temporary),
                    ],
                    target,
                )
        else:
            _ffmpeg([*inputs, *args, ffmpeg.file_url(temporary)], target)
    return target


def make_test_image(
    path: str | os.PathLike[str],
    *,
    width: int = 64,
    height: int = 48,
    pattern: Literal["testsrc2", "disc", "color"] = "testsrc2",
    color: str = "red",
) -> Path:
    """Write one still. ``disc``: an opaque disc on a see-through square (RGBA: use PNG or WebP)."""
    target = Path(path)
    if pattern == "disc":
        radius = min(width, height) * 0.47
        cx, cy = (width - 1) / 2, (height - 1) / 2
        inside = f"lt(hypot(X-{cx}\\,Y-{cy})\\,{radius})"
        core = f"lt(hypot(X-{cx}\\,Y-{cy})\\,{radius * 0.5})"
        source = (
            f"color=black:s={width}x{height},format=rgba,"
            f"geq=r='if({core}\\,255\\,40)':g='if({core}\\,200\\,110)':b='if({core}\\,60\\,230)'"
            f":a='255*{inside}'"
        )
    elif pattern == "color":
        source = f"color={color}:s={width}x{height}"
    else:
        source = f"testsrc2=s={width}x{height}"
    with files.atomic_path(target) as temporary:
        _ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                source,
                "-frames:v",
                "1",
                "-update",
                "1",
                ffmpeg.file_url(temporary),
            ],
            target,
        )
    return target


def make_test_audio(
    path: str | os.PathLike[str], *, duration: float = 1.0, channels: int = 2
) -> Path:
    """Write a short tone (WAV, or whatever the extension says)."""
    target = Path(path)
    with files.atomic_path(target) as temporary:
        _ffmpeg(
            ["-f", "lavfi", "-i", _audio_source(duration, channels), ffmpeg.file_url(temporary)],
            target,
        )
    return target


SAMPLES = ("background", "clip", "photo", "logo", "music")


def make_samples(folder: str | os.PathLike[str], *, overwrite: bool = False) -> dict[str, Path]:
    """Write the sample media into ``folder/media``; return them by name (see ``SAMPLES``).

    Files already there are kept unless ``overwrite``.
    """
    media = Path(folder) / "media"
    made = {
        "background": media / "background.mp4",
        "clip": media / "clip.mp4",
        "photo": media / "photo.jpg",
        "logo": media / "logo.png",
        "music": media / "music.wav",
    }
    makers = {
        "background": lambda p: _sample_video(p, 1920, 1080, 20.0, "bars+inset"),
        "clip": lambda p: _sample_video(p, 1280, 720, 12.0, "testsrc2"),
        "photo": lambda p: _sample_still(p, "mandelbrot=s=1600x1000:maxiter=256:start_scale=2"),
        "logo": lambda p: make_test_image(p, width=512, height=512, pattern="disc"),
        "music": lambda p: make_test_audio(p, duration=20.0, channels=2),
    }
    for name, target in made.items():
        if overwrite or not target.is_file() or target.stat().st_size == 0:
            makers[name](target)
    return made


def _sample_video(target: Path, width: int, height: int, duration: float, layout: str) -> None:
    size = f"r=30:d={duration}"
    if layout == "bars+inset":  # a moving picture-in-picture over bars: motion is obvious
        graph = (
            f"smptehdbars=s={width}x{height}:{size}[bg];"
            f"testsrc2=s={width // 4}x{height // 4}:{size}[fg];"
            "[bg][fg]overlay=x='(W-w)*(0.5+0.4*sin(t/2))':y='(H-h)*(0.5+0.4*cos(t/3))'"
            ":format=yuv420"
        )
    else:
        graph = f"testsrc2=s={width}x{height}:{size}"
    with files.atomic_path(target) as temporary:
        _ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                graph,
                "-f",
                "lavfi",
                "-i",
                _audio_source(duration),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "28",
                "-pix_fmt",
                "yuv420p",
                "-g",
                "60",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-shortest",
                "-movflags",
                "+faststart",
                ffmpeg.file_url(temporary),
            ],
            target,
        )


def _sample_still(target: Path, source: str) -> None:
    with files.atomic_path(target) as temporary:
        _ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                source,
                "-frames:v",
                "1",
                "-q:v",
                "3",
                "-update",
                "1",
                ffmpeg.file_url(temporary),
            ],
            target,
        )
