"""The look (issue 12): icons, the primary Render button, dark and light themes that read."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import QPoint, QRect, QSize, Qt  # isort: skip
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from vidgen_desktop import config
from vidgen_desktop.ui.shell import icons, theme
from vidgen_desktop.ui.shell.actions import SPECS, ActionId
from vidgen_desktop.ui.shell.toolbar import show_sheet

home = uikit.home
SHOTS = Path(os.environ.get("VIDGEN_SHOTS", "/tmp/vidgen-shots"))
SHOTS.mkdir(parents=True, exist_ok=True)
R = QPalette.ColorRole


@pytest.fixture(autouse=True)
def _look_restored(qapp):
    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def luminance(rgb) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in
              (v / 255 for v in rgb)]  # fmt: skip
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(color) -> tuple[int, int, int]:
    return color.getRgb()[:3]


def shown(widget: QWidget) -> np.ndarray:
    """What the widget's window shows where the widget is (RGB), not the widget's own grab."""
    window = widget.window()
    where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    image = window.grab(where).toImage().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def ink_contrast(widget: QWidget) -> float:
    """Contrast of the widget's text: its commonest colour (the ground) against the farthest."""
    image = shown(widget)
    if image.shape[0] > 12 and image.shape[1] > 12:
        image = image[3:-3, 3:-3]  # inside a button's border
    pixels = image.reshape(-1, 3)
    coarse = pixels // 16  # a button face is a gradient: its shades count as one ground
    buckets, inverse, counts = np.unique(coarse, axis=0, return_inverse=True, return_counts=True)
    ground = np.median(pixels[inverse.ravel() == counts.argmax()], axis=0)
    colors = np.unique(pixels, axis=0)
    far = max(colors, key=lambda c: abs(luminance(c) - luminance(ground)))
    return contrast(ground, far)


def texts(panel: QWidget) -> list[QWidget]:
    """The panel's visible, enabled widgets that show text."""
    found = []
    for kind in (QLabel, QAbstractButton, QLineEdit):
        for w in panel.findChildren(kind):
            text = w.text() if not isinstance(w, QLineEdit) else w.text() or w.placeholderText()
            if text.strip() and w.isVisible() and w.isEnabled() and w.width() > 8:
                if isinstance(w, QLabel) and w.pixmap() is not None and not w.pixmap().isNull():
                    continue
                if isinstance(w, QToolButton) and isinstance(w.parentWidget(), QLineEdit):
                    continue  # a field's own action (the colour swatch): its icon, no text
                found.append(w)
    return found


def test_the_palettes_keep_text_readable_on_every_ground():
    for name in ("dark", "light"):
        pal = theme.palette(name)
        for ink, ground in ((R.WindowText, R.Window), (R.Text, R.Base),
                            (R.Text, R.AlternateBase), (R.ButtonText, R.Button),
                            (R.HighlightedText, R.Highlight), (R.ToolTipText, R.ToolTipBase),
                            (R.PlaceholderText, R.Base), (R.Link, R.Window)):  # fmt: skip
            ratio = contrast(rgb(pal.color(ink)), rgb(pal.color(ground)))
            assert ratio >= 4.5, (name, ink, ground, ratio)
    assert theme.palette("dark").color(R.Window).lightness() < 60  # a video editor's dark
    assert theme.palette("light").color(R.Window).lightness() > 200


def test_dark_by_default_light_only_when_the_os_says_so(qapp, home, monkeypatch):
    assert config.load().theme == "system"
    for os_says, expected in (("unknown", "dark"), ("dark", "dark"), ("light", "light")):
        monkeypatch.setattr(theme, "os_scheme", lambda s=os_says: s)
        assert theme.apply("system") == expected
        assert theme.current() == expected
    assert theme.apply("dark") == "dark"  # the user's choice beats the OS
    assert not qapp.styleSheet()  # Render's sheet is its own: the rest stays plain Fusion
    assert qapp.style().name().lower() == "fusion"


def open_panels(qtbot, window) -> dict[str, QWidget]:
    """Every panel and dialog, showing text, as a designer sees them."""
    window.doc.set_selection(["box"])  # the inspector shows an element's fields
    panels = {
        "toolbar": window.toolbar, "layers": window.layers, "inspector": window.inspector,
        "timeline": window.timeline, "history": window.renders.history,
        "menubar": window.menuBar(), "statusbar": window.statusBar(),
    }  # fmt: skip
    settings = window.renders.open_settings()
    settings.fields["queue_concurrency"].setText("99")
    settings.accept()  # refused: the red error text shows under the form
    qtbot.waitUntil(settings.error_label.isVisible)
    panels["settings"] = settings
    panels["sheet"] = show_sheet(window)
    panels["variables"] = window.batches.panel
    panels["queue"] = window.renders.queue_panel
    render = window.renders.open_render_dialog()
    panels["render"] = render
    return panels


@pytest.mark.parametrize("name", ["dark", "light"])
def test_every_panel_reads_in_both_themes(qtbot, home, name):
    theme.apply(name)
    window = make_window(qtbot, box_comp())
    panels = open_panels(qtbot, window)
    qtbot.wait(100)
    window.grab().save(str(SHOTS / f"theme_window_{name}.png"))
    problems = []
    for panel_name, panel in panels.items():
        dock = panel.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None:  # a tabbed panel: bring it forward
            dock.show()
            dock.raise_()
            qtbot.waitUntil(panel.isVisible)
            qtbot.wait(50)
        panel.grab().save(str(SHOTS / f"theme_{panel_name}_{name}.png"))
        pal = panel.palette()
        for ink, ground in ((R.WindowText, R.Window), (R.Text, R.Base), (R.ButtonText, R.Button)):
            if contrast(rgb(pal.color(ink)), rgb(pal.color(ground))) < 4.5:
                problems.append(f"{panel_name}: palette {ink.name} on {ground.name}")
        widgets = texts(panel) or [panel]  # drawn by the panel itself: the whole of it
        for w in widgets:
            ratio = ink_contrast(w)
            if ratio < 4.5:
                problems.append(f"{panel_name}: {type(w).__name__} {w.text()!r} {ratio:.2f}:1")
    error = panels["settings"].error_label
    assert ink_contrast(error) >= 4.5  # the red was #e03131: 3.9:1 on a light window
    for dialog in ("settings", "sheet", "render"):
        panels[dialog].close()
    window.start.show()  # the start page, before there is a project
    qtbot.waitUntil(lambda: window.start.showing)
    qtbot.wait(100)
    page = window.start.page
    assert len(texts(page)) >= 3
    page.grab().save(str(SHOTS / f"theme_start_{name}.png"))
    for w in texts(page):
        ratio = ink_contrast(w)
        if ratio < 4.5:
            problems.append(f"start: {type(w).__name__} {w.text()!r} {ratio:.2f}:1")
    assert not problems, problems
    assert theme.current() == name
    window.close()


def test_switching_theme_in_settings_applies_at_once_and_is_saved(qtbot, home, monkeypatch):
    monkeypatch.setattr(theme, "os_scheme", lambda: "unknown")
    theme.apply("system")
    window = make_window(qtbot, box_comp())
    assert theme.current() == "dark"
    dark_icon = window.actions[ActionId.SAVE].icon().pixmap(QSize(20, 20)).toImage()
    settings = window.renders.open_settings()
    box = settings.theme
    assert [box.itemData(i) for i in range(box.count())] == ["system", "dark", "light"]
    box.setCurrentIndex(box.findData("light"))
    settings.accept()
    assert theme.current() == "light"
    qtbot.waitUntil(lambda: window.palette().color(R.Window).lightness() > 200)
    assert config.saved().theme == "light"
    # the icons follow: dark ink on the light window now
    qtbot.waitUntil(
        lambda: window.actions[ActionId.SAVE].icon().pixmap(QSize(20, 20)).toImage() != dark_icon
    )
    light = window.actions[ActionId.SAVE].icon().pixmap(QSize(20, 20)).toImage()
    inks = [light.pixelColor(x, y) for x in range(20) for y in range(20)]
    darkest = min((c for c in inks if c.alpha() > 200), key=lambda c: c.lightness())
    assert darkest.lightness() < 80


def test_every_toolbar_and_transport_action_has_an_icon_and_the_main_ones_text(qtbot, home):
    theme.apply("dark")
    window = make_window(qtbot, box_comp())
    bar = window.toolbar
    buttons = [bar.widgetForAction(a) for a in bar.actions() if not a.isSeparator()]
    buttons = [b for b in buttons if isinstance(b, QToolButton)] + [bar.primary]
    transport = window.timeline.findChildren(QToolButton)
    assert len(transport) >= 5
    for button in buttons + transport:
        assert not button.icon().isNull(), button.text()
    with_text = {b.text().replace("&", "").rstrip("…") for b in buttons
                 if b.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly
                 and b.sizeHint().width() > 2 * bar.iconSize().width() + 8}  # fmt: skip
    assert {"Open", "Save", "Import Media", "Add Text", "Render"} <= with_text
    undo = bar.widgetForAction(window.actions[ActionId.UNDO])
    assert undo.sizeHint().width() < 2 * bar.iconSize().width() + 8  # icon only, a tooltip
    assert "Ctrl+Z" in undo.toolTip()
    every = {a.value for a in SPECS}
    assert every <= set(icons.ICONS), every - set(icons.ICONS)


def test_render_is_the_one_primary_button_and_runs_the_action(qtbot, home):
    theme.apply("light")
    window = make_window(qtbot, box_comp())
    primaries = window.findChildren(QToolButton, theme.PRIMARY)
    assert primaries == [window.toolbar.primary]
    button = primaries[0]
    image = button.grab().toImage()
    center = image.pixelColor(4, image.height() // 2)
    assert center.blue() > 150 and center.red() < 90  # the accent, not the toolbar's grey
    ground = rgb(center)
    ink = max((rgb(image.pixelColor(x, y)) for x in range(image.width())
               for y in range(image.height())), key=lambda c: luminance(c))  # fmt: skip
    assert contrast(ground, ink) >= 4.5
    save = window.toolbar.widgetForAction(window.actions[ActionId.SAVE]).grab().toImage()
    plain = save.pixelColor(4, save.height() // 2)
    assert plain.blue() - plain.red() < 20  # the others are grey: not emphasised
    seen = []
    window.render_requested.connect(lambda: seen.append(1))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert seen == [1]
    window.actions[ActionId.RENDER].setEnabled(False)
    assert not button.isEnabled()


def test_icons_are_drawn_for_the_device_pixels_crisp_at_2x(qapp):
    palette = theme.palette("dark")
    icon = icons.icon(icons.ICONS["save"], palette)
    one = icon.pixmap(QSize(24, 24), 1.0).toImage()
    two = icon.pixmap(QSize(24, 24), 2.0).toImage()
    assert (one.width(), two.width()) == (24, 48)  # drawn at 48 device pixels, not scaled up

    def soft_edge(image) -> float:  # share of the glyph's pixels that are half-covered
        alphas = np.array([image.pixelColor(x, y).alpha() for x in range(image.width())
                           for y in range(image.height())])  # fmt: skip
        drawn = alphas > 0
        return ((alphas > 30) & (alphas < 225)).sum() / drawn.sum()

    assert soft_edge(two) < soft_edge(one)  # sharper: a scaled-up 1× would keep the blur


def test_play_shows_pause_while_playing(qtbot, home):
    window = make_window(qtbot, box_comp())
    play = window.actions[ActionId.PLAY]
    still = play.icon().pixmap(QSize(16, 16)).toImage()
    play.trigger()
    assert window.timeline.playing
    assert play.icon().pixmap(QSize(16, 16)).toImage() != still
    play.trigger()
    assert play.icon().pixmap(QSize(16, 16)).toImage() == still
    QApplication.processEvents()
