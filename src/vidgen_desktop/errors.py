"""The project's own exception types.

Each carries a message a designer can act on; technical detail (FFmpeg's
stderr, a driver's error) rides along in ``detail`` for the log.
"""

from __future__ import annotations


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
