"""An animated element split in time: moving stretches drawn per frame, resting ones static.

Most motion is short (a 0.6 s entrance on a 10 s clip). Drawing every frame
of the element through ``motion_graph``'s per-frame chain would cost the
whole element; so the frames where its state is exactly its resting state
(its own box and fit, unturned, unclipped, at its own opacity) for at least
``MIN_REST_SECONDS`` become a plain static element of their own — the
ordinary chain, pixel for pixel what a static composition renders — and only
the rest is animated. Each piece is a copy of the element with its start,
duration and trim moved to the piece; an animated piece's ``Track`` keeps
the original element and window, so its states are the element's own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import TextElement, VideoElement
from vidgen_desktop.render import motion_graph

MIN_REST_SECONDS = 0.5


def _at_rest(element, state: layout.State, rest: layout.Placement) -> bool:
    return (
        state.placement == rest
        and abs(state.rotation) <= 1e-9
        and state.clip is None
        and state.opacity == element.opacity
    )


def _copy(element, start: float, end: float, window: layout.Window):
    """The element on ``[start, end)`` only, without motion (an animated part's motion is its
    track's, which keeps the element itself)."""
    update = {"start": start, "duration": max(end - start, 1e-3)}
    if isinstance(element, VideoElement):
        update["trim_start"] = window.trim_start + (start - window.start)
    update.update(
        keyframes={}, animation_in=None, animation_out=None, transition_in=None,
        fade_in=0.0, fade_out=0.0, rotation=0.0,
    )  # fmt: skip
    return element.model_copy(update=update)


def split(
    element,
    window: layout.Window,
    fps: float,
    canvas: tuple[int, int],
    media: tuple[int, int] | None,
    cues: Sequence[layout.Cue] = (),
) -> list[tuple[object, layout.Window, motion_graph.Track | None]]:
    """``(element copy, its window, its track or None when static)`` for each piece."""
    whole = motion_graph.track(element, window, fps, canvas, media, cues)
    rest = layout.place(element, None if isinstance(element, TextElement) else media, canvas)
    resting = [_at_rest(element, s, rest) for s in whole.states]
    shortest = max(2, math.ceil(MIN_REST_SECONDS * fps))
    pieces: list[tuple[int, int, bool]] = []  # (first index, end index, static)
    n = 0
    while n < len(resting):
        m = n
        while m < len(resting) and resting[m] == resting[n]:
            m += 1
        static = resting[n] and m - n >= shortest
        if pieces and pieces[-1][2] == static:
            pieces[-1] = (pieces[-1][0], m, static)
        else:
            pieces.append((n, m, static))
        n = m
    if len(pieces) == 1 and not pieces[0][2]:
        return [(element, window, whole)]
    out = []
    for a, b, static in pieces:
        start = window.start if a == 0 else (whole.first + a) / fps
        end = window.end if b == len(resting) else (whole.first + b) / fps
        piece_window = layout.Window(start, end, window.trim_start + (start - window.start))
        copy = _copy(element, start, end, window)
        if static:
            out.append((copy, piece_window, None))
        else:
            out.append((copy, piece_window, motion_graph.part(whole, a, b)))
    return out
