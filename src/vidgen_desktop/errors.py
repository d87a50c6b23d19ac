"""The project's own exception types.

Each carries a message a designer can act on; technical detail (FFmpeg's
stderr, a driver's error) rides along in ``detail`` for the log.
"""

from __future__ import annotations

import os

_QUOTE_FREE = frozenset("._-+@#%=~()[]{}")  # besides letters, digits and inner spaces


def display_name(path: str | os.PathLike[str], *, full: bool = False) -> str:
    """A file's name (or with ``full``, its path) for a message, shown unambiguously.

    Ordinary names stay as they are (``logo.png``). Names that could be misread in
    a one-line message, because they hold a newline or another control character,
    quotes, a backslash, a comma, a semicolon or a colon, or start or end with a
    space, are quoted with escapes visible, as Python's ``repr`` writes them:
    ``'lo\\ngo.png'``, ``"it's.png"``.
    """
    text = os.fspath(path)
    if not full:
        text = os.path.basename(text.rstrip(os.sep)) or text
    ordinary = (
        text == text.strip()
        and text.isprintable()
        and all(c.isalnum() or c == " " or c in _QUOTE_FREE or (full and c == os.sep) for c in text)
    )
    return text if ordinary and text else repr(text)


class VidgenError(Exception):
    """Something went wrong in Vidgen."""

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        self.detail = detail

    @property
    def message(self) -> str:
        return str(self)


class CompositionError(VidgenError, ValueError):
    """The project is not valid."""


class ProjectFileError(CompositionError):
    """The project file cannot be read."""


class MediaError(VidgenError):
    """A media file cannot be used."""

    def __init__(self, message: str, *, path: str = "", detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.path = path


class FFmpegNotFoundError(VidgenError):
    """No FFmpeg binary was found: set VIDGEN_FFMPEG or install imageio-ffmpeg."""


class RenderError(VidgenError):
    """The render failed."""


class RenderCancelled(RenderError):
    """The render was cancelled."""
