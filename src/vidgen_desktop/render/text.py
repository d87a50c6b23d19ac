"""Text drawn once, the same way, for the preview and the render.

A text element becomes an RGBA picture exactly the size of its box; the
preview composites that picture and the render overlays it as a PNG input.
User text therefore never enters an FFmpeg filter string.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vidgen_desktop import paths
from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.model import TextElement
from vidgen_desktop.errors import MediaError, display_name
from vidgen_desktop.files import atomic_write

_BUNDLED = {
    ("dejavu sans", "normal"): "DejaVuSans.ttf",
    ("dejavu sans", "bold"): "DejaVuSans-Bold.ttf",
}
MIN_FONT_PX = 4
MAX_TEXT_PIXELS = 7680 * 4320  # an 8K frame: a larger text box (10000% wide) is a typo,
# and its picture alone would take gigabytes (several RGBA buffers of the box's size)
RASTER_VERSION = "1"  # bump when the drawing changes, so cached PNGs are redrawn


@functools.lru_cache(maxsize=64)
def find_font(family: str, weight: str = "normal", style: str = "normal") -> str:
    """A font file for ``family``: bundled DejaVu, a path to a font file, or fontconfig's match.

    Falls back to the bundled DejaVu Sans so a project always renders.
    """
    key = (family.strip().lower(), weight)
    fonts = paths.resources_dir() / "fonts"
    if key in _BUNDLED and style == "normal":  # no italic is bundled: fontconfig's, if any
        return str(fonts / _BUNDLED[key])
    if os.path.isfile(family):
        return family
    try:
        pattern = f"{family}:weight={'bold' if weight == 'bold' else 'regular'}"
        if style == "italic":
            pattern += ":slant=italic"
        found = subprocess.run(  # "--": a family starting with "-" is not an option
            ["fc-match", "-f", "%{file}", "--", pattern], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        if found and os.path.isfile(found):
            return found
    except (OSError, subprocess.SubprocessError):
        pass
    return str(fonts / _BUNDLED[("dejavu sans", weight)])


def font_error(element: TextElement, font_path: str, exc: OSError) -> MediaError:
    """The designer-facing error for a font file Pillow cannot use."""
    if isinstance(exc, PermissionError):
        reason = "Vidgen is not allowed to read it"
    else:
        reason = "it is not a font file (TrueType, OpenType or another FreeType format)"
    font = display_name(font_path, full=True)
    return MediaError(
        f"element '{element.id}': the font {font} cannot be used: {reason}",
        path=font_path,
        detail=f"{type(exc).__name__}: {exc}",
    )


@functools.lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


# every line break Python's str.splitlines knows (a "\r" left in a line made Pillow's raqm
# layout raise; a pasted Windows or old-Mac text has them), an empty last line kept
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap; explicit newlines kept; a word too long for a line stands alone."""
    lines: list[str] = []
    for paragraph in LINE_BREAKS.split(text):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = word if not line else f"{line} {word}"
            if not line or font.getlength(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _layout(element: TextElement, font_path: str, size: int, inner_w: float):
    font = _font(font_path, size)
    lines = _wrap(element.text, font, inner_w)
    ascent, descent = font.getmetrics()
    line_h = (ascent + descent) * element.line_spacing
    height = line_h * (len(lines) - 1) + ascent + descent
    width = max((font.getlength(line) for line in lines), default=0.0)
    return font, lines, line_h, width, height


def _fit_size(element: TextElement, font_path: str, inner_w: float, inner_h: float) -> int:
    """The largest font size (px) whose wrapped text fits the box."""
    lo, hi = MIN_FONT_PX, max(MIN_FONT_PX, int(inner_h) + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        _, _, _, w, h = _layout(element, font_path, mid, inner_w)
        if w <= inner_w and h <= inner_h:
            lo = mid
        else:
            hi = mid - 1
    return lo


def rasterize(element: TextElement, size: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """The element's text as an RGBA uint8 array of ``size`` (w, h) pixels.

    ``scale`` is the canvas scale (preview), applied to the font size and padding.
    """
    w, h = size
    if w * h > MAX_TEXT_PIXELS:
        raise MediaError(
            f"element '{element.id}': its text box is {w}×{h} pixels; the largest text box "
            f"Vidgen draws is {MAX_TEXT_PIXELS // 1_000_000} megapixels (an 8K frame), "
            "so make it smaller"
        )
    background = parse_color(element.background) if element.background else (0, 0, 0, 0)
    image = Image.new("RGBA", (w, h), background)
    if not element.text.strip():
        return np.asarray(image)
    pad = element.padding * scale
    inner_w, inner_h = max(1.0, w - 2 * pad), max(1.0, h - 2 * pad)
    font_path = find_font(element.font_family, element.font_weight, element.font_style)
    try:
        if element.font_size is not None:
            px = max(1, round(element.font_size * scale))
        else:
            px = _fit_size(element, font_path, inner_w, inner_h)
        font, lines, line_h, _, block_h = _layout(element, font_path, px, inner_w)
    except OSError as exc:  # Pillow: "unknown file format", "invalid pixel size", EACCES
        raise font_error(element, font_path, exc) from exc
    if element.valign == "top":
        top = pad
    elif element.valign == "middle":
        top = pad + (inner_h - block_h) / 2
    else:
        top = pad + inner_h - block_h
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    for i, line in enumerate(lines):
        line_w = font.getlength(line)
        if element.align == "left":
            left = pad
        elif element.align == "center":
            left = pad + (inner_w - line_w) / 2
        else:
            left = pad + inner_w - line_w
        draw.text((left, top + i * line_h), line, font=font, fill=255)
    r, g, b, a = parse_color(element.color)
    ink = Image.new("RGBA", (w, h), (r, g, b, 0))
    ink.putalpha(mask.point(lambda v: v * a // 255))
    image.alpha_composite(ink)
    return np.asarray(image)


def _digest(element: TextElement, size: tuple[int, int], scale: float) -> str:
    fields = element.model_dump(
        include={
            "text",
            "color",
            "font_family",
            "font_size",
            "font_weight",
            "font_style",
            "align",
            "valign",
            "line_spacing",
            "background",
            "padding",
        }
    )
    key = repr(
        (
            RASTER_VERSION,
            sorted(fields.items()),
            size,
            scale,
            find_font(element.font_family, element.font_weight, element.font_style),
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def text_png(element: TextElement, size: tuple[int, int], folder: Path | None = None) -> Path:
    """The rasterized text saved as a PNG (cached by content) for FFmpeg to overlay."""
    folder = folder or paths.cache_dir() / "text"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"text-{_digest(element, size, 1.0)}.png"
    if not target.exists():
        encoded = io.BytesIO()
        Image.fromarray(rasterize(element, size), "RGBA").save(encoded, format="PNG")
        atomic_write(target, encoded.getvalue())  # a unique temporary name per writer
    return target


GENERIC_FAMILIES = {"sans", "sans-serif", "serif", "mono", "monospace"}  # fontconfig's aliases


def font_fallback(family: str, weight: str = "normal") -> str | None:
    """The family drawn instead of ``family`` when no font of that name is installed, else None.

    ``find_font`` always finds a font so that a project renders; this says when the
    font it found is not the one asked for, so the editor can warn. A font file
    path is used as it is (whether it is a font is ``rasterize``'s error to give).
    """
    wanted = family.strip().lower()
    if (wanted, weight) in _BUNDLED or wanted in GENERIC_FAMILIES or os.path.isfile(family):
        return None
    path = find_font(family, weight)
    try:
        name, style = ImageFont.truetype(path, 12).getname()
    except OSError:
        return None
    name = name or Path(path).stem
    full = f"{name} {style}".lower()  # "DejaVu Sans" + "Condensed Bold": a width in the style
    if wanted == name.lower() or (wanted.startswith(name.lower()) and full.startswith(wanted)):
        return None
    return name
