"""The Render Queue panel follows the job log: jobs of other processes, retries, time left."""

from __future__ import annotations

import subprocess
import sys

import pytest

import jobkit
import uikit
from uikit import make_window

from vidgen_desktop.jobs.states import JobStatus  # isort: skip
from vidgen_desktop.store import open_local
from vidgen_desktop.ui.jobs.qt_queue import C_ETA, C_STATUS

home = uikit.home
WAIT_MS = 90_000


def vidgen(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in its own process, on the same job log."""
    return subprocess.run([sys.executable, "-m", "vidgen_desktop", *args], capture_output=True,
                          text=True, timeout=300, check=True)  # fmt: skip


def idle_window(qtbot, **kwargs):
    """The editor, its own queue stopped: the jobs below run in other processes."""
    window = make_window(qtbot, **kwargs)
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)
    hub.queue.stop()
    return window, window.renders.queue_panel


@pytest.mark.render
def test_a_job_queued_and_run_by_another_process_shows_with_its_time_left(qtbot, home, tmp_path):
    window, panel = idle_window(qtbot)
    # seconds of rendering (~5 s here, 0.9 s at 320×240): the panel reads another process's
    # jobs once a second, so a render over in less would go from Waiting to Done unseen running
    job_comp = jobkit.slow_composition(tmp_path, name="terminal job", seconds=12, size=(640, 480))
    project = jobkit.save(job_comp, tmp_path / "job.json")
    vidgen("submit", str(project), "--threshold", "0", "-o", str(tmp_path / "out.mp4"))
    with open_local() as db:
        (job,) = db.jobs.list()
    qtbot.waitUntil(lambda: panel.status_of(job.id) == "queued", timeout=WAIT_MS)
    row = panel.rows[job.id]
    assert row.name == "terminal job" and row.item.text(C_STATUS) == "Waiting"
    runner = subprocess.Popen([sys.executable, "-m", "vidgen_desktop", "queue", "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        lefts: list[str] = []

        def running() -> bool:
            if panel.status_of(job.id) == "processing":
                lefts.append(row.item.text(C_ETA))
            return len(lefts) >= 3

        qtbot.waitUntil(running, timeout=WAIT_MS)
        assert all(left.startswith("~") for left in lefts), lefts  # never empty while it runs
        qtbot.waitUntil(lambda: panel.status_of(job.id) == "completed", timeout=WAIT_MS)
        assert row.item.text(C_ETA) == "" and panel.progress_bar(job.id).value() == 100
        assert window.renders.notifier.last[0] == "Render finished"  # ended elsewhere, told here
    finally:
        runner.wait(120)


@pytest.mark.render
def test_a_retry_from_the_command_line_shows_at_once_and_stays(qtbot, home, tmp_path):
    with open_local() as db:
        job = db.jobs.create(jobkit.composition(jobkit.clip(tmp_path), name="retried"),
                             status=JobStatus.QUEUED)  # fmt: skip
        db.jobs.transition(job.id, JobStatus.PROCESSING)
        db.jobs.transition(job.id, JobStatus.FAILED, error_message="FFmpeg stopped")
    window, panel = idle_window(qtbot)
    qtbot.waitUntil(lambda: panel.status_of(job.id) == "failed", timeout=WAIT_MS)
    vidgen("jobs", "retry", str(job.id))
    qtbot.waitUntil(lambda: panel.status_of(job.id) == "queued", timeout=WAIT_MS)
    qtbot.wait(2500)  # the panel reads the log again meanwhile: the row does not go back
    assert panel.status_of(job.id) == "queued"
    assert panel.rows[job.id].item.text(C_STATUS) == "Waiting"


@pytest.mark.render
def test_a_job_read_while_its_status_moves_on_still_shows_its_time_left(qtbot, home, tmp_path):
    """The race behind a queued render showing "—" for its whole run: the row's first read
    (of the pending job, no estimate yet) was still in flight when the queued and
    processing events came; the queued event's read was skipped as a duplicate and the
    first read, older than those events, was dropped: the row never learnt the estimate."""
    from vidgen_desktop.jobs.events import JobEvent

    window, panel = idle_window(qtbot)
    panel.follow_timer.stop()  # its reads of the whole log, every second, would hide the race
    with open_local() as db:
        job = db.jobs.create(jobkit.composition(jobkit.clip(tmp_path), name="raced"))
        panel.on_event(JobEvent(job_id=job.id, kind="status", status="pending"))
        db.jobs.transition(job.id, JobStatus.QUEUED, estimated_seconds=40.0)
        db.jobs.transition(job.id, JobStatus.PROCESSING)
    # on the GUI thread: no read has landed yet when the events come (another process's)
    panel.on_event(JobEvent(job_id=job.id, kind="status", status="queued"))
    panel.on_event(JobEvent(job_id=job.id, kind="status", status="processing"))
    qtbot.waitUntil(lambda: panel.rows[job.id].item.text(C_ETA).startswith("~"), timeout=20_000)
    assert panel.rows[job.id].estimate == 40.0

    other = db.jobs.create(jobkit.composition(jobkit.clip(tmp_path), name="told"))
    # this process's own events carry the estimate: the time left shows before any read
    panel.on_event(JobEvent(job_id=other.id, kind="status", status="processing",
                            details={"estimated_seconds": 12.0}))  # fmt: skip
    assert panel.rows[other.id].item.text(C_ETA).startswith("~")


@pytest.mark.render
def test_time_left_shows_from_the_start_of_a_queued_render_here(qtbot, home, tmp_path):
    from test_ui_render import open_dialog
    from vidgen_desktop import config

    config.update(route_threshold=0)
    window = make_window(qtbot, jobkit.slow_composition(tmp_path, name="long", seconds=6))
    dialog = open_dialog(qtbot, window)
    dialog.path_edit.setText(str(tmp_path / "long.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state == "queued", timeout=WAIT_MS)
    panel, job_id = window.renders.queue_panel, dialog.job_id
    lefts: list[str] = []

    def sample() -> bool:
        status = panel.status_of(job_id)
        if status == "processing":
            lefts.append(panel.rows[job_id].item.text(C_ETA))
        return status == "completed"

    qtbot.waitUntil(sample, timeout=WAIT_MS)
    assert lefts and all(left.startswith("~") for left in lefts), lefts
