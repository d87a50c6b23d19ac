"""PySide6 6.12.0 leaks references to None and True; the editor must survive long sessions."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import vidgen_desktop.ui
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
class Source(QObject):
    fired = Signal(object)
source, widget = Source(), QWidget()
for n in range(50_000):
    source.fired.emit(n)  # returns True without a reference
    widget.update()  # returns None without a reference
    app.processEvents()
print("ok")
"""


def test_many_qt_calls_do_not_crash_the_interpreter():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
