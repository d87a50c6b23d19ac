"""JobService on real FFmpeg renders and a real SQLite job log (under a temporary VIDGEN_HOME)."""

from __future__ import annotations

import asyncio
import threading

import pytest

import jobkit
from vidgen_desktop.errors import MediaError
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.media import probe
from vidgen_desktop.queue.local import LocalQueue

pytestmark = pytest.mark.render


def steps(db, job_id) -> list[tuple[str, str]]:
    return [(s.step, s.status) for s in db.timeline.steps(job_id)]


def test_immediate_render_returns_the_file_and_logs_every_step(db, home):
    comp = jobkit.composition(jobkit.clip(home), name="Spring promo")
    service = JobService(db, threshold=30)
    events = []
    service.subscribe(events.append)
    answer = service.submit(comp, output=home / "out" / "promo.mp4")
    assert answer.response_type == "immediate" and answer.status == "completed"
    assert answer.output_path == home / "out" / "promo.mp4"
    assert probe.probe(answer.output_path).duration == pytest.approx(1.0, abs=0.1)
    job = db.jobs.get(answer.job_id)
    assert job.status == "completed" and job.response_type == "immediate"
    assert job.route == "local" and job.threshold_seconds == 30
    assert job.estimated_seconds == pytest.approx(answer.estimate)
    assert "≤ threshold 30 s" in job.route_reason
    assert job.output_url == answer.output_path.resolve().as_uri()
    assert job.attempts == 1 and job.actual_seconds > 0
    assert steps(db, job.id) == [
        ("probe", "completed"), ("prepare", "completed"),
        ("render", "completed"), ("publish", "completed"),
    ]  # fmt: skip
    render = db.timeline.steps(job.id)[2]
    assert render.progress == 1.0 and render.details["ffmpeg_seconds"] > 0
    (element,) = db.jobs.elements(job.id)
    assert element.processed and element.probe["width"] == 96
    kinds = [e.kind for e in events]
    assert kinds[0] == "status" and "progress" in kinds
    assert events[-1].status == "completed"
    response = answer.to_response()
    assert response["status"] == "completed" and response["result"] == str(answer.output_path)


def test_async_job_is_queued_then_rendered_by_the_queue(db, home):
    comp = jobkit.composition(jobkit.clip(home), name="Long one")
    queue = LocalQueue(db)
    answer = queue.service.submit(comp, threshold=0.0, output=home / "long.mp4")
    assert answer.response_type == "async" and answer.output_path is None
    assert answer.to_response() == {
        "status": "processing", "job_id": str(answer.job_id), "estimate": answer.estimate,
    }  # fmt: skip
    job = db.jobs.get(answer.job_id)
    assert job.status == "queued" and job.response_type == "async"
    assert "> threshold 0 s" in job.route_reason
    assert not (home / "long.mp4").exists()
    assert queue.run() == 1
    job = db.jobs.get(answer.job_id)
    assert job.status == "completed" and job.attempts == 1
    assert (home / "long.mp4").is_file()
    assert [s for s, _ in steps(db, job.id)] == [
        "probe", "prepare", "probe", "prepare", "render", "publish",
    ]  # fmt: skip


async def _collect(service, job_id, out):
    async for event in service.events(job_id):
        out.append(event)
        if event.kind == "status" and event.status == "completed":
            return


def test_progress_reaches_an_async_iterator(db, home):
    comp = jobkit.composition(jobkit.clip(home))
    service = JobService(db)
    events: list = []

    async def main():
        task = asyncio.create_task(_collect(service, None, events))
        await asyncio.sleep(0)
        await asyncio.to_thread(service.submit, comp, output=home / "a.mp4")
        await asyncio.wait_for(task, 10)

    asyncio.run(main())
    assert events[-1].status == "completed"
    assert any(e.kind == "progress" for e in events)


def test_bad_input_fails_at_once_without_retry(db, home):
    comp = jobkit.composition(home / "missing.mp4")
    queue = LocalQueue(db)
    with pytest.raises(MediaError, match="missing.mp4 does not exist"):
        queue.service.submit(comp)
    (job,) = db.jobs.list()
    assert job.status == "failed" and job.error_code == "media"
    assert "missing.mp4" in job.error_message and job.attempts == 0
    (step,) = db.timeline.steps(job.id)
    assert (step.step, step.status, step.error_code) == ("probe", "failed", "media")
    assert queue.run() == 0  # nothing to retry


def test_transient_failure_is_retried_with_backoff_and_then_completes(db, home):
    """The output folder is missing (a file sits at its path) and comes back before the retry."""
    comp = jobkit.composition(jobkit.clip(home))
    blocker = home / "exports"
    blocker.write_text("not a folder yet")
    service = JobService(db, backoff=lambda attempt: 0.3 * attempt)
    queue = LocalQueue(db, service, poll_interval=0.05)
    answer = service.submit(comp, threshold=0, output=blocker / "promo.mp4")

    def fix_folder(event):
        if event.kind == "status" and event.status == "queued" and blocker.is_file():
            blocker.unlink()  # the folder becomes available, as a remounted drive would
            blocker.mkdir()

    service.subscribe(fix_folder)
    queue.run()
    job = db.jobs.get(answer.job_id)
    assert job.status == "completed" and job.attempts == 2
    assert job.error_code is None and (blocker / "promo.mp4").is_file()
    timeline = db.timeline.steps(job.id)
    failed = [s for s in timeline if s.status == "failed"]
    assert [(s.step, s.error_code) for s in failed] == [("render", "os_error")]
    notes = [s.details["message"] for s in timeline if s.status == "note"]
    assert any("trying again in 0 s" in n for n in notes)


def test_transient_failures_stop_after_max_attempts(db, home):
    comp = jobkit.composition(jobkit.clip(home))
    (home / "blocked").write_text("a file, not a folder")
    service = JobService(db, backoff=lambda attempt: 0.05)
    answer = service.submit(comp, threshold=0, output=home / "blocked" / "x.mp4")
    LocalQueue(db, service, poll_interval=0.05).run()
    job = db.jobs.get(answer.job_id)
    assert job.status == "failed" and job.attempts == job.max_attempts == 3
    assert job.error_code == "os_error"
    retried = service.retry(job.id)
    assert retried.status == "queued" and retried.max_attempts == 4


def test_cancelling_a_running_render_ends_ffmpeg_and_leaves_no_file(db, home):
    comp = jobkit.slow_composition(home, seconds=600)  # cannot finish before the cancel
    target = home / "out" / "long.mp4"
    queue = LocalQueue(db)
    answer = queue.service.submit(comp, threshold=0, output=target)
    pids: list[int] = []
    queue.service.subscribe(lambda e: pids.append(e.pid) if e.kind == "progress" else None)
    runner = threading.Thread(target=queue.run)
    runner.start()
    jobkit.wait_for(lambda: pids and pids[-1])
    pid = pids[-1]
    assert jobkit.alive(pid)
    queue.service.cancel(answer.job_id)
    runner.join(10)
    assert not runner.is_alive()
    assert not jobkit.alive(pid)
    assert not target.exists() and jobkit.partials(target.parent) == []
    job = db.jobs.get(answer.job_id)
    assert job.status == "cancelled" and job.error_code == "cancelled"
    render = next(s for s in db.timeline.steps(job.id) if s.step == "render")
    assert render.status == "failed" and render.error_code == "cancelled"


def test_cancel_and_delete_of_a_waiting_job(db, home):
    service = JobService(db)
    comp = jobkit.composition(jobkit.clip(home))
    waiting = service.submit(comp, threshold=0)
    assert service.cancel(waiting.job_id).status == "cancelled"
    assert service.retry(waiting.job_id).status == "queued"
    assert service.delete(waiting.job_id)
    assert db.jobs.list() == []
