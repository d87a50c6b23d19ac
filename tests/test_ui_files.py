"""Files in and out of the editor: drop media, save and reopen, autosave recovery, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import uikit
from uikit import box_comp, make_window, point, settle

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # isort: skip
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import ImageElement, VideoElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.shell import recovery

home = uikit.home
media = uikit.media


def drop(widget, paths: list[Path], at: QPointF) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    widget.dropEvent(event)


@pytest.mark.render  # the media are made, and dropped ones probed, by FFmpeg
def test_dropping_files_imports_the_good_ones_and_names_the_bad_one(qtbot, home, media):
    window = make_window(qtbot, box_comp())
    canvas, doc = window.canvas, window.doc
    at = QPointF(point(canvas, 480, 270))
    cx, cy = canvas.to_canvas(at)  # 480, 270 to within the screen's rounding
    with qtbot.waitSignal(window.importer.finished, timeout=15_000) as blocker:
        drop(canvas, [media["image"], media["bad"], media["video"]], at)
        assert window.busy.isVisibleTo(window)  # the busy state shows while probing
    added, errors = blocker.args
    assert len(added) == 2
    assert len(errors) == 1 and "notes.mp4" in errors[0]
    assert "notes.mp4" in window.messages.text
    image, video = (doc.element(i) for i in added)
    assert isinstance(image, ImageElement) and isinstance(video, VideoElement)
    # the first file is centred on the drop point, at its own size (64×48)
    # (to within float rounding: the position is kept in % of the canvas)
    assert image.x.to_px(1920) == pytest.approx(round(cx - 32), abs=1e-6)
    assert image.y.to_px(1080) == pytest.approx(round(cy - 24), abs=1e-6)
    assert image.width == Length(64, "px").convert("%", 1920)
    assert doc.selection == added
    assert not window.busy.isVisibleTo(window)
    doc.undo_stack.undo()  # one import, one step
    assert [e.id for e in doc.comp.elements] == ["box"]


@pytest.mark.render
def test_dropping_on_the_layers_panel_imports_too(qtbot, home, media):
    window = make_window(qtbot)
    with qtbot.waitSignal(window.importer.finished, timeout=15_000):
        drop(window.layers.tree, [media["video"]], QPointF(10, 10))
    (element,) = window.doc.comp.elements
    assert element.width == Length(100, "%")  # the first video fills an empty canvas
    settle(qtbot, window)


@pytest.mark.render
def test_save_and_reopen_gives_the_identical_model(qtbot, home, media, tmp_path):
    window = make_window(qtbot, box_comp())
    doc = window.doc
    with qtbot.waitSignal(window.importer.finished, timeout=15_000):
        window.importer.import_files([str(media["image"])])
    doc.set_selection(["box"])
    window.canvas.nudge(3, 0)
    target = tmp_path / "promo.json"
    assert window.projects.save_to(target)
    assert not doc.dirty and window.windowTitle().startswith("promo.json")
    saved = doc.comp.model_dump()
    other = make_window(qtbot)
    assert other.projects.open_path(target)
    assert other.doc.comp.model_dump() == saved
    assert other.projects.recent()[0] == target.resolve()


def test_closing_with_unsaved_changes_asks_first(qtbot, home):
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    window.canvas.nudge(1, 0)
    asked = []
    window.projects.ask_save_changes = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert asked and window.isVisible()
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    assert window.close()


def test_recover_from_an_autosave_after_a_crash(qtbot, home, tmp_path):
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    window.canvas.nudge(5, 5)
    written = window.autosave()
    assert written == recovery.own_file() and written.exists()
    crashed = written.with_name("autosave-999999999.json")  # a process that is gone
    written.rename(crashed)
    edited = window.doc.comp.model_dump()

    fresh = make_window(qtbot)
    (found,) = recovery.orphans()
    fresh.projects.recover(found)
    assert fresh.doc.comp.model_dump() == edited
    assert fresh.doc.dirty  # recovered work is unsaved until saved
    assert not crashed.exists()


def test_autosave_is_atomic_and_removed_when_clean(qtbot, home, monkeypatch):
    window = make_window(qtbot, box_comp())
    assert window.autosave() is None  # nothing unsaved: no recovery file
    window.doc.set_selection(["box"])
    window.canvas.nudge(1, 0)
    calls = []
    monkeypatch.setattr(project, "atomic_write", lambda *a: calls.append(a))
    window.autosave()
    assert calls and calls[0][0] == recovery.own_file()


def test_gui_screenshot_in_a_subprocess_writes_a_png(home, tmp_path):
    comp = box_comp()
    project.save(comp, tmp_path / "shot.json")
    target = tmp_path / "out" / "editor.png"
    env = {**os.environ, "VIDGEN_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    code = "from vidgen_desktop.cli import main; raise SystemExit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "gui", str(tmp_path / "shot.json"), "--screenshot",
         str(target)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


@pytest.mark.render
def test_a_project_with_an_unreadable_source_opens_and_names_it(qtbot, home, media, tmp_path):
    comp = box_comp()
    comp.elements.append(ImageElement(id="gone", source=str(tmp_path / "gone.png")))
    comp.elements.append(ImageElement(id="red", source=str(media["image"])))
    project.save(comp, tmp_path / "p.json")
    window = make_window(qtbot)
    assert window.projects.open_path(tmp_path / "p.json")
    settle(qtbot, window)
    assert "gone.png does not exist" in window.messages.text
    assert "red" in window.doc.facts()  # the others still show


def recent_entries(window) -> list[str]:
    """What File ▸ Open Recent lists, as the designer sees it (the menu is filled on show)."""
    window.recent_menu.aboutToShow.emit()
    return [a.text() for a in window.recent_menu.actions() if a.isEnabled()]


def click_recent(window, path: Path) -> None:
    window.recent_menu.aboutToShow.emit()
    next(a for a in window.recent_menu.actions() if a.text() == str(path)).trigger()


def test_a_recent_project_that_is_gone_is_offered_for_removal(qtbot, home, tmp_path):
    window = make_window(qtbot, box_comp())
    kept, gone = tmp_path / "kept.json", tmp_path / "gone.json"
    for path in (kept, gone):
        assert window.projects.save_to(path)
    gone.unlink()
    asked = []
    window.projects.ask_remove_recent = lambda path: asked.append(path) or False
    click_recent(window, gone.resolve())
    assert asked == [gone.resolve()]
    assert str(gone.resolve()) in recent_entries(window)  # "No": it stays
    window.projects.ask_remove_recent = lambda path: True
    click_recent(window, gone.resolve())
    assert recent_entries(window) == [str(kept.resolve())]  # "Yes": it is gone from the menu
    assert window.projects.recent() == [kept.resolve()]  # and from the settings
