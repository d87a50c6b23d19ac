"""Desktop notifications: the system tray's balloon when there is a tray, else the status bar."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QStyle, QSystemTrayIcon

SHOW_MS = 8000  # how long a notification stays up


class Notifier(QObject):
    """Tell the designer a job ended, even when the editor is not in front."""

    def __init__(self, window: QMainWindow, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
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

    def notify(self, title: str, text: str, *, error: bool = False) -> None:
        self.last = (title, text)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.show()
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if error
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(title, text, kind, SHOW_MS)
        else:
            self.window.statusBar().showMessage(f"{title}: {text}", SHOW_MS)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
