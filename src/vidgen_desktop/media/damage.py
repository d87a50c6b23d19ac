"""How much of a video or sound file can actually be read.

A file cut short (a download that stopped, a copy from a card pulled too
early) often keeps its full index at the front: FFmpeg's header then
promises the whole length, and only reading finds the end. Decoding whole
files on every probe would cost seconds for a long clip, so the check reads
*packets* (no decoding) with ``-c copy``:

1. From one second before the promised end (FFmpeg seeks to the keyframe
   before that): a healthy file has packets up to its end. This costs one
   short FFmpeg run (~20 ms of CPU on the samples, whatever the file's
   length), because the index tells FFmpeg where the tail is.
2. Only when the tail is missing, from the start: the last packet that can
   be read is where the file really ends. Reading packets is I/O, not
   decoding, and the readable part of a cut file is what is on disk.

Packets FFmpeg marks corrupt (the partial last one of a cut file) do not
count. Damage in the middle of a file, with a readable end, is not found
here; the renderer reports it by name if FFmpeg trips on it.
"""

from __future__ import annotations

import re
import subprocess

from vidgen_desktop.media import ffmpeg

TAIL_WINDOW = 1.0  # seconds before the promised end that the healthy check reads
TIMEOUT = 60.0  # seconds: reading packets of even a long file takes far less
_TIME_BASE = re.compile(r"^#tb (?P<stream>\d+): (?P<num>\d+)/(?P<den>\d+)$")
_CORRUPT = 0x2  # AV_PKT_FLAG_CORRUPT in framecrc's F= field


def _packet_end(path: str, since: float | None) -> float | None:
    """The latest end time (seconds, in the file's own timestamps) of an intact packet."""
    seek = ["-ss", f"{since:.3f}"] if since is not None and since > 0 else []
    # fmt: off
    args = [
        "-v", "error", *seek, "-copyts", "-i", ffmpeg.file_url(path),
        "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "framecrc", "-",
    ]
    # fmt: on
    try:
        result = ffmpeg.run(args, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None  # cannot tell: say nothing rather than call a slow drive damaged
    bases: dict[int, float] = {}
    end: float | None = None
    for line in result.stdout.decode("ascii", "replace").splitlines():
        if match := _TIME_BASE.match(line):
            bases[int(match["stream"])] = int(match["num"]) / int(match["den"])
            continue
        if line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) < 6 or not all(f.lstrip("-").isdigit() for f in fields[:4]):
            continue
        flags = next((f for f in fields[6:] if f.startswith("F=0x")), "F=0x0")
        if int(flags[2:], 16) & _CORRUPT:
            continue
        stream, pts, duration = int(fields[0]), int(fields[2]), int(fields[3])
        base = bases.get(stream)
        if base is not None:
            packet_end = (pts + max(duration, 0)) * base
            end = packet_end if end is None else max(end, packet_end)
    return end


def readable_duration(
    path: str, duration: float, start: float | None, fps: float | None
) -> float | None:
    """Seconds of ``path`` that can be read, or None when it reads to its promised end.

    ``duration`` and ``start`` are the header's; ``fps`` sets the slack (two
    frames, at least a quarter second: streams rarely end exactly together).
    """
    start = start or 0.0
    slack = max(0.25, 2 / fps) if fps else 0.25
    promised_end = start + duration
    tail = _packet_end(path, promised_end - TAIL_WINDOW)
    if tail is not None and tail >= promised_end - slack:
        return None
    whole = _packet_end(path, None)
    if whole is not None and whole >= promised_end - slack:
        return None  # the seek missed, but the packets are all there
    return max(0.0, (whole or start) - start)
