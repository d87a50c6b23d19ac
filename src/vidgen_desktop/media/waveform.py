"""Audio peaks for drawing a waveform: decode a file's sound to mono PCM with FFmpeg.

``peaks(path, buckets_per_second)`` returns the largest absolute sample of each
bucket (0…1), one float per bucket over the whole file; the timeline draws a
clip's part of it. Pure apart from running FFmpeg; no Qt.
"""

from __future__ import annotations

import os

import numpy as np

from vidgen_desktop import errors
from vidgen_desktop.media import ffmpeg

RATE = 8000  # Hz: plenty for a picture of loudness, and cheap to decode


def bucket_peaks(samples: np.ndarray, per_bucket: int) -> np.ndarray:
    """The largest absolute value of each run of ``per_bucket`` samples (the last may be short)."""
    if samples.size == 0:
        return np.zeros(0, dtype=np.float32)
    count = -(-samples.size // per_bucket)
    padded = np.zeros(count * per_bucket, dtype=np.float32)
    padded[: samples.size] = np.abs(samples)
    return padded.reshape(count, per_bucket).max(axis=1)


def peaks(path: str | os.PathLike[str], buckets_per_second: int = 100) -> np.ndarray:
    """Peak per ``1/buckets_per_second`` s of ``path``'s first audio stream (empty: no sound)."""
    result = ffmpeg.run(
        ["-v", "error", "-i", os.fspath(path), "-vn", "-map", "0:a:0?", "-ac", "1",
         "-ar", str(RATE), "-f", "f32le", "-"],
        timeout=120,
    )  # fmt: skip
    if result.returncode != 0 and b"does not contain any stream" in result.stderr:
        return np.zeros(0, dtype=np.float32)  # a file without sound: nothing to draw
    if result.returncode != 0:
        last = (ffmpeg.stderr_text(result.stderr).strip().splitlines() or ["FFmpeg failed"])[-1]
        raise errors.MediaError(f"{os.fspath(path)}: cannot read its sound: {last}")
    samples = np.frombuffer(result.stdout, dtype="<f4")
    return np.clip(bucket_peaks(samples, max(1, RATE // buckets_per_second)), 0.0, 1.0)
