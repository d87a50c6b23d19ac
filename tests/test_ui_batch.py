"""Templates in the editor: the Variables panel, row k on the canvas, Batch Render, the queue.

Real widgets (offscreen), the real job log and, for the batch, real FFmpeg
renders through the editor's embedded queue.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

import uikit
from uikit import make_window

from vidgen_desktop.composition import project  # isort: skip
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import JobQuery, open_local
from vidgen_desktop.ui.editor import qt_variables
from vidgen_desktop.ui.jobs import batch_queue
from vidgen_desktop.ui.jobs.qt_queue import C_NAME, C_STATUS
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home
pytestmark = pytest.mark.render  # the editor probes the template's pictures with FFmpeg
WAIT_MS = 90_000
SHOTS = os.environ.get("VIDGEN_SHOTS")  # a folder: save screenshots of the panels there


def shoot(qtbot, widget, name: str) -> None:
    """Save ``widget`` in a dark and a light palette when VIDGEN_SHOTS names a folder."""
    if not SHOTS:
        return
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from test_ui_editing import dark_palette

    before = QPalette(QApplication.palette())
    for tone, palette in (
        ("dark", dark_palette()),
        ("light", QApplication.style().standardPalette()),
    ):
        QApplication.setPalette(palette)
        qtbot.wait(100)
        widget.grab().save(f"{SHOTS}/{name}-{tone}.png")
    QApplication.setPalette(before)


def write_template(folder: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (32, 32), (255, 0, 0)).save(folder / "red.png")
    Image.new("RGB", (32, 32), (0, 0, 255)).save(folder / "blue.png")
    path = folder / "promo.json"
    path.write_text(json.dumps({
        "schema_version": 2, "name": "promo",
        "output": {"width": 160, "height": 90, "fps": 10, "duration": 0.5},
        "variables": {"headline": {"type": "text", "default": "Sale"},
                      "product": {"type": "image", "default": "red.png"}},
        "elements": [
            {"id": "photo", "type": "image", "source": "{{product}}", "fit": "fill",
             "x": "0%", "y": "0%", "width": "50%", "height": "100%"},
            {"id": "title", "type": "text", "text": "{{headline}}", "x": "50%", "width": "50%"},
        ],
    }))  # fmt: skip
    return path


def write_rows(folder: Path, rows: list[tuple[str, str]],
               header: tuple[str, str] = ("title text", "picture")) -> Path:  # fmt: skip
    path = folder / "rows.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def canvas_left_colour(window) -> np.ndarray:
    image = window.canvas.image.convertToFormat(window.canvas.image.Format.Format_RGB888)
    w, h = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return pixels[:h, : w * 3].reshape(h, w, 3)[h // 2, w // 4].astype(int)


def open_window(qtbot, tmp_path):
    path = write_template(tmp_path)
    window = make_window(qtbot)
    window.doc.set_composition(project.load(path), path)
    return window


def test_the_panel_declares_renames_undoes_and_makes_a_field_a_variable(qtbot, home, tmp_path):
    window = open_window(qtbot, tmp_path)
    panel, doc = window.batches.panel, window.doc
    assert panel.table.rowCount() == 2
    assert [panel.table.item(r, 0).text() for r in range(2)] == ["headline", "product"]
    panel.table.item(0, qt_variables.C_DEFAULT).setText("Big sale")
    assert doc.comp.variables["headline"].default == "Big sale"
    panel.table.item(0, qt_variables.C_NAME).setText("2bad")
    assert "variable name '2bad'" in panel.error.text() and "headline" in doc.comp.variables

    doc.set_selection(["title"])
    assert qt_variables.make_variable(doc, ["title"], "color") is None
    assert doc.element("title").color == "{{title_color}}"
    assert doc.comp.variables["title_color"].model_dump() == {
        "type": "color", "default": "#ffffff", "format": None, "label": None}  # fmt: skip
    assert panel.table.rowCount() == 3
    doc.undo_stack.undo()  # one step: the variable and its use go together
    assert doc.element("title").color == "#ffffff" and "title_color" not in doc.comp.variables
    editor = window.inspector.editors["color"]
    assert editor.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu  # Make a Variable
    window.batches.dock.raise_()
    shoot(qtbot, panel, "variables-panel")


def test_the_row_picker_shows_row_k_on_the_canvas_and_names_a_bad_row(qtbot, home, tmp_path):
    window = open_window(qtbot, tmp_path)
    panel = window.batches.panel
    rows = write_rows(tmp_path, [("One", "blue.png"), ("Two", "gone.png")],
                      header=("headline", "product"))  # fmt: skip
    qtbot.waitUntil(lambda: window.canvas.image is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: canvas_left_colour(window)[0] > 200, timeout=WAIT_MS)  # default red
    panel.load_rows(rows)
    assert panel.row_spin.value() == 1 and panel.rows_label.text() == "rows.csv: 2 rows"
    shoot(qtbot, window, "row-picker")
    qtbot.waitUntil(lambda: canvas_left_colour(window)[2] > 200, timeout=WAIT_MS)  # row 1: blue
    assert not panel.row_problems.isVisible()
    panel.row_spin.setValue(2)
    assert panel.row_problems.text().startswith(
        f"row 2: variable 'product' (element 'photo'): file {tmp_path / 'gone.png'} does not exist"
    )
    qtbot.waitUntil(lambda: canvas_left_colour(window)[0] > 200, timeout=WAIT_MS)  # defaults
    panel.row_spin.setValue(0)
    assert window.doc.preview_row is None and not window.doc.dirty  # previewing is no edit


def test_batch_render_maps_columns_shows_bad_rows_and_groups_the_jobs(qtbot, home, tmp_path):
    window = open_window(qtbot, tmp_path)
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)
    rows = write_rows(tmp_path, [("One", "blue.png"), ("Two", "gone.png"), ("Three", "red.png")])
    window.batches.panel.load_rows(rows)  # previewed in the panel: the dialog starts with it
    window.actions[ActionId.BATCH_RENDER].trigger()
    dialog = window.batches.dialog
    assert dialog.rows_edit.text() == str(rows)
    dialog.out_edit.setText(str(tmp_path / "out"))
    dialog.load_rows(rows)
    assert dialog.column_for("headline") is None  # no column of that name: the default
    dialog.set_column("headline", "title text")
    dialog.set_column("product", "picture")
    qtbot.waitUntil(lambda: dialog.bad_list.count() == 1, timeout=WAIT_MS)
    assert dialog.bad_list.item(0).text().startswith("row 2: variable 'product' (element 'photo')")
    assert not dialog.start_button.isEnabled()
    shoot(qtbot, dialog, "batch-dialog")
    dialog.skip_bad.setChecked(True)
    assert dialog.start_button.isEnabled()
    dialog.start_button.click()
    # the row picker now maps the columns as the dialog did: row 1's values on the canvas
    assert window.doc.preview_row.values == {"headline": "One", "product": "blue.png"}

    panel = window.renders.queue_panel
    qtbot.waitUntil(lambda: len(getattr(panel, "batch_items", {})) == 1, timeout=WAIT_MS)
    ((batch_id, header),) = panel.batch_items.items()
    qtbot.waitUntil(lambda: header.childCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: header.text(C_STATUS) == "2/2 done", timeout=WAIT_MS)
    assert [header.child(i).text(C_NAME) for i in range(2)] == ["Row 1 · 160x90", "Row 3 · 160x90"]
    assert {header.child(i).text(C_STATUS) for i in range(2)} == {"Done"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "promo-001.mp4",
        "promo-003.mp4",
    ]
    shoot(qtbot, panel, "queue-batch")

    panel.tree.setCurrentItem(header)  # the batch's row: Retry acts on all of it
    assert batch_queue.selected_batch(panel) == batch_id
    assert panel.cancel_button.isEnabled() is False and panel.retry_button.isEnabled() is False

    history = window.renders.history
    history.refresh()
    qtbot.waitUntil(lambda: history.batch_box.count() == 2, timeout=WAIT_MS)
    history.batch_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: history.model.total == 2 and not history.model.loading,
                    timeout=WAIT_MS)  # fmt: skip
    export = tmp_path / "batch-export.csv"
    history.export_to(export, "csv")
    qtbot.waitUntil(export.exists, timeout=WAIT_MS)
    exported = list(csv.DictReader(export.read_text().splitlines()))
    assert len(exported) == 2 and {r["batch_id"] for r in exported} == {str(batch_id)}
    assert json.loads(exported[0]["batch_row"])["values"]["headline"] in ("One", "Three")


def test_the_batch_row_cancels_and_retries_every_job_of_the_batch(qtbot, home, tmp_path):
    window = open_window(qtbot, tmp_path)
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)
    hub.queue.stop()  # the jobs wait: nothing renders them here
    rows = write_rows(tmp_path, [("A", "red.png"), ("B", "blue.png"), ("C", "red.png")],
                      header=("headline", "product"))  # fmt: skip
    dialog = window.batches.open_dialog()
    dialog.out_edit.setText(str(tmp_path / "out"))
    dialog.load_rows(rows)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=WAIT_MS)
    dialog.start_button.click()
    panel = window.renders.queue_panel
    qtbot.waitUntil(lambda: len(getattr(panel, "batch_items", {})) == 1, timeout=WAIT_MS)
    ((batch_id, header),) = panel.batch_items.items()
    qtbot.waitUntil(lambda: header.childCount() == 3, timeout=WAIT_MS)
    children = [header.child(i) for i in range(3)]
    qtbot.waitUntil(lambda: {c.text(C_STATUS) for c in children} == {"Waiting"}, timeout=WAIT_MS)

    panel.tree.setCurrentItem(children[1])  # one row: only that job
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: children[1].text(C_STATUS) == "Cancelled", timeout=WAIT_MS)
    assert children[0].text(C_STATUS) == children[2].text(C_STATUS) == "Waiting"

    panel.tree.setCurrentItem(header)  # the batch: all of its jobs
    assert panel.cancel_button.isEnabled() and panel.retry_button.isEnabled()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: {c.text(C_STATUS) for c in children} == {"Cancelled"},
                    timeout=WAIT_MS)  # fmt: skip
    # the batch's sums follow the same events (their slot runs just after the rows')
    qtbot.waitUntil(lambda: header.text(C_STATUS) == "3/3 done", timeout=WAIT_MS)
    assert header.text(2) == "3 failed"
    panel.tree.setCurrentItem(header)
    panel.retry_button.click()
    qtbot.waitUntil(lambda: {c.text(C_STATUS) for c in children} == {"Waiting"}, timeout=WAIT_MS)
    with open_local() as db:
        statuses = {j.status for j in db.jobs.list(JobQuery(batch_id=batch_id, limit=None))}
    assert statuses == {JobStatus.QUEUED}
