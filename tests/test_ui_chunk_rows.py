"""The job details show a chunked render's chunks under its render step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import uikit
from test_ui_editing import dark_palette

from PySide6.QtGui import QPalette  # isort: skip
from PySide6.QtWidgets import QApplication, QStyleFactory

from vidgen_desktop.composition.model import Composition, Output, TextElement
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import open_local
from vidgen_desktop.ui.jobs.history_details import QtJobDetails

home = uikit.home
S = JobStatus


@pytest.fixture(autouse=True)
def _palette_restored(qapp):
    before = QPalette(qapp.palette())
    yield
    qapp.setPalette(before)


def test_chunk_rows_sit_under_the_render_step_with_worker_and_frames(qtbot, home):
    comp = Composition(name="long", output=Output(width=160, height=120, duration=60),
                       elements=[TextElement(id="t", text="x")])  # fmt: skip
    with open_local() as db:
        job = db.jobs.create(comp, status=S.QUEUED)
        db.jobs.transition(job.id, S.PROCESSING)
        render = db.timeline.start(job.id, "render", details={"chunks": 2})
        for n, worker in enumerate(("render-a", "render-b")):
            row = db.timeline.start(job.id, "render_chunk", details={
                "parent": str(render.id), "index": n, "count": 2, "first": 900 * n,
                "end": 900 * (n + 1), "frames": 900, "worker": worker})  # fmt: skip
            db.timeline.finish(row.id, details={"seconds": 12.5})
        db.timeline.finish(render.id)
        steps, record = db.timeline.steps(job.id), db.jobs.get(job.id)
    view = QtJobDetails()
    view.setStyle(QStyleFactory.create("Fusion"))  # the app's style, which follows the palette
    qtbot.addWidget(view)
    view.resize(760, 260)
    view.job_id = job.id
    view._shown(job.id, (record, steps, [], []), None)  # job, steps, errors, shares
    tree = view.steps
    [top] = [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]
    assert top.text(0) == "Rendering" and top.childCount() == 2 and top.isExpanded()
    assert top.child(0).text(0) == "Chunk 1 of 2 · frames 0–899 · render-a"
    assert top.child(1).text(0) == "Chunk 2 of 2 · frames 900–1799 · render-b"
    assert top.child(1).text(1) == "completed"
    assert top.child(1).text(6) == "frames=900, seconds=12.5"  # Details; not repeating the name
    shots = os.environ.get("I14_SHOTS")
    for name, palette in (
        ("dark", dark_palette()),
        ("light", QApplication.style().standardPalette()),
    ):
        QApplication.instance().setPalette(palette)
        view.setPalette(palette)
        view.show()
        qtbot.waitExposed(view)
        if shots:
            view.grab().save(str(Path(shots) / f"chunk_rows_{name}.png"))
