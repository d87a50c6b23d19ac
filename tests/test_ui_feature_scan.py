"""The editor spares PySide6's per-import source scan; Qt names still behave as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SNAKE = """
from __feature__ import snake_case
from PySide6.QtWidgets import QWidget
def title(widget: QWidget) -> str:
    widget.set_window_title("snake")
    return widget.window_title()
"""
PLAIN = """
from PySide6.QtWidgets import QWidget
def title(widget: QWidget) -> str:
    widget.setWindowTitle("plain")
    return widget.windowTitle() + str(hasattr(widget, "set_window_title"))
"""
SCRIPT = """
import inspect, sys
import vidgen_desktop.ui
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
read = []
real = inspect.getsource
inspect.getsource = lambda obj: read.append(obj) or real(obj)
import plain_user, snake_user
print(plain_user.title(QWidget()), snake_user.title(QWidget()), len(read))
"""


def test_modules_keep_their_qt_names_and_no_source_is_read_on_import(tmp_path: Path):
    (tmp_path / "snake_user.py").write_text(SNAKE)
    (tmp_path / "plain_user.py").write_text(PLAIN)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": path}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, timeout=120, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["plainFalse", "snake", "0"]
