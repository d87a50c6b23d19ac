"""Facts about still-image files that FFmpeg's header does not print.

Only file headers are read (a few KB), never the pixels: probing a
20000×20000 PNG must stay instant.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

# EXIF orientation → (clockwise rotation, mirrored first). FFmpeg (since 7.1) and
# OpenCV's IMREAD_COLOR both apply it when decoding a JPEG.
_ORIENTATIONS = {
    1: (0, False),
    2: (0, True),
    3: (180, False),
    4: (180, True),
    5: (270, True),
    6: (90, False),
    7: (90, True),
    8: (270, False),
}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def exif_orientation(path: str | Path) -> int:
    """The EXIF orientation tag (1–8) of an image; 1 when there is none."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: we only read the header
            with Image.open(path) as image:
                value = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - Pillow raises many types for odd files
        return 1
    return value if value in _ORIENTATIONS else 1


def orientation_transform(orientation: int) -> tuple[int, bool]:
    """(clockwise degrees, mirror first) that turns the stored picture upright."""
    return _ORIENTATIONS.get(orientation, (0, False))


def png_has_transparency(path: str | Path) -> bool:
    """Whether a PNG carries a tRNS chunk (transparency for palette, gray or RGB pictures)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != _PNG_MAGIC:
                return False
            while True:
                head = handle.read(8)
                if len(head) < 8:
                    return False
                length, kind = struct.unpack(">I4s", head)
                if kind == b"tRNS":
                    return True
                if kind in (b"IDAT", b"IEND"):
                    return False
                handle.seek(length + 4, 1)  # the chunk's data and CRC
    except OSError:
        return False


def gif_frame_count(path: str | Path, *, stop_at: int = 2) -> int:
    """Frames in a GIF, counting no further than ``stop_at`` (0 if it is not a GIF)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return 0
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return 0
    pos = 13
    if data[10] & 0x80:
        pos += 3 * (2 ** ((data[10] & 0x07) + 1))
    frames = 0
    while pos < len(data) and frames < stop_at:
        block = data[pos]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor
            frames += 1
            flags = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 10
            if flags & 0x80:
                pos += 3 * (2 ** ((flags & 0x07) + 1))
            pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
        else:
            break
    return frames


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos
