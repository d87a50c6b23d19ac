"""The first minute: the start page, the example made on first run, `vidgen` with no display."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import test_ui_shell
import uikit
from test_ui_files import drop
from test_ui_shell import SHOTS, text_contrast
from uikit import box_comp, make_window

from PySide6.QtCore import QPointF, Qt  # isort: skip
from PySide6.QtWidgets import QDockWidget

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import ImageElement
from vidgen_desktop.media import examples
from vidgen_desktop.ui.shell.start_page import PREPARING

home = uikit.home
media = uikit.media
palette = test_ui_shell.palette  # the fixture: light and dark


def visible_docks(window) -> list[str]:
    return sorted(d.objectName() for d in window.findChildren(QDockWidget) if d.isVisible())


def test_the_start_page_offers_sizes_and_a_size_makes_the_project(qtbot, home, palette):
    window = make_window(qtbot)
    panels = visible_docks(window)
    window.start.show()
    page = window.start.page
    assert window.start.showing and page.isVisible() and not window.canvas.isVisible()
    assert visible_docks(window) == []  # no empty panels around it
    assert set(page.preset_buttons) == {"16:9", "9:16", "1:1", "4:5"}
    window.grab().save(str(SHOTS / f"start_page_{palette}.png"))
    qtbot.mouseClick(page.preset_buttons["9:16"], Qt.MouseButton.LeftButton)
    assert (window.doc.comp.output.width, window.doc.comp.output.height) == (1080, 1920)
    assert not window.start.showing and window.canvas.isVisible()
    assert visible_docks(window) == panels  # the panels come back as they were
    hint = window.start.hint
    assert hint.isVisible() and "Drop" in hint.text()  # an empty canvas says what to do
    assert hint.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    assert text_contrast(hint) >= 4.5
    window.grab().save(str(SHOTS / f"empty_canvas_{palette}.png"))


@pytest.mark.render
def test_the_drop_hint_goes_once_there_is_something_on_the_canvas(qtbot, home, media):
    window = make_window(qtbot)
    assert window.start.hint.isVisible()
    with qtbot.waitSignal(window.importer.finished, timeout=15_000):
        drop(window.canvas, [media["image"]], QPointF(200, 150))  # through the hint
    assert not window.start.hint.isVisible()
    window.doc.undo_stack.undo()
    assert window.start.hint.isVisible()


@pytest.mark.render
def test_media_dropped_on_the_start_page_start_a_project_with_them(qtbot, home, media):
    window = make_window(qtbot, box_comp())
    window.start.show()
    with qtbot.waitSignal(window.importer.finished, timeout=15_000):
        drop(window.start.page, [media["image"]], QPointF(100, 100))
    assert not window.start.showing
    (element,) = window.doc.comp.elements
    assert isinstance(element, ImageElement) and window.doc.comp.output.width == 1920


def test_a_recent_project_opens_from_the_start_page(qtbot, home, tmp_path):
    window = make_window(qtbot, box_comp())
    assert window.projects.save_to(tmp_path / "mine.json")
    window.start.show()
    recent = window.start.page.recent
    assert recent.count() == 1 and recent.item(0).text().startswith("mine.json")
    window.grab().save(str(SHOTS / "start_page_recent.png"))
    window.doc.set_composition(box_comp())  # something else meanwhile (the page goes away)
    window.start.show()
    where = recent.visualItemRect(recent.item(0)).center()
    qtbot.mouseClick(recent.viewport(), Qt.MouseButton.LeftButton, pos=where)  # one click
    assert window.doc.path == (tmp_path / "mine.json").resolve() and not window.start.showing
    (tmp_path / "mine.json").unlink()  # moved away since: offered for removal, and removed
    window.start.show()
    window.projects.ask_remove_recent = lambda path: True
    recent.itemActivated.emit(recent.item(0))
    assert recent.count() == 0 and window.start.showing


@pytest.mark.render
def test_the_example_is_made_once_in_the_data_folder_and_opened(qtbot, home):
    window = make_window(qtbot)
    window.start.show()
    window.start.page.example_button.click()
    assert window.start.page.status.text() == PREPARING  # seconds of FFmpeg: say so
    assert window.start.page.working.isVisible()
    window.grab().save(str(SHOTS / "start_page_preparing.png"))
    assert not window.start.page.example_button.isEnabled()
    example = examples.example_folder() / examples.MAIN_EXAMPLE
    qtbot.waitUntil(lambda: window.doc.path == example, timeout=120_000)
    assert str(example).startswith(str(home))  # the user's data folder, not the checkout
    assert {e.id for e in window.doc.comp.elements} >= {"bg", "clip", "title", "music"}
    uikit.settle(qtbot, window)
    assert window.doc.media_errors == {}  # every sample is there and readable
    assert examples.is_made()


def test_first_run_of_the_editor_opens_the_example(home, tmp_path):
    target = tmp_path / "first.png"
    env = {**os.environ, "VIDGEN_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "gui", "--screenshot", str(target)],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (examples.example_folder() / "media" / "background.mp4").stat().st_size > 0
    assert target.read_bytes().startswith(b"\x89PNG")
    opened = project.load(examples.example_folder() / examples.MAIN_EXAMPLE)
    assert opened.name == "Spring promo"
    (SHOTS / "first_run.png").write_bytes(target.read_bytes())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is Linux's")
def test_vidgen_without_a_display_says_so_in_one_line(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    env["VIDGEN_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop"], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert "no display" in line and "vidgen render" in line


def test_closing_while_the_example_is_made_stops_the_maker(qtbot, home):
    window = make_window(qtbot)
    window.start.show()
    window.start.page.example_button.click()
    maker = window.start.maker
    assert maker is not None and window.start.busy
    assert window.close()  # does not wait for FFmpeg's seconds
    assert maker.state() == maker.ProcessState.NotRunning
    assert not examples.is_made()  # the next start makes what is missing


def test_errors_show_above_the_start_page_too(qtbot, home, tmp_path):
    window = make_window(qtbot)
    window.start.show()
    assert not window.projects.open_path(tmp_path / "gone.json")
    assert window.start.showing
    assert window.messages.isVisible() and "gone.json" in window.messages.text
