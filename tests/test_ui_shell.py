"""The app shell: shortcuts, the message bar, autosave and recovery, window state, recent files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import QPoint, QRect, QSettings, Qt  # isort: skip
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QApplication

from vidgen_desktop.composition import project
from vidgen_desktop.ui.shell import recovery
from vidgen_desktop.ui.shell.actions import SPECS, ActionId, Spec, Std, key_sequences
from vidgen_desktop.ui.shell.main_window import SETTINGS_VERSION, MainWindow

home = uikit.home

Portable = QKeySequence.SequenceFormat.PortableText
# screenshots of the screens this file checks, for a person to look at
SHOTS = Path(os.environ.get("VIDGEN_SHOTS", "/tmp/vidgen-shots"))
SHOTS.mkdir(parents=True, exist_ok=True)


def bound_keys(window) -> dict[str, list[str]]:
    """Every key sequence the window answers, with who answers it (actions and shortcuts)."""
    owners: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            if key.isEmpty():
                continue
            owners[key.toString(Portable)].append(action.objectName() or action.text())
    for shortcut in window.findChildren(QShortcut):
        for key in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            owners[key.toString(Portable)].append(shortcut.objectName() or "QShortcut")
    return owners


def activate(qtbot, window) -> None:
    """Make the window the active one: window shortcuts only answer there (even offscreen)."""
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    window.canvas.setFocus()


def test_no_two_actions_share_a_key_sequence(qtbot, home):
    window = make_window(qtbot, box_comp())
    shared = {key: who for key, who in bound_keys(window).items() if len(who) > 1}
    assert shared == {}  # Qt would call each an "Ambiguous shortcut overload" and run none


def test_a_standard_key_extended_by_its_own_sequence_binds_it_once(qtbot, home):
    # Linux's Std.Redo already is Ctrl+Shift+Z: naming it again must not bind it twice
    keys = key_sequences(Spec("Redo", (Std.Redo, "Ctrl+Shift+Z", "Ctrl+Y")))
    texts = [k.toString(Portable) for k in keys]
    assert len(texts) == len(set(texts))
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= set(texts)
    assert [k.toString(Portable) for k in key_sequences(SPECS[ActionId.SAVE_AS])].count(
        "Ctrl+Shift+S"
    ) == 1


def test_redo_answers_ctrl_shift_z_and_ctrl_y_and_save_as_its_key(qtbot, home, tmp_path):
    window = make_window(qtbot, box_comp())
    doc = window.doc
    activate(qtbot, window)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    window.actions[ActionId.ADD_TEXT].trigger()
    assert len(doc.comp.elements) == 2
    for modifiers, key in ((ctrl | shift, Qt.Key.Key_Z), (ctrl, Qt.Key.Key_Y)):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, ctrl)
        assert len(doc.comp.elements) == 1
        qtbot.keyClick(window.canvas, key, modifiers)
        assert len(doc.comp.elements) == 2, QKeySequence(key | modifiers).toString()
    target = tmp_path / "saved as.json"
    window.projects.ask_save_path = lambda: str(target)
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, ctrl | shift)
    assert target.is_file() and doc.path == target.resolve()


def test_every_spec_key_is_bound(qtbot, home):
    window = make_window(qtbot)
    for action_id, spec in SPECS.items():
        bound = {k.toString(Portable) for k in window.actions[action_id].shortcuts()}
        named = {QKeySequence(k).toString(Portable) for k in spec.shortcut if isinstance(k, str)}
        assert named <= bound, action_id


# -- the message bar ---------------------------------------------------------------------------


def luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0-255 channels)."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def pixels(widget) -> np.ndarray:
    """What the window shows where the widget is, as an RGB array.

    Grabbed from the window, not the widget: ``widget.grab()`` fills an
    auto-filled widget's background itself, which the window may never paint.
    """
    window = widget.window()
    where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    image = window.grab(where).toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return data[:, : width * 3].reshape(height, width, 3).copy()


def text_contrast(bar) -> float:
    """Contrast between a widget's background (its commonest colour) and its text's ink."""
    shown = pixels(bar)
    colors, counts = np.unique(shown.reshape(-1, 3), axis=0, return_counts=True)
    background = colors[counts.argmax()]
    inner = getattr(bar, "label", None)  # the message bar's text, or the whole widget
    box = inner.geometry() if inner is not None else bar.rect()
    label = shown[box.top() : box.bottom(), box.left() : box.right()].reshape(-1, 3)
    distance = [abs(luminance(p) - luminance(background)) for p in np.unique(label, axis=0)]
    ink = np.unique(label, axis=0)[int(np.argmax(distance))]
    return contrast(background, ink)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
    ):
        palette.setColor(role, QColor(color))
    return palette


@pytest.fixture(params=["light", "dark"])
def palette(request, qapp):
    """The application in a light (Fusion's own) or a dark palette, restored afterwards."""
    before = qapp.palette()
    qapp.setPalette(dark_palette() if request.param == "dark" else qapp.style().standardPalette())
    yield request.param
    qapp.setPalette(before)


def test_the_error_bar_reads_well_in_light_and_dark_palettes(qtbot, home, palette, tmp_path):
    window = make_window(qtbot, box_comp())
    window.messages.show_error("gone.png does not exist: the element 'logo' shows nothing")
    qtbot.waitUntil(lambda: window.messages.isVisible())
    assert text_contrast(window.messages) >= 4.5  # WCAG AA for body text
    window.grab().save(str(SHOTS / f"error_bar_{palette}.png"))


# -- autosave and recovery ---------------------------------------------------------------------

# The real editor (app.run, as `vidgen gui` starts it) in a process of its own; one
# edit through the Add Text action once the window is up, then it just runs.
EDIT_THEN_RUN = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from vidgen_desktop.ui.shell import app
from vidgen_desktop.composition import project
from vidgen_desktop.ui.shell import recovery
from vidgen_desktop.ui.shell.actions import ActionId

qapp = QApplication(sys.argv[:1])

def edit():
    (window,) = [w for w in qapp.topLevelWidgets() if w.objectName() == "MainWindow"]
    window.actions[ActionId.ADD_TEXT].trigger()
    print("edited", flush=True)

QTimer.singleShot(0, edit)
app.run(sys.argv[1])
"""


def test_an_edit_survives_kill_9_and_the_next_start_says_when_it_was_saved(qtbot, home, tmp_path):
    project.save(box_comp(), tmp_path / "promo.json")
    env = {**os.environ, "VIDGEN_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    editor = subprocess.Popen(
        [sys.executable, "-c", EDIT_THEN_RUN, str(tmp_path / "promo.json")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        seen = []  # Qt's own warnings may come first
        for line in iter(editor.stdout.readline, ""):
            seen.append(line)
            if line.strip() == "edited":
                break
        assert seen and seen[-1].strip() == "edited", "".join(seen)
        copy = home / "data" / "recovery" / f"autosave-{editor.pid}.json"
        # far sooner than the old 60 s timer: a few seconds after the edit
        qtbot.waitUntil(copy.exists, timeout=15_000)
        qtbot.wait(300)  # let the write that made it finish: kill -9 lands on an idle editor
    finally:
        editor.send_signal(signal.SIGKILL)
        editor.wait(10)
        editor.stdout.close()
    assert editor.returncode == -signal.SIGKILL

    saved = time.localtime(copy.stat().st_mtime)
    window = make_window(qtbot)
    asked: list[str] = []
    window.projects.ask_recover = lambda question: asked.append(question) or True
    assert window.projects.offer_recovery()
    (question,) = asked
    assert "promo.json" in question and time.strftime("%H:%M", saved) in question
    assert "today at" in question or "yesterday at" in question
    assert [e.id for e in window.doc.comp.elements] == ["box", "text"]  # the edit is back
    assert window.doc.dirty and window.doc.path == (tmp_path / "promo.json").resolve()
    assert not copy.exists()


def test_autosave_waits_for_a_pause_but_not_forever(qtbot, home, monkeypatch):
    monkeypatch.setattr(recovery, "AUTOSAVE_DELAY", 300)
    monkeypatch.setattr(recovery, "AUTOSAVE_MAX_WAIT", 1_000)
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    window.canvas.nudge(1, 0)
    assert not recovery.own_file().exists()  # not on every keystroke
    qtbot.waitUntil(recovery.own_file().exists, timeout=5_000)
    recovery.discard()
    # continuous editing (a change every 100 ms, never a 300 ms pause) still gets a copy
    for _ in range(40):
        window.canvas.nudge(1, 0)
        qtbot.wait(100)
        if recovery.own_file().exists():
            break
    assert recovery.own_file().exists()
    nudged = json.loads(recovery.own_file().read_text())["project"]["elements"][0]["x"]
    assert nudged != "40%"


def test_the_recovery_prompt_names_the_day_and_time(home):
    now = time.mktime((2026, 3, 4, 15, 30, 0, 0, 0, -1))
    found = recovery.Recovered(Path("x.json"), box_comp(), Path("/p/promo.json"), now - 180)
    text = recovery.prompt(found, now)
    assert "promo.json" in text and "today at 15:27:00 (3 minutes ago)" in text
    yesterday = recovery.Recovered(Path("x.json"), box_comp(), None, now - 86_400)
    assert "yesterday at 15:30:00" in recovery.prompt(yesterday, now)


# -- window state ------------------------------------------------------------------------------


def test_window_place_and_panels_are_remembered_without_a_clean_close(qtbot, home):
    window = make_window(qtbot, box_comp())
    window.move(210, 130)
    window.resize(1300, 820)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.inspector_dock)
    ini = home / "data" / "editor.ini"
    # written while the window is still open: a crash now loses nothing
    qtbot.waitUntil(lambda: ini.exists() and "geometry" in ini.read_text(), timeout=5_000)
    qtbot.waitUntil(lambda: not window.layout_timer.isActive(), timeout=5_000)
    on_disk = QSettings(str(ini), QSettings.Format.IniFormat)
    assert on_disk.value("window/geometry") == window.saveGeometry()
    assert on_disk.value("window/state") == window.saveState(SETTINGS_VERSION)

    again = MainWindow(settings=on_disk)  # the next start (offscreen's screen is too small to
    qtbot.addWidget(again)  # check the size here: test_ui_x11 does, on a real X server)
    again.projects.ask_save_changes = window.projects.ask_save_changes
    again.show()
    qtbot.waitExposed(again)
    assert again.dockWidgetArea(again.inspector_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
