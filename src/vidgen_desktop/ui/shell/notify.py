"""Tell the designer a job ended, even when the editor is not in front.

In order of preference: the desktop's notification service
(``org.freedesktop.Notifications`` on the D-Bus session bus: GNOME, KDE, most
Linux desktops, none of which need a tray icon), the system tray's balloon
(the platform's own notifications on Windows and macOS), then the window's
status bar. The D-Bus call goes through jeepney (pure Python) in a background
lane, never on the GUI thread; when it fails the next way is used and the
service is not asked again this session.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QStyle, QSystemTrayIcon

from vidgen_desktop.ui.shell.background import Background

log = logging.getLogger(__name__)

SHOW_MS = 8000  # how long a notification stays up
APP_NAME = "Vidgen"
CALL_TIMEOUT = 3.0  # s for the notification service to answer
BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"


class DesktopNotifications:
    """The freedesktop notification service on the session bus (one connection, reused)."""

    def __init__(self, bus: str = "SESSION") -> None:
        self.bus = bus
        self._connection: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def present() -> bool:
        """Whether there is a session bus to ask (Linux and the BSDs with a desktop)."""
        return sys.platform.startswith(("linux", "freebsd")) and bool(
            os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        )

    def send(self, title: str, text: str, error: bool = False) -> int:
        """Show one notification; its id from the service. Raises when nobody answers."""
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
        hints = {"urgency": ("y", 2 if error else 1), "desktop-entry": ("s", "vidgen")}
        icon = "dialog-error" if error else "video-x-generic"
        message = new_method_call(
            address, "Notify", "susssasa{sv}i",
            (APP_NAME, 0, icon, title, text, [], hints, SHOW_MS),
        )  # fmt: skip
        with self._lock:
            if self._connection is None:
                self._connection = open_dbus_connection(bus=self.bus)
            try:
                (notification_id,) = unwrap_msg(
                    self._connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
                )
            except BaseException:
                self._connection.close()  # not reused: the next call starts afresh
                self._connection = None
                raise
        return int(notification_id)

    def close(self) -> None:
        with self._lock:  # not held long: a call in flight times out in CALL_TIMEOUT
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class Notifier(QObject):
    """Desktop notification service, else the tray, else the status bar."""

    def __init__(
        self,
        window: QMainWindow,
        *,
        use_tray: bool | None = None,
        desktop: DesktopNotifications | None | bool = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        if desktop is None:
            desktop = DesktopNotifications() if DesktopNotifications.present() else False
        self.desktop: DesktopNotifications | None = desktop or None
        self.background = Background(workers=1, name="vidgen-notify", parent=self)
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        if use_tray:
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("Vidgen")
        self.last: tuple[str, str] | None = None  # what was said last (title, text)
        self.via: str | None = None  # how it was said: "desktop", "tray" or "status bar"

    def notify(self, title: str, text: str, *, error: bool = False) -> None:
        self.last = (title, text)
        if self.desktop is None:
            self._fallback(title, text, error)
            return

        def sent(_id: object, problem: BaseException | None) -> None:
            if problem is None:
                self.via = "desktop"
                return
            log.info("no desktop notification service (%s); using the tray or status bar",
                     problem)  # fmt: skip
            self.desktop = None  # not asked again this session
            self._fallback(title, text, error)

        if self.background.run(self.desktop.send, sent, title, text, error) is None:
            self._fallback(title, text, error)  # closing: say it where it is seen now

    def _fallback(self, title: str, text: str, error: bool) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.show()
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if error
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(title, text, kind, SHOW_MS)
            self.via = "tray"
        else:
            self.window.statusBar().showMessage(f"{title}: {text}", SHOW_MS)
            self.via = "status bar"

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        if self.desktop is not None:
            self.desktop.close()  # closing a socket does not wait for the service
