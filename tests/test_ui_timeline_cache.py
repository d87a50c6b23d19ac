"""The timeline keeps its picture while only the playhead moves, and never shows it stale.

Real widgets, offscreen: each grab is a real paint of the view. "Fresh" is the same
view painted from scratch (its kept picture dropped first).
"""

from __future__ import annotations

import uikit
from timelinekit import dark
from uikit import make_window

from PySide6.QtGui import QFont, QImage  # isort: skip

from vidgen_desktop.composition.model import Composition, Marker, Output, TextElement
from vidgen_desktop.ui.editor import commands, qt_timeline_zoom

home = uikit.home


def comp() -> Composition:
    a = TextElement(id="a", text="A", start=0, duration=2, track=0)
    b = TextElement(id="b", text="B", start=5, duration=2, track=1)
    output = Output(width=320, height=180, fps=30, duration=10)
    return Composition(output=output, elements=[a, b])


def fresh(view) -> QImage:
    view.static.clear()
    return view.grab().toImage()


def test_moving_the_playhead_does_not_repaint_the_tracks(qtbot, home):
    window = make_window(qtbot, comp())
    view, doc = window.timeline.view, window.doc
    start = fresh(view)
    for t in (1.0, 2.5, 7.0, 0.0):
        painted = view.static.paints
        doc.set_time(t)
        shown = view.grab().toImage()
        assert view.static.paints == painted  # only the playhead was drawn
        assert shown == fresh(view)  # and it is where a full paint puts it
    assert view.grab().toImage() == start  # back at 0: the same picture as before


def test_every_change_to_what_the_tracks_show_shows_at_once(qtbot, home):
    window = make_window(qtbot, comp())
    view, doc = window.timeline.view, window.doc
    bigger = QFont(view.font())
    bigger.setPointSizeF(bigger.pointSizeF() * 1.5)
    changes = {
        "selection": lambda: doc.set_selection(["b"]),
        "an edit": lambda: doc.edit({"a": {"duration": 4.0}}, "Change timing"),
        "a marker": lambda: commands.set_markers(doc, [Marker(time=3.0, name="drop")], "Add"),
        "zoom": lambda: qt_timeline_zoom.set_zoom(view, view.pps * 3),
        "scroll": lambda: qt_timeline_zoom.scroll_to(view, 2.0),
        "resize": lambda: view.resize(view.width() - 60, view.height() + 20),
        "theme": lambda: dark(window),
        "font": lambda: view.setFont(bigger),
    }
    for name, change in changes.items():
        before = view.grab().toImage()
        change()
        shown, painted = view.grab().toImage(), fresh(view)
        assert painted != before, f"{name} changed nothing here: the test would prove nothing"
        assert shown == painted, f"the timeline showed its old picture after {name}"
