"""Text pasted with any line ending draws as lines (a "\r" once crashed Pillow's layout)."""

from __future__ import annotations

import numpy as np
import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import text


def _drawn(words: str) -> np.ndarray:
    comp = Composition.from_data({"elements": [
        {"id": "t", "type": "text", "text": words, "color": "#ffffff", "align": "left",
         "font_size": 20},
    ]})  # fmt: skip
    return text.rasterize(comp.elements[0], (200, 100))


@pytest.mark.parametrize("words", ["one\r\ntwo", "one\rtwo", "one\u2028two", "one\x0btwo"])
def test_every_line_ending_breaks_the_line_as_a_newline_does(words):
    assert np.array_equal(_drawn(words), _drawn("one\ntwo"))
    assert not np.array_equal(_drawn(words), _drawn("one two"))  # two lines, not one


def test_a_text_ending_in_a_carriage_return_draws():
    assert _drawn("0\r")[..., 3].any()
