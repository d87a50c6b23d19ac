"""The job history panel: filter, page, details, retry, bulk delete, export, analytics."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

import uikit
from uikit import make_window

from PySide6.QtCore import QItemSelectionModel  # isort: skip
from PySide6.QtWidgets import QFileDialog

from vidgen_desktop.composition.model import Composition, Output, TextElement
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import open_local
from vidgen_desktop.ui.jobs import history_model

home = uikit.home
WAIT_MS = 30_000
S = JobStatus


def comp(name: str) -> Composition:
    text = TextElement(id="t", text=name, width="50%", height="20%")
    return Composition(name=name, output=Output(width=160, height=120, duration=1), elements=[text])


@pytest.fixture
def jobs(home):
    """Five jobs in the log: three finished, one failed, one cancelled, over two days."""
    now = dt.datetime.now(dt.UTC)
    made = {}
    with open_local() as db:
        for name, end, days_ago in (
            ("alpha promo", S.COMPLETED, 0),
            ("beta teaser", S.COMPLETED, 0),
            ("gamma reel", S.FAILED, 1),
            ("delta intro", S.CANCELLED, 0),
            ("alpha cutdown", S.COMPLETED, 1),
        ):
            at = now - dt.timedelta(days=days_ago, minutes=len(made))
            job = db.jobs.create(comp(name), status=S.QUEUED, at=at, estimated_seconds=2.0)
            if end is not S.CANCELLED:
                db.jobs.transition(job.id, S.PROCESSING, at=at + dt.timedelta(seconds=1))
            extra = {"error_message": "FFmpeg stopped"} if end is S.FAILED else {}
            db.jobs.transition(job.id, end, at=at + dt.timedelta(seconds=3.5), **extra)
            made[name] = job.id
    return made


def history(qtbot, window):
    panel = window.renders.history
    qtbot.waitUntil(lambda: panel.model.total > 0 and not panel.model.loading, timeout=WAIT_MS)
    return panel


def names(panel) -> list[str]:
    return [job.project_name for job in panel.model.rows]


def wait_total(qtbot, panel, total: int) -> None:
    qtbot.waitUntil(lambda: panel.model.total == total and not panel.model.loading, timeout=WAIT_MS)


def test_history_lists_filters_and_sorts(qtbot, jobs):
    window = make_window(qtbot)
    panel = history(qtbot, window)
    assert panel.model.total == 5
    assert names(panel)[0] == "alpha promo"  # newest first
    assert "of 5 jobs" in panel.page_label.text()
    panel.search.setText("alpha")
    panel.apply_filter()
    wait_total(qtbot, panel, 2)
    assert sorted(names(panel)) == ["alpha cutdown", "alpha promo"]
    panel.search.setText("")
    panel.status_box.setCurrentIndex(panel.status_box.findData(S.FAILED))
    wait_total(qtbot, panel, 1)
    assert names(panel) == ["gamma reel"]
    panel.status_box.setCurrentIndex(0)
    panel.range_box.setCurrentIndex(1)  # today
    wait_total(qtbot, panel, 3)
    assert set(names(panel)) == {"alpha promo", "beta teaser", "delta intro"}
    panel.range_box.setCurrentIndex(0)
    wait_total(qtbot, panel, 5)
    panel.table.sortByColumn(0, panel.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    qtbot.waitUntil(lambda: names(panel)[0] == "alpha cutdown", timeout=WAIT_MS)
    assert names(panel) == sorted(names(panel))


def test_history_pages_without_loading_everything(qtbot, jobs, monkeypatch):
    monkeypatch.setattr(history_model, "PAGE_SIZE", 2)
    window = make_window(qtbot)
    panel = history(qtbot, window)
    assert len(panel.model.rows) == 2 and panel.model.pages == 3
    seen = list(names(panel))
    for _ in range(2):
        panel.next_button.click()
        qtbot.waitUntil(lambda: not panel.model.loading, timeout=WAIT_MS)
        seen += names(panel)
    assert not panel.next_button.isEnabled()
    assert sorted(seen) == sorted(jobs)


def test_details_show_the_step_timeline(qtbot, jobs):
    window = make_window(qtbot)
    panel = history(qtbot, window)
    panel.table.selectRow(names(panel).index("gamma reel"))
    details = panel.details
    qtbot.waitUntil(lambda: "gamma reel" in details.summary.text(), timeout=WAIT_MS)
    assert "FFmpeg stopped" in details.summary.text()
    assert panel.retry_button.isEnabled()
    panel.refresh()  # a job ends elsewhere, the log opens…: the list is read again
    qtbot.waitUntil(lambda: not panel.model.loading, timeout=WAIT_MS)
    assert [job.project_name for job in panel.selected_jobs()] == ["gamma reel"]
    assert "gamma reel" in details.summary.text() and panel.retry_button.isEnabled()


def test_retry_and_bulk_delete(qtbot, jobs):
    window = make_window(qtbot)
    panel = history(qtbot, window)
    window.renders.hub.queue.stop()  # keep the retried job waiting
    panel.table.selectRow(names(panel).index("gamma reel"))
    panel.retry_button.click()
    qtbot.waitUntil(
        lambda: any(j.project_name == "gamma reel" and j.status == S.QUEUED
                    for j in panel.model.rows),
        timeout=WAIT_MS,
    )  # fmt: skip
    selection = panel.table.selectionModel()
    selection.clearSelection()
    for name in ("beta teaser", "delta intro"):
        index = panel.model.index(names(panel).index(name), 0)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection.select(index, flags)
    assert panel.delete_button.text() == "Delete 2"
    asked = []
    panel.confirm = lambda text: asked.append(text) or True
    panel.delete_button.click()
    wait_total(qtbot, panel, 3)
    assert "2 jobs" in asked[0]
    assert set(names(panel)) == {"alpha promo", "gamma reel", "alpha cutdown"}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_writes_the_filtered_jobs(qtbot, jobs, tmp_path, monkeypatch, fmt):
    window = make_window(qtbot)
    panel = history(qtbot, window)
    panel.search.setText("alpha")
    panel.apply_filter()
    wait_total(qtbot, panel, 2)
    target = tmp_path / f"jobs.{fmt}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(panel.exported, timeout=WAIT_MS) as blocker:
        panel.export_button.click()
    assert blocker.args == [2, str(target)]
    if fmt == "json":
        rows = json.loads(target.read_text())
        assert {r["project_name"] for r in rows} == {"alpha promo", "alpha cutdown"}
        assert {r["id"] for r in rows} == {str(jobs["alpha promo"]), str(jobs["alpha cutdown"])}
        assert all(r["status"] == "completed" and r["timeline"] is not None for r in rows)
    else:
        with target.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert [r["project_name"] for r in rows] == ["alpha promo", "alpha cutdown"]
        assert rows[0]["estimated_seconds"] == "2.0" and rows[0]["status"] == "completed"


def test_analytics_chart_the_log(qtbot, jobs):
    window = make_window(qtbot)
    panel = history(qtbot, window)
    panel.tabs.setCurrentIndex(1)
    view = panel.analytics
    qtbot.waitUntil(lambda: view.data is not None, timeout=WAIT_MS)
    data = view.data
    assert data.total == 5
    assert sum(data.completed) == 3 and sum(data.failed) == 1 and sum(data.other) == 1
    assert data.completed[-1] == 2 and data.failed[-2] == 1  # today, yesterday
    assert data.success_rate == pytest.approx(0.75)
    assert len(data.points) == 3 and all(e == 2.0 for e, _ in data.points)
    assert "5 jobs" in view.summary.text() and "75 %" in view.summary.text()
    assert view.per_day.has_data() and view.success.has_data() and view.accuracy.has_data()
    image = view.grab()  # the charts paint without errors
    assert not image.isNull()


def test_analytics_never_says_no_jobs_while_the_log_has_some(qtbot, home):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    with open_local() as db:
        for n in range(3):
            job = db.jobs.create(comp(f"old {n}"), status=S.QUEUED, at=long_ago)
            db.jobs.transition(job.id, S.PROCESSING, at=long_ago)
            db.jobs.transition(job.id, S.COMPLETED, at=long_ago + dt.timedelta(seconds=3))
    window = make_window(qtbot)
    panel = window.renders.history
    window.renders.history_dock.show()
    window.renders.history_dock.raise_()
    panel.tabs.setCurrentIndex(1)
    view = panel.analytics
    assert view.per_day.empty_text in ("Reading the job log…", "Preparing the job log…")
    qtbot.waitUntil(lambda: view.data is not None, timeout=WAIT_MS)
    assert view.data.in_log == 3 and view.data.total == 0  # all before the 14 days shown
    assert not view.per_day.has_data()
    assert view.per_day.empty_text == "No jobs in the last 14 days (3 in the log)"
    assert view.summary.text().startswith("0 jobs (3 older)")
    # a render finishing while the tab is shown updates it
    with open_local() as db:
        db.jobs.create(comp("new"), status=S.QUEUED)
    panel.tabs.setCurrentIndex(0)
    panel.tabs.setCurrentIndex(1)  # shown again: read again
    qtbot.waitUntil(lambda: view.data.total == 1, timeout=WAIT_MS)
    assert view.per_day.has_data()
