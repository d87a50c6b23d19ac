"""Hand a finished render to the desktop: open it, show it in its folder, copy its link."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

# Replaced in tests: the real one would start a video player.
open_url = QDesktopServices.openUrl


def open_file(path: str | Path) -> bool:
    return bool(open_url(QUrl.fromLocalFile(str(path))))


def show_in_folder(path: str | Path) -> bool:
    """Open the file manager on the file's folder (with the file selected where possible)."""
    path = Path(path)
    if open_url is QDesktopServices.openUrl:  # not in tests
        if sys.platform == "darwin":
            return subprocess.Popen(["open", "-R", str(path)]).pid > 0
        if sys.platform == "win32":
            return subprocess.Popen(["explorer", f"/select,{path}"]).pid > 0
    return bool(open_url(QUrl.fromLocalFile(str(path.parent))))


def share_link(path: str | Path | None, url: str | None = None) -> str | None:
    """The job's link: its web URL when the backend gave one, else the file's URL."""
    if url:
        return url
    return Path(path).resolve().as_uri() if path else None


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
