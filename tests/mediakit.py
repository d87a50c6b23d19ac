"""Tiny real media for tests, made with the real FFmpeg, and decoders for rendered output."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np

from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.media.samples import gradient_look


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *args], check=True)


def write_png(path: Path, rgba: np.ndarray) -> Path:
    """Save an RGBA (H, W, 4) uint8 array as PNG (alpha kept)."""
    bgra = cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA)
    ok, data = cv2.imencode(".png", bgra)
    assert ok
    path.write_bytes(data.tobytes())
    return path


def solid(w: int, h: int, rgba: tuple[int, int, int, int]) -> np.ndarray:
    image = np.zeros((h, w, 4), dtype=np.uint8)
    image[:] = rgba
    return image


def halves(w: int, h: int, left: tuple, right: tuple) -> np.ndarray:
    """Left half one colour, right half another (to see crops)."""
    image = solid(w, h, left)
    image[:, w // 2 :] = right
    return image


def counting_video(path: Path, *, fps: int = 10, seconds: float = 3, size: str = "32x32") -> Path:
    """A lossless video whose frame k has luma 16 + 6k (to read the frame index back)."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"color=black:s={size}:r={fps}:d={seconds}",
        "-vf",
        "geq=lum='16+6*N':cb=128:cr=128",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "1",
        str(path),
    )
    return path


def frame_index_from_luma(value: float) -> int:
    """Inverse of ``counting_video`` after decoding to full-range RGB (Y 16–235 → 0–255)."""
    return round(value / (6 * 255 / 219))


def tone(path: Path, *, freq: int, seconds: float, amplitude: float = 0.5) -> Path:
    """A stereo sine of peak ``amplitude`` (generated as stereo: an upmix would cost 3 dB)."""
    wave = f"{amplitude}*sin({freq}*2*PI*t)"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={wave}|{wave}:c=stereo:s=48000:d={seconds}", str(path))
    return path


def color_video(
    path: Path,
    *,
    color: str,
    size: str,
    seconds: float,
    fps: int = 10,
    audio_freq: int | None = None,
) -> Path:
    args = ["-f", "lavfi", "-i", f"color={color}:s={size}:r={fps}:d={seconds}"]
    if audio_freq:
        args += ["-f", "lavfi", "-i", f"sine=f={audio_freq}:r=48000:d={seconds}"]
    ffmpeg(*args, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-shortest", str(path))
    return path


def decode_frames(path: Path, width: int, height: int) -> np.ndarray:
    """Every frame of a rendered file as RGB uint8 (N, H, W, 3)."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-nostdin",
            "-i",
            f"file:{path}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)


def footage(size: str, seconds: float, *, rate: int = 25) -> str:
    """A lavfi source like camera footage: smooth moving gradients, the same every run
    (``samples.gradient_look``: FFmpeg draws their colours at random whatever its seed)."""
    width, height = (int(v) for v in size.split("x"))
    look = gradient_look(width, height)
    return f"gradients=s={size}:r={rate}:d={seconds}:speed=0.05:{look}"


def as_yuv420(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as FFmpeg shows it after 4:2:0 (swscale's own conversion there and back):
    what a canvas composited in 4:2:0 can hold of a picture, chroma at half resolution."""
    h, w = rgb.shape[:2]
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{w}x{h}", "-i", "-", "-vf", "format=yuv420p,format=rgb24",
         "-f", "rawvideo", "-"],
        input=np.ascontiguousarray(rgb[..., :3]).tobytes(), check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)


def decode_audio(path: Path) -> np.ndarray:
    """The soundtrack as float32 (samples, 2) at 48 kHz."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-nostdin",
            "-i",
            f"file:{path}",
            "-f",
            "f32le",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, 2)


def has_audio_stream(path: Path) -> bool:
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", f"file:{path}"],
        capture_output=True,
        text=True,
    ).stderr
    return "Audio:" in out


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the True pixels."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
