"""Start the editor: the Qt application, the asyncio loop inside it (qasync), the window.

``run`` is what ``vidgen gui`` calls: the project given, or the start page
(which on the first run makes and opens the bundled example). ``--screenshot``
opens the window, waits until the preview has drawn, saves ``window.grab()``
and exits.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

SETTLE_TIMEOUT = 20.0  # seconds to wait for the first preview frame before a screenshot
SETTLE_POLL = 50  # ms
IDLE_EXIT_ENV = "VIDGEN_EXIT_WHEN_IDLE"  # set: print the time of the first idle moment, quit


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Vidgen Desktop")
    app.setOrganizationName("Vidgen")
    from vidgen_desktop import config
    from vidgen_desktop.ui.shell import theme

    theme.apply(config.load().theme, app)  # Fusion, dark unless the OS (or the user) says light
    return app


def settled(window) -> bool:
    """True once the media are read and the preview (or the start page) shows the current state."""
    start = window.start
    if start.busy:  # the example is being made: it opens when done
        return False
    if start.showing:
        return True
    canvas = window.canvas
    return (
        not window.doc.probing
        and not window.importer.busy
        and not canvas.renderer.busy
        and not canvas.refresh_timer.isActive()
        and canvas.image is not None
    )


def run(project: str | None = None, screenshot: str | None = None) -> int:
    if screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from vidgen_desktop.ui.shell.main_window import MainWindow

    app = _application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    if project and window.projects.open_path(Path(project), ask=False):
        pass
    elif project:  # it could not be opened: the error shows above the start page
        window.start.show()
    else:  # the start page; on the very first run it also makes and opens the example
        # (not when benchmarks/editor_start.py times the window: FFmpeg would share its CPU)
        window.start.show(first_run=first_run(window) and not os.environ.get(IDLE_EXIT_ENV))
    window.show()
    status = 0
    if os.environ.get(IDLE_EXIT_ENV):  # benchmarks/editor_start.py: time to an idle window
        QTimer.singleShot(0, lambda: _report_idle_and_quit(window, app))
    if screenshot:
        waited = 0

        def check() -> None:
            nonlocal waited, status
            if not window.start.busy:  # the example being made: FFmpeg takes what it takes
                waited += SETTLE_POLL
            if settled(window) or waited > SETTLE_TIMEOUT * 1000:
                target = Path(screenshot)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not window.grab().save(str(target)):
                    print(f"vidgen: cannot write {target}", file=sys.stderr)
                    status = 1
                window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
                window.close()
                app.quit()
            else:
                QTimer.singleShot(SETTLE_POLL, check)

        QTimer.singleShot(SETTLE_POLL, check)
    else:
        QTimer.singleShot(0, window.projects.offer_recovery)
    app.aboutToQuit.connect(window.doc.background.shutdown)
    with loop:
        loop.run_until_complete(_until_quit(app))
    return status


def first_run(window) -> bool:
    """Nothing opened yet and no example made: this machine's first start of the editor."""
    from vidgen_desktop.media import examples

    return not window.projects.recent() and not examples.is_made()


def _report_idle_and_quit(window, app) -> None:
    print(f"vidgen: idle at {time.time():.6f}", flush=True)
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    window.close()
    app.quit()


async def _until_quit(app) -> None:
    done = asyncio.Event()
    app.aboutToQuit.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    await done.wait()
