"""Job ends are announced through the desktop's notification service, over a real D-Bus
session bus, with the tray and then the status bar as fallbacks."""

from __future__ import annotations

import pytest

import uikit
from notification_server import NotificationServer, session_bus
from uikit import make_window

from vidgen_desktop.ui.shell.notify import Notifier  # isort: skip

home = uikit.home
WAIT_MS = 30_000


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch):
    with session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


def test_a_finished_render_goes_to_the_desktop_notification_service(qtbot, home, bus):
    window = make_window(qtbot)
    notifier = window.renders.notifier
    assert notifier.tray is None  # GNOME's default: no tray icon
    with NotificationServer(bus) as server:
        notifier.notify("Render finished", "promo: /tmp/promo.mp4")
        qtbot.waitUntil(lambda: notifier.via is not None, timeout=WAIT_MS)
        assert notifier.via == "desktop"
        ((app, replaces, _icon, summary, body, actions, hints, timeout),) = server.calls
        assert (app, replaces, summary, body) == (
            "Vidgen",
            0,
            "Render finished",
            "promo: /tmp/promo.mp4",
        )
        assert actions == [] and hints["urgency"] == ("y", 1) and timeout > 0
        notifier.notify("Render failed", "promo: FFmpeg stopped", error=True)
        qtbot.waitUntil(lambda: len(server.calls) == 2, timeout=WAIT_MS)
        assert server.calls[1][6]["urgency"] == ("y", 2)  # critical
    assert "Render" not in window.statusBar().currentMessage()  # said once, where it is seen


def test_without_a_notification_service_the_status_bar_says_it(qtbot, home, bus):
    window = make_window(qtbot)  # a session bus, but nobody owns the notifications name
    notifier = window.renders.notifier
    notifier.notify("Render finished", "promo: /tmp/promo.mp4")
    qtbot.waitUntil(lambda: notifier.via is not None, timeout=WAIT_MS)
    assert notifier.via == "status bar"
    assert window.statusBar().currentMessage() == "Render finished: promo: /tmp/promo.mp4"
    assert notifier.desktop is None  # not asked again this session


def test_without_a_session_bus_the_status_bar_says_it_at_once(qtbot, home, monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    window = make_window(qtbot)
    notifier = Notifier(window, use_tray=False)
    notifier.notify("Render failed", "promo: FFmpeg stopped", error=True)
    assert notifier.via == "status bar"
    assert window.statusBar().currentMessage() == "Render failed: promo: FFmpeg stopped"
