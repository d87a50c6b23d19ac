"""What a media file is: ``probe(path) -> MediaInfo``.

Probing runs ``ffmpeg -i FILE`` (the bundled build has no ffprobe) and reads
the header it prints before complaining that no output was given; FFmpeg
reads only the file's header for that, never the whole file. Still images add
a few bytes read here (EXIF orientation, PNG transparency, GIF frame count).

Conventions others rely on:
- ``width``/``height`` are what the viewer sees: stored pixels turned by
  ``rotation`` (clockwise degrees, from the display matrix or EXIF). FFmpeg
  and OpenCV both turn the picture upright on decode, so the renderer and the
  preview get frames of exactly this size. Sample aspect ratio is ignored,
  as FFmpeg's ``scale`` and OpenCV ignore it.
- Stills (``kind == "image"``) have ``duration``, ``fps`` and ``frame_count``
  None. Audio has ``width == height == 0`` and ``fps`` None. An animated GIF
  is a video; a one-frame GIF is an image.
- Results are cached by (path, modification time, size): in memory
  (``probe.cache_clear()``) and on disk across commands (``media.probe_cache``,
  which also keys by the FFmpeg binary; ``probe_cache.clear()``).
- ``frame_count`` is the container's own count where the index holds one
  (MP4/QuickTime: ``media.isobmff``), as FFmpeg's ``nb_frames`` and OpenCV's
  frame count give it, when it agrees with duration × fps; else duration × fps.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import math
import os
import stat as stat_module
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vidgen_desktop import errors
from vidgen_desktop.media import damage, ffmpeg, imagefile, isobmff, probe_cache

if TYPE_CHECKING:
    from vidgen_desktop.media.header import Header, StreamHeader

MAX_IMAGE_SIDE = 16384  # px: the largest picture Vidgen decodes (FFmpeg's own limit is lower
# for squares: about 16k×16k), and plenty for a 7680 px canvas
PROBE_TIMEOUT = 30.0  # seconds: a header read; only a stalled network drive takes this long

Kind = Literal["video", "image", "audio"]

_ALPHA_FORMATS = ("rgba", "bgra", "argb", "abgr", "ya8", "ya16", "rgba64", "bgra64", "rgbaf")
_ALPHA_PREFIXES = ("yuva", "gbrap", "ayuv", "vuya", "rgba", "bgra")
_TRANSPARENCY_KEYED = ("pal8", "gray", "gray16be", "gray16le", "rgb24", "rgb48be", "monob")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo:
    """What Vidgen knows about one media file (satisfies ``composition.layout.MediaFacts``)."""

    path: str  # absolute
    kind: Kind
    width: int  # display pixels, after rotation; 0 for audio
    height: int
    duration: float | None  # seconds; None for stills
    fps: float | None  # None for stills and audio
    frame_count: int | None  # video only; from the container when known, else duration × fps
    has_video: bool
    has_audio: bool
    has_alpha: bool
    rotation: int = 0  # 0, 90, 180 or 270: clockwise turn applied on decode
    video_codec: str | None = None
    audio_codec: str | None = None
    pix_fmt: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    size_bytes: int = 0
    container: str | None = None  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    # seconds that can actually be read when less than ``duration`` (a file cut short);
    # None: all of it (see ``media.damage``)
    readable_duration: float | None = None
    warnings: tuple[str, ...] = ()  # for the designer: the file is usable, but …

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def is_still(self) -> bool:
        return self.kind == "image"

    @property
    def damaged(self) -> bool:
        return self.readable_duration is not None


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe the media file at ``path``; raise ``MediaError`` if Vidgen cannot use it."""
    full = os.path.abspath(os.fspath(path))
    stat = _regular_file(full)
    return _probe_cached(full, stat.st_mtime_ns, stat.st_size)


_NOT_REGULAR = (
    (stat_module.S_ISFIFO, "a named pipe (FIFO)"),
    (stat_module.S_ISSOCK, "a socket"),
    (stat_module.S_ISCHR, "a device"),
    (stat_module.S_ISBLK, "a device"),
)


def _regular_file(full: str) -> os.stat_result:
    """``os.stat`` of a file FFmpeg can read to its end; else the designer-facing error.

    Checked before FFmpeg opens anything: reading a FIFO would block until
    someone writes to it, and a device may never end.
    """
    name = errors.display_name(full)  # quoted if it holds a newline, quotes, ';' …
    try:
        stat = os.stat(full)
    except FileNotFoundError as exc:
        if os.path.islink(full):
            target = os.readlink(full)
            raise errors.MediaError(
                f"{name} is a link to {target}, which does not exist", path=full
            ) from exc
        where = Path(full).parent
        raise errors.MediaError(f"{name} does not exist (looked in {where})", path=full) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            message = f"{name} is a symbolic link that loops back on itself"
        else:
            message = f"{name} cannot be opened: {exc.strerror}"
        raise errors.MediaError(message, path=full) from exc
    if stat_module.S_ISDIR(stat.st_mode):
        raise errors.MediaError(f"{name} is a folder, not a media file", path=full)
    for test, what in _NOT_REGULAR:
        if test(stat.st_mode):
            raise errors.MediaError(
                f"{name} is not a regular file but {what}; Vidgen reads media files only",
                path=full,
            )
    if stat.st_size == 0:
        raise errors.MediaError(f"{name} is empty (0 bytes)", path=full)
    return stat


@functools.lru_cache(maxsize=1024)
def _probe_cached(path: str, mtime_ns: int, size: int) -> MediaInfo:
    exe = ffmpeg.ffmpeg_exe()  # another FFmpeg may read the file differently
    kept = probe_cache.load(path, mtime_ns, size, exe, MediaInfo)
    if kept is not None:
        return kept
    info = _probe_file(path, size)
    probe_cache.store(path, mtime_ns, size, exe, info)
    return info


def _probe_file(path: str, size: int) -> MediaInfo:
    # Reading FFmpeg's header (its regular expressions) only when a file is probed: a render
    # of media probed before (``probe_cache``) needs none of it (~17 M instructions).
    from vidgen_desktop.media.header import parse_header

    name = errors.display_name(path)
    url = ffmpeg.file_url(path)
    try:
        result = ffmpeg.run(["-i", url], timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise errors.MediaError(
            f"{name} took too long to read (over {PROBE_TIMEOUT:.0f} s); is the drive still there?",
            path=path,
        ) from exc
    stderr = ffmpeg.stderr_text(result.stderr)
    # FFmpeg prints the name as given; a newline (or "Stream #0:0" text) in it must not
    # break the lines the header parser reads
    anonymous = result.stderr.replace(os.fsencode(url), b"file:<input>")
    header = parse_header(ffmpeg.stderr_text(anonymous))
    _refuse(header, stderr, name, path)
    return _checked(_media_info(header, path, size, stderr), header, stderr)


probe.cache_clear = _probe_cached.cache_clear  # type: ignore[attr-defined]


def _refuse(header: Header, stderr: str, name: str, path: str) -> None:
    """Raise the designer-facing error when FFmpeg could not describe the file."""
    if header.invalid_size is not None:
        raise _too_large(name, *header.invalid_size, path=path, detail=stderr)
    if header.format is None:
        if "Permission denied" in stderr:
            message = f"{name} cannot be opened: Vidgen is not allowed to read it"
        elif "moov atom not found" in stderr and "misdetection possible" not in stderr:
            message = f"{name} is damaged or incomplete (was it still copying or downloading?)"
        else:
            message = f"{name} is not a video, image or audio file FFmpeg can read"
        raise errors.MediaError(message, path=path, detail=stderr)
    if header.first("video") is None and header.first("audio") is None:
        raise errors.MediaError(
            f"{name} has no picture or sound in it that Vidgen can use", path=path, detail=stderr
        )
    video = header.first("video")
    if video is not None and (video.width <= 0 or video.height <= 0) and header.format == "image2":
        # image2 went by the extension alone: nothing in the content looked like a picture
        raise errors.MediaError(
            f"{name} is not a video, image or audio file FFmpeg can read", path=path, detail=stderr
        )
    if video is not None and (video.width <= 0 or video.height <= 0):
        raise errors.MediaError(
            f"{name} is damaged or incomplete: FFmpeg cannot tell its picture size",
            path=path,
            detail=stderr,
        )


def _seconds(value: float) -> str:
    return f"{round(value, 1):g}"


def _checked(info: MediaInfo, header: Header, stderr: str) -> MediaInfo:
    """``info`` with how much of it can really be read, when that is less than promised."""
    if info.is_still or not info.duration or "Estimating duration from bitrate" in stderr:
        return info  # an estimated length is no promise to hold the file to
    readable = damage.readable_duration(info.path, info.duration, header.start, info.fps)
    if readable is None:
        return info
    if readable <= 0:
        raise errors.MediaError(
            f"{info.name} is damaged or incomplete: none of its {_seconds(info.duration)} s "
            "can be read (was it still copying or downloading?)",
            path=info.path,
            detail=stderr,
        )
    warning = (
        f"{info.name} looks damaged: only the first {_seconds(readable)} s of "
        f"{_seconds(info.duration)} s can be read"
    )
    frame_count = info.frame_count
    if frame_count is not None and info.fps:
        frame_count = max(1, min(frame_count, math.floor(readable * info.fps + 1e-6)))
    return dataclasses.replace(
        info,
        readable_duration=readable,
        frame_count=frame_count,
        warnings=(*info.warnings, warning),
    )


def _too_large(name: str, width: int, height: int, *, path: str, detail: str) -> errors.MediaError:
    return errors.MediaError(
        f"{name} is {width}×{height} pixels; the largest Vidgen can use is "
        f"{MAX_IMAGE_SIDE} on a side — scale it down first",
        path=path,
        detail=detail,
    )


def _is_still(header: Header, video: StreamHeader, path: str) -> bool:
    fmt = header.format or ""
    if fmt == "gif":
        return imagefile.gif_frame_count(path) <= 1
    return fmt.endswith("_pipe") or fmt in ("image2", "webp", "png", "bmp", "tiff")


def has_alpha(pix_fmt: str | None, *, png_transparency: bool = False) -> bool:
    """Whether pictures in ``pix_fmt`` can be see-through."""
    if not pix_fmt:
        return False
    if pix_fmt in _ALPHA_FORMATS or pix_fmt.startswith(_ALPHA_PREFIXES):
        return True
    return png_transparency and pix_fmt in _TRANSPARENCY_KEYED


def _media_info(header: Header, path: str, size: int, stderr: str) -> MediaInfo:
    video, audio = header.first("video"), header.first("audio")
    common = {
        "path": path,
        "size_bytes": size,
        "container": header.format,
        "has_audio": audio is not None,
        "audio_codec": audio.codec if audio else None,
        "sample_rate": audio.sample_rate if audio else None,
        "channels": audio.channels if audio else None,
    }
    if video is None:
        return MediaInfo(
            kind="audio",
            width=0,
            height=0,
            duration=header.duration,
            fps=None,
            frame_count=None,
            has_video=False,
            has_alpha=False,
            **common,
        )
    name = errors.display_name(path)
    if max(video.width, video.height) > MAX_IMAGE_SIDE:
        raise _too_large(name, video.width, video.height, path=path, detail=stderr)
    still = _is_still(header, video, path)
    rotation = video.rotation
    if still:
        degrees, _mirrored = imagefile.orientation_transform(imagefile.exif_orientation(path))
        rotation = degrees
    width, height = (
        (video.height, video.width) if rotation in (90, 270) else (video.width, video.height)
    )
    png_trns = video.codec == "png" and imagefile.png_has_transparency(path)
    alpha = has_alpha(video.pix_fmt, png_transparency=png_trns)
    if still:
        duration = fps = frame_count = None
    else:
        duration, fps = header.duration, video.fps
        frame_count = _frame_count(path, header.format, duration, fps)
    return MediaInfo(
        kind="image" if still else "video",
        width=width,
        height=height,
        duration=duration,
        fps=fps,
        frame_count=frame_count,
        has_video=True,
        has_alpha=alpha,
        rotation=rotation,
        video_codec=video.codec,
        pix_fmt=video.pix_fmt,
        **common,
    )


def _frame_count(path: str, container: str | None, duration: float | None,
                 fps: float | None) -> int | None:  # fmt: skip
    """The container's frame count when it has one near duration × fps, else duration × fps."""
    estimate = None
    if duration and fps:
        estimate = max(1, math.floor(duration * fps + 0.5))
    counted = 0
    if container and container.startswith("mov,"):  # FFmpeg's MP4/QuickTime demuxer
        track = isobmff.first_video_track(path)
        counted = track.frames if track is not None else 0
    if counted > 0 and (estimate is None or abs(counted - estimate) <= max(2, estimate // 10)):
        return counted
    return estimate
