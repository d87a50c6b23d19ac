"""What renders here: Vidgen's version, the FFmpeg build and the encoders it offers.

``made_with()`` is stored with every job the render step completes
(``jobs.made_with``), and ``vidgen --version`` and ``vidgen backend check``
print it, so a past render can be reproduced with what made it. FFmpeg is
asked once per process (``-version``, ``-encoders``: a few milliseconds).
"""

from __future__ import annotations

import functools
import hashlib
import platform
import re
from typing import Any

from vidgen_desktop import __version__
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.media import ffmpeg

_ENCODER = re.compile(r"^ ([VAS])[.A-Z]{5} (\S+)")


@functools.cache
def ffmpeg_build() -> dict[str, Any]:
    """``{"path", "version", "configuration_sha256", "encoders"}`` of the FFmpeg in use."""
    path = ffmpeg.ffmpeg_exe()
    version = ffmpeg.run(["-version"], timeout=30)
    encoders = ffmpeg.run(["-encoders"], timeout=30)
    if version.returncode != 0 or encoders.returncode != 0:
        raise VidgenError(f"FFmpeg at {path} did not answer -version/-encoders")
    lines = ffmpeg.stderr_text(version.stdout).splitlines()
    configuration = next((line for line in lines if line.startswith("configuration:")), "")
    names = [
        match.group(2)
        for line in ffmpeg.stderr_text(encoders.stdout).splitlines()
        if (match := _ENCODER.match(line)) and match.group(2) != "="
    ]
    return {
        "path": path,
        "version": lines[0].removeprefix("ffmpeg version ").split(" Copyright")[0] if lines else "",
        "configuration_sha256": hashlib.sha256(configuration.encode()).hexdigest(),
        "encoders": names,
    }


@functools.cache
def text_engine() -> dict[str, Any]:
    """Pillow, its FreeType and its text layout: ``raqm`` needs FriBiDi on the machine, else
    ``basic``, and the two place glyphs differently (a render's text pixels follow them)."""
    import PIL
    from PIL import features

    return {
        "pillow": PIL.__version__,
        "freetype": features.version("freetype2"),
        "text_layout": "raqm" if features.check("raqm") else "basic",
    }


def made_with() -> dict[str, Any]:
    """What a render made now is made with (JSON-ready)."""
    build = ffmpeg_build()
    return {
        **text_engine(),
        "vidgen": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "ffmpeg": build["version"],
        "ffmpeg_configuration_sha256": build["configuration_sha256"],
        "encoders": build["encoders"],
    }


def version_text() -> str:
    """``vidgen --version``: Vidgen's version first, then what it renders with."""
    try:
        build = ffmpeg_build()
    except VidgenError as exc:  # FFmpeg missing or broken: the version still prints
        return f"vidgen {__version__}\nPython {platform.python_version()}\nFFmpeg: {exc}"
    return (
        f"vidgen {__version__}\nPython {platform.python_version()}\n"
        f"FFmpeg {build['version']} ({build['path']}), {len(build['encoders'])} encoders"
    )
