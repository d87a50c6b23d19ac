"""Hostile media for tests: files cut short, misnamed, odd, or not files at all.

Everything is generated here with the real FFmpeg (nothing large is committed)
and kept small, so the whole corpus is made in seconds.
"""

from __future__ import annotations

import subprocess
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
