"""Timeline edits in the real window: split at the playhead (S), ripple delete, named
markers (M), drag between tracks; each one undo step."""

from __future__ import annotations

import pytest

import uikit
from uikit import make_window

from PySide6.QtCore import QPoint, QPointF, Qt  # isort: skip

from vidgen_desktop.composition.model import Composition, Output, TextElement, VideoElement
from vidgen_desktop.ui.editor import qt_timeline_marks, qt_timeline_zoom
from vidgen_desktop.ui.editor.qt_timeline import ROW, RULER
from vidgen_desktop.ui.shell.actions import ActionId

home, media = uikit.home, uikit.media


def comp(**extra) -> Composition:
    a = TextElement(id="a", text="A", start=0, duration=2, track=0)
    b = TextElement(id="b", text="B", start=2, duration=2, track=1)
    c = TextElement(id="c", text="C", start=4, duration=2, track=2)
    return Composition(output=Output(width=320, height=180, fps=10), elements=[a, b, c], **extra)


@pytest.mark.render
def test_split_at_playhead_cuts_the_clip_keeps_media_in_sync_and_rebases_keyframes(
    qtbot, home, media
):
    fade = {"opacity": [{"time": 0, "value": 0}, {"time": 0.8, "value": 1}]}
    clip = VideoElement(id="clip", source=str(media["video"]), start=1.0, trim_start=0.1,
                        duration=0.8, keyframes=fade)  # fmt: skip
    window = make_window(qtbot, Composition(output=Output(width=320, height=180, fps=10),
                                            elements=[clip]))  # fmt: skip
    doc = window.doc
    qtbot.waitUntil(lambda: str(media["video"]) in {str(k) for k in doc.media}, timeout=15000)
    doc.set_selection(["clip"])
    doc.set_time(1.4)
    window.actions[ActionId.SPLIT].trigger()
    first, second = doc.comp.elements
    assert (first.id, first.start, first.duration) == ("clip", 1.0, pytest.approx(0.4))
    assert second.start == pytest.approx(1.4) and second.duration == pytest.approx(0.4)
    assert second.trim_start == pytest.approx(0.5)  # 0.1 + 0.4: the picture plays on
    assert [(k.time, k.value) for k in first.keyframes["opacity"]] == [
        (0, 0), (pytest.approx(0.4), pytest.approx(0.5))]  # fmt: skip
    assert [(k.time, k.value) for k in second.keyframes["opacity"]] == [
        (0, pytest.approx(0.5)), (pytest.approx(0.4), 1)]  # fmt: skip
    assert doc.selection == [second.id]
    doc.undo_stack.undo()  # one step undoes the whole split
    assert [e.id for e in doc.comp.elements] == ["clip"]
    assert doc.comp.elements[0].duration == pytest.approx(0.8)


def test_split_outside_the_clip_is_refused_with_a_message(qtbot, home):
    window = make_window(qtbot, comp())
    doc, told = window.doc, []
    doc.refused.connect(told.append)
    doc.set_selection(["a"])
    doc.set_time(3.0)
    window.actions[ActionId.SPLIT].trigger()
    assert len(doc.comp.elements) == 3
    assert told and "not inside 'a'" in told[0]
    # an entrance longer than the first part would be: refused by name, no undo step left
    doc.edit({"a": {"animation_in": {"preset": "fade", "duration": 1.5}}}, "Entrance")
    steps = doc.undo_stack.count()
    doc.set_time(1.0)
    window.actions[ActionId.SPLIT].trigger()
    assert len(doc.comp.elements) == 3 and doc.undo_stack.count() == steps
    assert "Not split" in told[-1] and "'a'" in told[-1], told[-1]


def test_s_with_nothing_selected_splits_what_is_under_the_playhead(qtbot, home):
    window = make_window(qtbot, comp())
    doc = window.doc
    doc.set_selection([])
    doc.set_time(3.0)
    window.actions[ActionId.SPLIT].trigger()
    assert [(e.id, e.start, e.duration) for e in doc.comp.elements] == [
        ("a", 0, 2), ("b", 2, pytest.approx(1.0)), ("b-2", pytest.approx(3.0), pytest.approx(1.0)),
        ("c", 4, 2)]  # fmt: skip
    assert doc.element("b-2").track == 1  # the second part stays on its track


def test_ripple_delete_closes_the_gap_in_one_undo_step(qtbot, home):
    window = make_window(qtbot, comp())
    doc = window.doc
    doc.set_selection(["b"])
    window.actions[ActionId.RIPPLE_DELETE].trigger()
    assert [e.id for e in doc.comp.elements] == ["a", "c"]
    assert doc.comp.element("c").start == pytest.approx(2.0)  # was 4: moved up by b's 2 s
    assert doc.comp.element("a").start == 0
    doc.undo_stack.undo()
    assert [e.id for e in doc.comp.elements] == ["a", "b", "c"]
    assert doc.comp.element("c").start == pytest.approx(4.0)


def test_markers_are_added_named_moved_deleted_and_saved(qtbot, home, tmp_path):
    window = make_window(qtbot, comp())
    doc, view = window.doc, window.timeline.view
    doc.set_time(1.5)
    window.actions[ActionId.ADD_MARKER].trigger()
    doc.set_time(3.0)
    window.actions[ActionId.ADD_MARKER].trigger()
    assert [(m.time, m.name) for m in doc.comp.markers] == [(1.5, "Marker 1"), (3.0, "Marker 2")]
    qt_timeline_marks.rename(view, 0, "Intro ends")
    assert doc.comp.markers[0].name == "Intro ends"
    # drag the second flag on the ruler to 4 s: one step, on a whole frame
    flag = QPoint(round(view.x_of(3.0)), 4)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=flag)
    qtbot.mouseMove(view, QPoint(round(view.x_of(3.5)), 4))
    qtbot.mouseMove(view, QPoint(round(view.x_of(4.0)), 4))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x_of(4.0)), 4))
    assert doc.comp.markers[1].time == pytest.approx(4.0, abs=0.1)
    assert doc.comp.markers[1].time * 10 == pytest.approx(round(doc.comp.markers[1].time * 10))
    doc.undo_stack.undo()
    assert doc.comp.markers[1].time == 3.0
    qt_timeline_marks.delete(view, 1)
    assert [m.name for m in doc.comp.markers] == ["Intro ends"]
    data = doc.comp.model_dump(mode="json")
    assert data["markers"] == [{"time": 1.5, "name": "Intro ends"}]
    assert Composition.from_data(data).markers == doc.comp.markers
    menu = qt_timeline_marks.build_menu(view, 0)
    assert [a.text() for a in menu.actions()] == ["Rename…", "Go to Marker", "Delete Marker"]


def test_a_bad_marker_in_a_file_is_named_in_the_error():
    from vidgen_desktop.errors import CompositionError

    with pytest.raises(CompositionError, match=r"markers\[0\]\.time"):
        Composition.from_data({"markers": [{"time": -2, "name": "x"}]})


def test_dragging_a_bar_onto_another_row_moves_it_to_that_track(qtbot, home):
    window = make_window(qtbot, comp())
    doc, view = window.doc, window.timeline.view
    rows = [e.id for e in view.rows()]
    assert rows == ["c", "b", "a"]  # front first
    bar = view.bar_rect(rows.index("a"), doc.element("a"))
    grab = bar.center().toPoint()
    target = QPoint(grab.x(), RULER + 0 * ROW + ROW // 2)  # the top row (c, track 2)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(view, grab + QPoint(0, -ROW))
    qtbot.mouseMove(view, target)
    assert view._drag["row_to"] == 0
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=target)
    assert [e.id for e in view.rows()][0] == "a"
    assert doc.element("a").track == 2 and doc.element("a").start == 0
    doc.undo_stack.undo()
    assert [e.id for e in view.rows()] == ["c", "b", "a"]
    assert doc.element("a").track == 0


@pytest.mark.render
def test_trim_both_ends_with_the_mouse_is_clamped_to_the_media(qtbot, home, media):
    clip = VideoElement(id="clip", source=str(media["video"]), start=0.5, trim_start=0.2,
                        duration=0.5)  # fmt: skip
    window = make_window(qtbot, Composition(output=Output(width=320, height=180, fps=10),
                                            elements=[clip]))  # fmt: skip
    doc, view = window.doc, window.timeline.view
    view.snapping = False
    qtbot.waitUntil(lambda: bool(doc.media), timeout=15000)
    rect = view.bar_rect(0, doc.element("clip"))
    left = QPoint(round(rect.left()) + 1, round(rect.center().y()))
    far_left = QPoint(round(view.x_of(0.0)) + 1, left.y())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=left)
    qtbot.mouseMove(view, far_left)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=far_left)
    element = doc.element("clip")
    assert element.trim_start == 0 and element.start == pytest.approx(0.3)  # the media's start
    qt_timeline_zoom.set_zoom(view, view.pps / 2)  # room past the composition's end
    rect = view.bar_rect(0, element)
    right = QPoint(round(rect.right()) - 1, left.y())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=right)
    qtbot.mouseMove(view, QPointF(view.width() - 2, left.y()).toPoint())
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(view.width() - 2, left.y()))
    assert doc.element("clip").duration == pytest.approx(1.0, abs=0.05)  # the file is 1 s
