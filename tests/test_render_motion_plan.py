"""The pure half of rendering motion: per-frame data as expressions, and resting parts."""

from __future__ import annotations

import math
import random

from factskit import Facts
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import graph, motion_graph


def _replay(values, tolerance=motion_graph.TOLERANCE):
    out = []
    pieces = motion_graph._segments(values, tolerance)
    bounds = [p[0] for p in pieces[1:]] + [len(values)]
    for (start, v0, slope), end in zip(pieces, bounds, strict=True):
        out += [math.floor(v0 + slope * (j - start) + 0.5) for j in range(start, end)]
    return out, len(pieces)


def test_per_frame_integers_are_reproduced_exactly_by_few_straight_pieces():
    rng = random.Random(3)
    eased = [round(700 * (1 - math.cos(math.pi * n / 59)) / 2) for n in range(60)]
    jumpy = [rng.randrange(-50, 50) for _ in range(40)]
    for values in (eased, jumpy, [5] * 30, list(range(0, 300, 7))):
        replayed, count = _replay(values)
        assert replayed == values
    assert _replay(eased)[1] <= 20  # an ease-in-out over 60 frames: a handful of pieces
    assert _replay(list(range(0, 300, 7)))[1] == 1


def _plan(*elements):
    output = {"width": 320, "height": 180, "fps": 10, "duration": 4}
    comp = Composition.from_data({"output": output, "elements": list(elements)})
    facts = Facts(200, 100, None, None, has_audio=False, has_alpha=True, container="png_pipe")
    return graph.plan(comp, {e["id"]: facts for e in elements})


def test_a_static_composition_has_no_tracks_and_the_same_graph():
    element = {"id": "p", "type": "image", "source": "p.png", "x": 10, "width": 100}
    plan = _plan(element)
    assert [vp.track for vp in plan.visuals] == [None]


def test_an_entrance_is_animated_only_while_it_moves():
    plan = _plan({"id": "p", "type": "image", "source": "p.png", "width": 100, "height": 50,
                  "animation_in": {"preset": "slide-from-left", "duration": 1}})  # fmt: skip
    parts = [(vp.window.start, vp.window.end, vp.track is not None) for vp in plan.visuals]
    assert parts[0][2] and parts[0][0] == 0 and parts[0][1] <= 1.0 + 1e-9
    assert parts[-1] == (parts[-1][0], 4, False)  # the rest: a plain static element
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))  # back to back
    assert plan.visuals[-1].element.animation_in is None
