"""PySide6 6.12.0 takes a reference to True away on every emit; the editor must survive it."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import vidgen_desktop.ui
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class Source(QObject):
    fired = Signal(object)
source = Source()
for n in range(50_000):
    source.fired.emit(n)
print("ok")
"""


def test_many_signals_do_not_crash_the_interpreter():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
