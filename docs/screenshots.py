"""Make the README's pictures of the editor: the example open, its photo selected, in both themes.

Run on a real X server, e.g. ``xvfb-run -a -s "-screen 0 1600x1000x24" env
QT_QPA_PLATFORM=xcb PYTHONPATH=src python docs/screenshots.py`` (offscreen works
too). It makes the bundled example in a throwaway ``VIDGEN_HOME`` (FFmpeg, a few
seconds), opens it in the real main window at 1440×860, selects the photo, puts
the playhead at 3.5 s, waits until the preview has drawn and saves:

- ``docs/editor.png`` (dark, the default), ``docs/editor-light.png`` (light);
- ``docs/editor-snap.png``: the photo dragged near the canvas centre, the snap
  guides showing (dark);
- ``docs/queue.png`` and ``docs/history.png``: the example rendered once through
  the queue (the route threshold 0 queues every render), the finished job in
  the render queue, then in the job history with its steps (dark).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
os.environ["VIDGEN_HOME"] = tempfile.mkdtemp(prefix="vidgen-shots-")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from vidgen_desktop import config  # noqa: E402
from vidgen_desktop.media import examples  # noqa: E402
from vidgen_desktop.ui.shell import app as shell_app  # noqa: E402
from vidgen_desktop.ui.shell import theme  # noqa: E402

SIZE = (1440, 860)
SELECTED = "photo"
AT = 3.5


def settle(qapp, window, rounds: int = 400) -> None:
    for _ in range(rounds):
        qapp.processEvents()
        QTest.qWait(25)
        pictures = window.timeline.view.pictures.background  # thumbnails, waveforms
        if shell_app.settled(window) and not pictures.busy:
            break
    QTest.qWait(300)
    qapp.processEvents()


def open_example(qapp, name: str):
    from vidgen_desktop.ui.shell.main_window import MainWindow

    theme.apply(name)
    window = MainWindow()
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    window.resize(*SIZE)
    window.show()
    window.projects.open_path(examples.main_example(), ask=False)
    window.timeline_dock.raise_()  # the last window's layout may have had another tab up
    settle(qapp, window)
    window.doc.set_selection([SELECTED])
    window.doc.set_time(AT)
    settle(qapp, window)
    return window


def snap_drag(qapp, window) -> None:
    """Press on the photo and move it until its centre is near the canvas centre (no release)."""
    canvas = window.canvas
    hits = [QPointF(x, y) for x in range(0, canvas.width(), 6) for y in range(0, canvas.height(), 6)
            if canvas.element_at(QPointF(x, y)) == SELECTED]  # fmt: skip
    middle = QPointF(sum(p.x() for p in hits) / len(hits), sum(p.y() for p in hits) / len(hits))
    start = middle.toPoint()
    target = (canvas.canvas_rect().center() + QPointF(4, 3)).toPoint()  # near: the guides snap it
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    steps = 12
    for i in range(1, steps + 1):
        point = (QPointF(start) + QPointF(target - start) * (i / steps)).toPoint()
        QTest.mouseMove(canvas, point)
        QTest.qWait(30)
    settle(qapp, window, rounds=40)


def wait(qapp, what: str, check, seconds: float = 180.0) -> None:
    for _ in range(int(seconds * 20)):
        qapp.processEvents()
        if check():
            return
        QTest.qWait(50)
    raise SystemExit(f"timed out waiting for {what}")


def queue_and_history(qapp, window) -> None:
    """Render the example through the queue, then show it in the queue and in the history."""
    renders = window.renders
    wait(qapp, "the job log", lambda: renders.hub.is_ready)
    done: list[object] = []
    output = Path(os.environ["VIDGEN_HOME"]) / "renders" / "spring_promo.mp4"
    renders.hub.submit(window.doc.comp, output, object(), lambda r, e: done.append(e))
    finished: list[str] = []
    renders.queue_panel.job_finished.connect(lambda _id, status: finished.append(status))
    wait(qapp, "the render", lambda: finished)
    assert finished == ["completed"], finished
    renders.queue_dock.raise_()
    panel = renders.queue_panel
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    window.statusBar().clearMessage()
    settle(qapp, window, rounds=20)
    window.grab().save(str(DOCS / "queue.png"))
    print(f"wrote {DOCS / 'queue.png'}")
    renders.history_dock.raise_()
    history = renders.history
    history.refresh()
    wait(qapp, "the history", lambda: history.model.rows)
    QTest.qWait(1000)  # a reload after the job's last event keeps only what was selected
    history.table.selectRow(0)
    summary = history.details.summary
    wait(qapp, "the job's steps", lambda: not summary.text().startswith("Select a job"))
    window.statusBar().clearMessage()  # "Render finished: <a temporary folder>"
    settle(qapp, window, rounds=20)
    window.grab().save(str(DOCS / "history.png"))
    print(f"wrote {DOCS / 'history.png'}")


def main() -> int:
    config.update(route_threshold=0)  # every render goes through the queue
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("Vidgen Desktop")
    for name, target in (("dark", "editor.png"), ("light", "editor-light.png")):
        window = open_example(qapp, name)
        window.grab().save(str(DOCS / target))
        print(f"wrote {DOCS / target}")
        if name == "dark":
            snap_drag(qapp, window)
            window.grab().save(str(DOCS / "editor-snap.png"))
            print(f"wrote {DOCS / 'editor-snap.png'}")
            QTest.mouseRelease(window.canvas, Qt.MouseButton.LeftButton)
            window.doc.undo_stack.undo()  # the photo back where the example has it
            settle(qapp, window, rounds=40)
            queue_and_history(qapp, window)
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
