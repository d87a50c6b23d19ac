"""The embedded queue: concurrency, a kill -9 of `vidgen queue run`, cancel from another process."""

from __future__ import annotations

import os
import signal

import pytest

import jobkit
from vidgen_desktop.media import probe
from vidgen_desktop.queue.local import LocalQueue

pytestmark = pytest.mark.render


def rendering(db, job_id, at_least: float = 0.05):
    """The running render step once FFmpeg has made some progress, else None."""
    step = db.timeline.running(job_id)
    return (
        step if step is not None and step.step == "render" and step.progress >= at_least else None
    )


def test_two_jobs_render_at_the_same_time_at_concurrency_2(db, home):
    source = jobkit.clip(home, 4.0, (160, 120))
    queue = LocalQueue(db, concurrency=2)
    ids = [
        queue.service.submit(
            jobkit.composition(source, name=f"job{n}", seconds=4, size=(320, 240),
                               quality="standard", fps=30),
            threshold=0, output=home / f"job{n}.mp4",
        ).job_id
        for n in range(2)
    ]  # fmt: skip
    assert queue.run() == 2
    a, b = (db.jobs.get(i) for i in ids)
    assert a.status == b.status == "completed"
    assert a.started_at < b.completed_at and b.started_at < a.completed_at  # overlapping


def test_a_queued_job_survives_kill_9_of_the_queue_and_completes_once(db, home):
    target = home / "renders" / "long.mp4"
    job_id = (
        LocalQueue(db).service.submit(jobkit.slow_composition(home), threshold=0, output=target)
    ).job_id
    first = jobkit.vidgen(home / "home", "queue", "run")
    try:
        jobkit.wait_for(lambda: rendering(db, job_id))
        assert jobkit.partials(target.parent)  # killed mid-render, file half-written
        ffmpeg_pids = jobkit.children(first.pid)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    job = db.jobs.get(job_id)
    assert job.status == "processing" and job.worker_pid == first.pid
    for pid in ffmpeg_pids:  # the orphaned FFmpeg dies when its progress pipe breaks
        jobkit.wait_for(lambda pid=pid: not jobkit.alive(pid), timeout=10)

    second = jobkit.vidgen(home / "home", "queue", "run")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert f"{job_id} re-queued" in out
    assert f"{job_id} completed {target}" in out

    (job,) = db.jobs.list()
    assert job.status == "completed" and job.attempts == 2 and job.worker_pid is None
    timeline = db.timeline.steps(job_id)
    renders = [(s.status, s.error_code) for s in timeline if s.step == "render"]
    assert renders == [("failed", "worker_lost"), ("completed", None)]  # rendered once to the end
    (note,) = [s for s in timeline if s.status == "note"]
    assert f"pid {first.pid}" in note.details["message"]
    assert note.details["worker_pid"] == first.pid
    assert jobkit.partials(target.parent) == []
    assert probe.probe(target).duration == pytest.approx(12.0, abs=0.1)


def test_vidgen_jobs_cancel_stops_a_render_running_in_another_process(db, home):
    target = home / "renders" / "long.mp4"
    comp = jobkit.slow_composition(home, seconds=600)  # still rendering when the cancel comes
    job_id = (LocalQueue(db).service.submit(comp, threshold=0, output=target)).job_id
    runner = jobkit.vidgen(home / "home", "queue", "run")
    try:
        jobkit.wait_for(lambda: rendering(db, job_id))
        (ffmpeg_pid,) = jobkit.children(runner.pid)
        cancel = jobkit.vidgen(home / "home", "jobs", "cancel", str(job_id)[:8])
        out, err = cancel.communicate(timeout=30)
        assert cancel.returncode == 0, err
        assert out.strip() == f"{job_id} cancelled"
        jobkit.wait_for(lambda: not jobkit.alive(ffmpeg_pid), timeout=5)
        out, err = runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            os.kill(runner.pid, signal.SIGKILL)
            runner.communicate()
    assert runner.returncode == 0, err
    assert not target.exists() and jobkit.partials(target.parent) == []
    job = db.jobs.get(job_id)
    assert job.status == "cancelled" and job.error_message == "cancelled by the user"
    render = next(s for s in db.timeline.steps(job_id) if s.step == "render")
    assert render.status == "failed" and render.error_code == "cancelled"


def test_a_stop_right_after_start_stops_the_queue(db, home, monkeypatch):
    """An editor closed as it opens: the stop came before the queue's thread had begun, the
    thread's start undid it, and the close waited forever (the suite hung on it once)."""
    import threading
    import time

    queue = LocalQueue(db, poll_interval=0.05)
    run = queue.run

    def late_run(**kwargs):
        time.sleep(0.3)  # the thread is slow to get going: the stop comes first
        return run(**kwargs)

    monkeypatch.setattr(queue, "run", late_run)
    queue.start()
    stopper = threading.Thread(target=queue.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive(), "stop() is still waiting for a queue that kept running"
