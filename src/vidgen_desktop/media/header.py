"""Reading the stream header FFmpeg prints for ``ffmpeg -i FILE``.

There is no ffprobe in the bundled build, so this parses lines such as::

    Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':
      Duration: 00:00:12.00, start: 0.000000, bitrate: 864 kb/s
      Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709,
        progressive), 1280x720 [SAR 1:1 DAR 16:9], 781 kb/s, 30 fps, 30 tbr, 15360 tbn (default)
          Side data:
            Display Matrix: rotation of -90.00 degrees
      Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp

Pure text in, data out: tests need no binary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

_INPUT = re.compile(r"^Input #0, (?P<format>.+?), from '")
_DURATION = re.compile(
    r"^\s+Duration: (?:(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)|N/A)"
    r"(?:, start: (?P<start>-?[\d.]+))?"
)
_STREAM = re.compile(
    r"^\s+Stream #0:(?P<index>\d+)(?:\[0x[0-9a-fA-F]+\])?(?:\([^)]*\))?: "
    r"(?P<type>Video|Audio|Subtitle|Data|Attachment): (?P<rest>.*)$"
)
_ROTATION = re.compile(r"display ?matrix: rotation of (?P<deg>-?[\d.]+) degrees", re.IGNORECASE)
_SIZE = re.compile(r"^(?P<w>\d+)x(?P<h>\d+)(?:\s|$)")
_RATE = re.compile(r"^(?P<num>[\d.]+)(?P<k>k?) (?P<unit>fps|tbr)$")
_HZ = re.compile(r"^(?P<hz>\d+) Hz$")
_PIX_FMT = re.compile(r"^(?P<fmt>[a-z][a-z0-9_]*)(?:\(.*\))?$")
_LAYOUTS = {"mono": 1, "stereo": 2, "quad": 4, "hexagonal": 6, "octagonal": 8, "downmix": 2}
_INVALID_SIZE = re.compile(r"Picture size (?P<w>\d+)x(?P<h>\d+) is invalid")


@dataclass(frozen=True, slots=True)
class StreamHeader:
    index: int
    type: str  # "video", "audio", "subtitle", "data", "attachment"
    codec: str
    width: int = 0
    height: int = 0
    pix_fmt: str | None = None
    fps: float | None = None  # the stream's "fps", else its "tbr"
    rotation: int = 0  # clockwise degrees to turn the stored picture for display
    attached_pic: bool = False  # cover art in an audio file, not a video
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True, slots=True)
class Header:
    format: str | None = None
    duration: float | None = None
    start: float | None = None
    streams: list[StreamHeader] = field(default_factory=list)
    invalid_size: tuple[int, int] | None = None  # FFmpeg refused a picture this large

    def first(self, kind: str) -> StreamHeader | None:
        for stream in self.streams:
            if stream.type == kind and not stream.attached_pic:
                return stream
        return None


def split_fields(text: str) -> list[str]:
    """Split at commas that are not inside parentheses or brackets."""
    parts: list[str] = []
    depth, current = 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _rate(value: str) -> tuple[str, float] | None:
    match = _RATE.match(value)
    if not match:
        return None
    number = float(match["num"]) * (1000 if match["k"] else 1)
    return match["unit"], number


def channel_count(layout: str) -> int | None:
    """Channels in an FFmpeg layout name: ``stereo`` 2, ``5.1(side)`` 6, ``3 channels`` 3."""
    name = layout.split("(")[0].strip()
    if name in _LAYOUTS:
        return _LAYOUTS[name]
    if match := re.match(r"^(\d+) channels$", name):
        return int(match[1])
    if match := re.match(r"^(\d+)\.(\d+)$", name):
        return int(match[1]) + int(match[2])
    return None


def _video(index: int, rest: str) -> StreamHeader:
    fields = split_fields(rest)
    codec = fields[0].split()[0] if fields else "unknown"
    width = height = 0
    pix_fmt: str | None = None
    rates: dict[str, float] = {}
    for position, value in enumerate(fields[1:], start=1):
        if size := _SIZE.match(value):
            width, height = int(size["w"]), int(size["h"])
        elif rate := _rate(value):
            rates[rate[0]] = rate[1]
        elif position == 1 and (fmt := _PIX_FMT.match(value)) and fmt["fmt"] != "none":
            pix_fmt = fmt["fmt"]
    fps = rates.get("fps") or rates.get("tbr")
    return StreamHeader(
        index,
        "video",
        codec,
        width=width,
        height=height,
        pix_fmt=pix_fmt,
        fps=fps if fps and fps > 0 else None,
        attached_pic="(attached pic)" in rest,
    )


def _audio(index: int, rest: str) -> StreamHeader:
    fields = split_fields(rest)
    codec = fields[0].split()[0] if fields else "unknown"
    sample_rate = channels = None
    for position, value in enumerate(fields):
        if hz := _HZ.match(value):
            sample_rate = int(hz["hz"])
            if position + 1 < len(fields):
                channels = channel_count(fields[position + 1])
    return StreamHeader(index, "audio", codec, sample_rate=sample_rate, channels=channels)


def parse_header(stderr: str) -> Header:
    """The facts in FFmpeg's ``-i`` output for input #0 (empty if it printed none)."""
    fmt: str | None = None
    duration = start = None
    streams: list[StreamHeader] = []
    invalid = None
    in_input = False
    for line in stderr.splitlines():
        if match := _INVALID_SIZE.search(line):
            invalid = (int(match["w"]), int(match["h"]))
        if match := _INPUT.match(line):
            fmt, in_input = match["format"], True
            continue
        if not in_input:
            continue
        if not line.startswith(" "):  # the end of input #0's block
            in_input = False
            continue
        if match := _DURATION.match(line):
            if match["h"] is not None:
                duration = int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])
            start = float(match["start"]) if match["start"] else None
        elif match := _STREAM.match(line):
            kind, index, rest = match["type"].lower(), int(match["index"]), match["rest"]
            if kind == "video":
                streams.append(_video(index, rest))
            elif kind == "audio":
                streams.append(_audio(index, rest))
            else:
                streams.append(StreamHeader(index, kind, rest.split(",")[0].split(" ")[0]))
        elif (match := _ROTATION.search(line)) and streams:
            # FFmpeg prints the display matrix angle counter-clockwise; we store clockwise,
            # like the old "rotate" tag and OpenCV's CAP_PROP_ORIENTATION_META.
            clockwise = int(round(-float(match["deg"]))) % 360
            streams[-1] = replace(streams[-1], rotation=clockwise)
    return Header(fmt, duration, start, streams, invalid)
