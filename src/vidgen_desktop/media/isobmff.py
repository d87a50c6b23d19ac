"""The first video track of an MP4 or QuickTime file, from its index (the ``moov`` box).

Two readers need what the index says and FFmpeg's ``-i`` header does not print:
the probe wants the container's frame count (FFmpeg's ``nb_frames``: the
samples in the track's ``stts`` table), and a finished render is checked for
its picture size and frame count without decoding it. Only box headers and
the index are read (a few KB: ``mdat`` is skipped by seeking), never the media.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

MAX_INDEX_BYTES = 64 * 2**20  # a moov larger than this is not read (hours of 4K is ~10 MB)
_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


@dataclass(frozen=True, slots=True)
class VideoTrack:
    """What the index says of the file's first video track."""

    width: int  # the stored picture's size in pixels (the sample description's, as FFmpeg
    height: int  # prints it: not the track header's, which applies the pixel aspect ratio)
    frames: int  # samples in its time-to-sample table; 0 for a fragmented file


def _boxes(handle: BinaryIO, end: int):
    """(type, start of payload, end) of each box from the current position up to ``end``."""
    while True:
        start = handle.tell()
        if start + 8 > end:
            return
        head = handle.read(8)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head)
        payload = start + 8
        if size == 1:  # a 64-bit size follows
            large = handle.read(8)
            if len(large) < 8:
                return
            size = struct.unpack(">Q", large)[0]
            payload += 8
        elif size == 0:  # to the end of the file
            size = end - start
        if size < payload - start or start + size > end:
            return  # a damaged index: stop rather than guess
        yield kind, payload, start + size
        handle.seek(start + size)


def _track(handle: BinaryIO, start: int, end: int) -> VideoTrack | None:
    """The ``trak`` box at ``start``…``end`` if it is a video track."""
    found: dict[bytes, bytes] = {}

    def walk(begin: int, stop: int) -> None:
        handle.seek(begin)
        for kind, payload, box_end in _boxes(handle, stop):
            if kind in _CONTAINERS:
                walk(payload, box_end)
            elif kind in (b"stsd", b"hdlr", b"stts") and box_end - payload <= MAX_INDEX_BYTES:
                handle.seek(payload)  # the first hdlr is the media's (QuickTime has a data one)
                found.setdefault(kind, handle.read(box_end - payload))

    walk(start, end)
    hdlr, stsd, stts = found.get(b"hdlr"), found.get(b"stsd"), found.get(b"stts")
    # a visual sample entry: after stsd's version and count, the entry's size and type,
    # 6 reserved bytes, its data reference, and 16 bytes of zeros: width, height
    if hdlr is None or hdlr[8:12] != b"vide" or stsd is None or len(stsd) < 44:
        return None
    width, height = struct.unpack(">HH", stsd[40:44])
    frames = 0
    if stts is not None and len(stts) >= 8:
        (entries,) = struct.unpack(">I", stts[4:8])
        entries = min(entries, (len(stts) - 8) // 8)
        counts = struct.unpack(f">{2 * entries}I", stts[8 : 8 + 8 * entries])
        frames = sum(counts[0::2])
    return VideoTrack(width=width, height=height, frames=frames)


def first_video_track(path: str) -> VideoTrack | None:
    """The first video track's facts; None if there is none or the index cannot be read."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(0)
            for kind, payload, end in _boxes(handle, size):
                if kind != b"moov":
                    continue
                handle.seek(payload)
                for inner, start, stop in list(_boxes(handle, end)):
                    if inner == b"trak" and (track := _track(handle, start, stop)):
                        return track
                return None
    except (OSError, struct.error):
        return None
    return None
