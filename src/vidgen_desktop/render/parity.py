"""Overlays that land exactly where the layout says, at odd positions and sizes too.

In 4:2:0 FFmpeg's overlay rounds x and y down to even numbers (moving an element
by a pixel) and smears the far edge of an odd-sized overlay. A transparent border
on the odd sides lets the element sit at an even position with an even size and
still draw every pixel where the layout put it. Two forms of that border:

- video of an even size, every frame (``yuva420p``, no colour conversion): the border is padded
  in whole chroma samples (``pad`` can only pad 4:2:0 by even amounts) and cut
  back by an exact ``crop`` at the odd offset, which moves luma and alpha by
  the odd pixel and the chroma planes by none. A ``convolution`` on the chroma
  planes first averages each chroma sample with its right/lower neighbour: the
  half-sample that the odd pixel moves the chroma grid by. Luma is the same as
  at an even position, byte for byte; chroma matches the element's own chroma
  interpolated onto the canvas grid (65 dB). The RGBA form below cost +60 % of
  FFmpeg's decode+filter instructions for a 768×432 clip at an odd position;
  this one +15 % (``benchmarks/graph_forms.py``).
- stills (converted once, not per frame) and videos of an odd size (``pad`` drops
  the odd column and row of a 4:2:0 picture): RGBA, whose border pixel has no
  chroma to shift, converted to ``yuva420p`` by the overlay on the canvas grid.
"""

from __future__ import annotations

from typing import Any

from vidgen_desktop.composition import layout

IDENTITY = "0 0 0 0 1 0 0 0 0"  # convolution's 3×3 matrix that keeps a pixel
# each chroma sample and its right / lower / right-and-lower neighbour (the matrix's
# rows are y-1, y, y+1; its columns x-1, x, x+1); the divisor is the matrix's sum
CHROMA_SHIFT = {
    (1, 0): "0 0 0 0 1 1 0 0 0",
    (0, 1): "0 0 0 0 1 0 0 1 0",
    (1, 1): "0 0 0 0 1 1 0 1 1",
}


def needs_border(drawn: layout.Rect) -> bool:
    """Whether ``drawn`` is at an odd position or of an odd size (4:2:0 cannot place it)."""
    return bool(drawn.x % 2 or drawn.y % 2 or drawn.w % 2 or drawn.h % 2)


def needs_rgba(drawn: layout.Rect, *, video: bool) -> bool:
    """Whether the element's border is added in RGBA (see above); else in ``yuva420p``."""
    return needs_border(drawn) and (not video or bool(drawn.w % 2 or drawn.h % 2))


def align(stream: Any, drawn: layout.Rect, *, rgba: bool) -> tuple[Any, int, int]:
    """The stream with its transparent border, and the even x, y to overlay it at.

    ``rgba``: the stream is RGBA (``needs_rgba``); otherwise it is ``yuva420p`` of an
    even size.
    """
    if not needs_border(drawn):
        return stream, drawn.x, drawn.y
    dx, dy = drawn.x % 2, drawn.y % 2
    w, h = drawn.w + dx + (drawn.w + dx) % 2, drawn.h + dy + (drawn.h + dy) % 2  # even
    if rgba:
        stream = stream.filter("pad", w=w, h=h, x=dx, y=dy, color="black@0")
        return stream, drawn.x - dx, drawn.y - dy
    matrix = CHROMA_SHIFT[(dx, dy)]  # an even size: the position is odd
    stream = stream.filter("convolution", **{"1m": matrix, "2m": matrix})
    stream = stream.filter("pad", w=w + 2 * dx, h=h + 2 * dy, x=2 * dx, y=2 * dy,
                           color="black@0")  # fmt: skip
    return stream.crop(dx, dy, w, h, exact=1), drawn.x - dx, drawn.y - dy
