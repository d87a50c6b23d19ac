"""Finding the FFmpeg binary, and running it.

Order: ``$VIDGEN_FFMPEG`` if set (it must point at an executable, otherwise
that is an error, not a reason to quietly use another FFmpeg), then the
binary bundled in the ``imageio-ffmpeg`` wheel, then ``ffmpeg`` on PATH.
There is no ffprobe: the bundled build ships without it, so everything here
probes with ``ffmpeg -i`` (see ``media.probe``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from vidgen_desktop import errors

ENV_VAR = "VIDGEN_FFMPEG"


@functools.cache
def ffmpeg_exe() -> str:
    """The path of the FFmpeg binary to run. Cached; ``ffmpeg_exe.cache_clear()`` resets it."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        found = shutil.which(os.path.expanduser(configured))
        if found is None or Path(found).is_dir():
            raise errors.FFmpegNotFoundError(
                f"{ENV_VAR} is set to {configured!r}, but there is no FFmpeg program there. "
                f"Fix the path or unset {ENV_VAR} to use the bundled FFmpeg."
            )
        return found
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        bundled = None
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    raise errors.FFmpegNotFoundError()


def file_url(path: str | os.PathLike[str]) -> str:
    """An FFmpeg input/output name for a local file, safe for any file name.

    The ``file:`` prefix stops FFmpeg reading ``a:b.mp4`` as protocol ``a`` or
    ``concat:…`` as a concatenation; the path is absolute so ``-x.mp4`` is
    never an option either.
    """
    return "file:" + os.path.abspath(os.fspath(path))


def run(args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run FFmpeg with ``args`` (no shell), capturing stdout and stderr as bytes."""
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def stderr_text(raw: bytes) -> str:
    """FFmpeg's stderr as text (it writes file names as UTF-8 bytes)."""
    return raw.decode("utf-8", errors="replace")
