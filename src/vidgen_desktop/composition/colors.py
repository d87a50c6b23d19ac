"""Colors as designers write them: ``#rgb``, ``#rrggbb``, ``#rrggbbaa`` or a basic name."""

from __future__ import annotations

import re

RGBA = tuple[int, int, int, int]

NAMED: dict[str, str] = {
    "black": "#000000",
    "white": "#ffffff",
    "red": "#ff0000",
    "green": "#008000",
    "lime": "#00ff00",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "cyan": "#00ffff",
    "magenta": "#ff00ff",
    "gray": "#808080",
    "grey": "#808080",
    "orange": "#ffa500",
    "purple": "#800080",
    "transparent": "#00000000",
}

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def parse_color(raw: str) -> RGBA:
    """(r, g, b, a), each 0–255; raise ValueError with a readable message."""
    if not isinstance(raw, str):
        raise ValueError(f"must be a color like '#ff8800', got {raw!r}")
    text = NAMED.get(raw.strip().lower(), raw.strip())
    if not _HEX.match(text):
        raise ValueError(f"must be a color like '#ff8800' or '#ff880080', got {raw!r}")
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "ff"
    return tuple(int(digits[i : i + 2], 16) for i in range(0, 8, 2))  # type: ignore[return-value]


def to_hex(rgba: RGBA) -> str:
    """``#rrggbb`` when opaque, else ``#rrggbbaa``."""
    r, g, b, a = rgba
    return f"#{r:02x}{g:02x}{b:02x}" + ("" if a == 255 else f"{a:02x}")
