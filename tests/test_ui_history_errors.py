"""The history's job details show the job's error log and FFmpeg's CPU and memory (issue 19)."""

from __future__ import annotations

import os

import pytest

import uikit
from test_ui_editing import dark_palette

from PySide6.QtGui import QPalette  # isort: skip
from PySide6.QtWidgets import QApplication

from vidgen_desktop import errors
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import outcome
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import open_local
from vidgen_desktop.ui.jobs.history_details import QtJobDetails
from vidgen_desktop.ui.jobs.render_hub import RenderHub

home = uikit.home
S = JobStatus
STDERR = "[h264 @ 0x5] error while decoding MB 3 2\nConversion failed!"
SHOTS = os.environ.get("I19_SHOTS")


@pytest.fixture
def failed_twice(home):
    with open_local() as db:
        job = db.jobs.create(Composition(name="gamma reel"), status=S.QUEUED)
        for attempt in (1, 2):
            db.jobs.transition(job.id, S.PROCESSING)
            step = db.timeline.start(job.id, "render")
            db.timeline.progress(step.id, 0.4, cpu_percent=187.0, memory_mb=61.5)
            if attempt == 1:
                outcome.settle(db, job.id, errors.RenderError("the render failed", detail=STDERR))
            else:
                outcome.settle(db, job.id, errors.MediaError("clip.mp4 cannot be read"))
        return job.id


def test_details_list_each_failed_attempt_and_what_was_done(qtbot, failed_twice, qapp):
    before = QPalette(qapp.palette())
    hub = RenderHub(start_queue=False)
    hub.start()
    details = QtJobDetails()
    qtbot.addWidget(details)
    details.resize(900, 420)
    details.show()
    try:
        details.show_job(hub, failed_twice)
        qtbot.waitUntil(lambda: details.errors.topLevelItemCount() == 2, timeout=20_000)
        first, second = (details.errors.topLevelItem(i) for i in range(2))
        texts = [first.text(c) for c in range(7)]
        assert texts[1:6] == ["1", "Rendering", "render", "transient · warning",
                              "retried after 10 s"]  # fmt: skip
        assert STDERR in first.toolTip(6)  # FFmpeg's stderr tail, on hover
        assert [second.text(c) for c in (3, 5)] == ["media", "failed"]
        assert details.errors_label.text() == "Errors (2)"
        render = details.steps.topLevelItem(0)
        assert (render.text(4), render.text(5)) == ("187 %", "62 MB")
        if SHOTS:
            for palette in (dark_palette(), QApplication.style().standardPalette()):
                QApplication.setPalette(palette)
                qtbot.wait(100)
                details.grab().save(f"{SHOTS}/details-{palette.base().color().name()[1:]}.png")
        details.show_job(hub, None)
        assert not details.errors.isVisible() and details.errors.topLevelItemCount() == 0
    finally:
        qapp.setPalette(before)
        hub.shutdown()
        hub.wait_closed(20)


def test_the_editor_applies_retention_when_it_starts(qtbot, home):
    import datetime as dt

    import sqlalchemy as sa

    from vidgen_desktop.store import schema

    with open_local() as db:
        old = db.jobs.create(Composition(name="ancient"), status=S.QUEUED)
        db.jobs.transition(old.id, S.CANCELLED)
        kept = db.jobs.create(Composition(name="recent"), status=S.QUEUED)
        db.jobs.transition(kept.id, S.CANCELLED)
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)  # the default keeps 30
        with db.write() as connection:
            connection.execute(sa.update(schema.jobs).where(schema.jobs.c.id == old.id)
                               .values(created_at=long_ago, completed_at=long_ago))  # fmt: skip
    hub = RenderHub()  # the editor's: queue, relay and retention
    hub.start()
    try:
        with open_local() as db:
            qtbot.waitUntil(lambda: db.jobs.find(old.id) is None, timeout=20_000)
            assert db.jobs.find(kept.id) is not None
            assert db.audit.trail(old.id)[-1].details["rule"] == "cancelled older than 30 days"
    finally:
        hub.shutdown()
        hub.wait_closed(20)
