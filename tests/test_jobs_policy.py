"""The failure policy in milliseconds: JobService over the in-memory job store, no FFmpeg.

What is decided here (retry or not, when, how a cancel from anywhere wins) is
the same code the real tiers run (test_jobs_service.py: real FFmpeg and
SQLite; test_farm_e2e.py: PostgreSQL). Compositions are text only, so nothing
is probed; the one thing substituted is the FFmpeg subprocess of the render
step: ``StandInRender`` takes ``render.engine.render_process``'s place and
does what a finished, failed or cancelled FFmpeg run does to the target file.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import RenderCancelled, RenderError, VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs.memory import MemoryQueue, MemoryStore
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import engine
from vidgen_desktop.render.runner import Progress

S = JobStatus


class StandInRender:
    """In place of the FFmpeg subprocess: ``script(self)`` runs as the render.

    It writes the target (a finished render), raises (a failed one) or waits
    for ``cancel()`` (a render stopped from elsewhere), as FFmpegProcess does.
    """

    def __init__(self, script: Callable[[StandInRender], None], target: Path,
                 on_progress: Callable[[Progress], None] | None) -> None:  # fmt: skip
        self.script, self.target, self.on_progress = script, Path(target), on_progress
        self.pid: int | None = None
        self.cancelled = threading.Event()

    def run(self) -> Path:
        self.script(self)
        if self.cancelled.is_set():
            raise RenderCancelled("the render was cancelled")
        return self.target

    def cancel(self) -> None:
        self.cancelled.set()

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(1.0, 1.0, done=True))
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.target.write_bytes(b"a finished video")


@pytest.fixture
def renders(monkeypatch):
    """The scripts the next renders run, in order (the default: finish at once)."""
    scripts: list[Callable[[StandInRender], None]] = []

    def render_process(_plan, target, *, on_progress=None):
        script = scripts.pop(0) if scripts else StandInRender.finish
        return StandInRender(script, target, on_progress)

    monkeypatch.setattr(engine, "render_process", render_process)
    return scripts


def fail_with(exc: BaseException) -> Callable[[StandInRender], None]:
    def script(_render: StandInRender) -> None:
        raise exc

    return script


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def queue() -> MemoryQueue:
    return MemoryQueue()


@pytest.fixture
def service(store, queue, tmp_path) -> JobService:
    return JobService(store, queue=queue, threshold=30, output_folder=tmp_path, learn=False)


def text(name: str = "promo") -> Composition:
    return Composition.from_data({"name": name, "output": {"width": 64, "height": 48,
        "duration": 1}, "elements": [{"id": "t", "type": "text", "text": "Sale"}]})  # fmt: skip


def queued(service: JobService, name: str = "promo"):
    answer = service.submit(text(name), threshold=0)
    assert answer.response_type == "async"
    return answer.job_id


def steps(store, job_id) -> list[tuple[str, str]]:
    return [(s.step, s.status) for s in store.timeline.steps(job_id)]


@pytest.mark.render  # the job keeps what made it: FFmpeg's build and encoders (-version)
def test_a_short_render_runs_now_and_logs_every_step(service, store, renders, tmp_path):
    answer = service.submit(text(), output=tmp_path / "promo.mp4")
    assert answer.response_type == "immediate" and answer.status == "completed"
    job = store.jobs.get(answer.job_id)
    assert job.status == S.COMPLETED and job.attempts == 1 and job.progress == 1.0
    assert job.output_url == (tmp_path / "promo.mp4").resolve().as_uri()
    assert steps(store, job.id) == [("probe", "completed"), ("prepare", "completed"),
                                    ("render", "completed"), ("publish", "completed")]  # fmt: skip


def test_missing_media_fail_for_good_at_once(service, store, queue, tmp_path):
    gone = str(tmp_path / "gone.png")
    comp = Composition.from_data({"elements": [{"id": "logo", "type": "image", "source": gone}]})
    with pytest.raises(VidgenError, match="gone.png does not exist"):
        service.submit(comp, threshold=0)
    (job,) = store.jobs.list()
    assert (job.status, job.error_code, job.attempts) == (S.FAILED, "media", 0)
    assert steps(store, job.id) == [("probe", "failed")] and queue.waiting == {}


def test_a_transient_failure_waits_the_backoff_then_gives_up_after_max_attempts(
    service, store, queue, renders
):
    job_id = queued(service)
    assert queue.waiting == {job_id: None}
    waits = failures.backoff_schedule()  # [10, 30] seconds for three tries
    for attempt, wait in enumerate(waits, start=1):
        renders.append(fail_with(RenderError("FFmpeg stopped: Broken pipe")))
        before = dt.datetime.now(dt.UTC)
        job = service.execute(store.jobs.claim_next())
        assert (job.status, job.attempts, job.error_code) == (S.QUEUED, attempt, "render")
        due = job.next_attempt_at
        assert before + dt.timedelta(seconds=wait) <= due <= dt.datetime.now(dt.UTC) + \
            dt.timedelta(seconds=wait)  # fmt: skip
        assert queue.waiting[job_id] == due  # the queue is told when, not just "again"
        assert store.jobs.claim_next(at=due - dt.timedelta(seconds=1)) is None  # not before
        assert queue.due(due - dt.timedelta(seconds=1)) == []
        note = store.timeline.steps(job_id)[-1]
        assert note.details["message"].endswith(f"trying again in {wait:.0f} s")
        queue.waiting.clear()
        store.jobs.update(job_id, next_attempt_at=None)  # time passes: due now
    renders.append(fail_with(RenderError("FFmpeg stopped: Broken pipe")))
    job = service.execute(store.jobs.claim_next())
    assert (job.status, job.attempts, job.error_code) == (S.FAILED, 3, "render")
    assert queue.waiting == {}  # given up: not handed to the queue again
    assert [s for s, st in steps(store, job_id) if st == "failed"] == ["render"] * 3


@pytest.mark.parametrize("exc, code", [
    (FileNotFoundError(2, "No such file or directory"), "file_not_found"),
    (PermissionError(13, "Permission denied"), "permission_denied"),
    (ValueError("a bug of ours"), "internal"),
])  # fmt: skip
def test_failures_that_cannot_heal_are_not_retried(service, store, queue, renders, exc, code):
    queued(service)
    queue.waiting.clear()
    renders.append(fail_with(exc))
    job = service.execute(store.jobs.claim_next())
    assert (job.status, job.error_code, job.attempts) == (S.FAILED, code, 1)
    assert queue.waiting == {} and store.jobs.claim_next() is None


def test_a_full_disk_is_retried_and_says_so(service, store, renders):
    import errno

    job_id = queued(service)
    renders.append(fail_with(OSError(errno.ENOSPC, "No space left on device")))
    job = service.execute(store.jobs.claim_next())
    assert (job.status, job.error_code) == (S.QUEUED, "disk_full")
    assert store.jobs.get(job_id).error_message == "[Errno 28] No space left on device"


def test_a_cancel_from_another_process_stops_the_render_and_stands(service, store, queue, renders):
    job_id = queued(service)
    queue.waiting.clear()

    def cancelled_elsewhere(render: StandInRender) -> None:
        store.jobs.transition(job_id, S.CANCELLED)  # `vidgen jobs cancel` in another process
        assert render.cancelled.wait(10)  # the service's watcher stops FFmpeg

    renders.append(cancelled_elsewhere)
    job = service.execute(store.jobs.claim_next())
    assert job.status == S.CANCELLED and queue.waiting == {}
    render = [s for s in store.timeline.steps(job_id) if s.step == "render"][0]
    assert (render.status, render.error_code) == ("failed", "cancelled")
    assert not list(Path(job.output_path).parent.glob("*.mp4"))


def test_a_cancel_at_the_last_moment_wins_over_the_finished_file(service, store, queue, renders):
    job_id = queued(service)
    queue.waiting.clear()

    def finished_then_cancelled(render: StandInRender) -> None:
        render.finish()
        store.jobs.transition(job_id, S.CANCELLED)  # after FFmpeg, before "completed"

    renders.append(finished_then_cancelled)
    job = service.execute(store.jobs.claim_next())
    assert job.status == S.CANCELLED
    assert not Path(job.output_path).exists()  # a cancelled job leaves no output behind
    assert queue.waiting == {}


def test_the_publish_step_completes_only_with_the_job(service, store, queue, renders):
    """A job that could not be completed after its output was published (cancelled here; a
    database lost at that moment alike) shows no completed publish step: the step and the
    job's completion are one transaction, so a re-run publishes exactly once."""
    job_id = queued(service)
    queue.waiting.clear()

    def finished_then_cancelled(render: StandInRender) -> None:
        render.finish()
        store.jobs.transition(job_id, S.CANCELLED)  # after FFmpeg, before "completed"

    renders.append(finished_then_cancelled)
    service.execute(store.jobs.claim_next())
    assert [s.status for s in store.timeline.steps(job_id) if s.step == "publish"] != ["completed"]

    second = queued(service)
    queue.waiting.clear()
    assert service.execute(store.jobs.claim_next()).status == S.COMPLETED
    (publish,) = [s for s in store.timeline.steps(second) if s.step == "publish"]
    assert publish.status == "completed" and publish.details["output_url"].startswith("file:")


def test_a_failure_of_a_job_already_cancelled_is_not_retried(service, store, queue, renders):
    job_id = queued(service)
    queue.waiting.clear()

    def cancelled_then_broke(_render: StandInRender) -> None:
        store.jobs.transition(job_id, S.CANCELLED)
        raise RenderError("FFmpeg stopped: Broken pipe")  # transient, but nobody wants it

    renders.append(cancelled_then_broke)
    job = service.execute(store.jobs.claim_next())
    assert job.status == S.CANCELLED and queue.waiting == {}
    assert store.jobs.get(job_id).error_code is None  # the cancel's record is not overwritten


def test_a_job_taken_over_by_another_worker_is_left_to_it(service, store, queue, renders):
    job_id = queued(service)
    queue.waiting.clear()

    def taken_over(_render: StandInRender) -> None:
        store.jobs.update(job_id, worker_pid=999_999)  # recovery gave it to someone else
        raise RenderError("FFmpeg stopped")

    renders.append(taken_over)
    job = service.execute(store.jobs.claim_next())
    assert (job.status, job.worker_pid) == (S.PROCESSING, 999_999) and queue.waiting == {}


def test_an_attempt_that_lost_the_job_at_the_last_moment_leaves_the_winners_output(
    service, store, queue, renders
):
    """Another attempt completed the job while this one was publishing (a worker taken for dead
    through an outage): both wrote the same output, so the loser must not delete it."""
    job_id = queued(service)
    queue.waiting.clear()

    def finished_but_completed_elsewhere(render: StandInRender) -> None:
        render.finish()
        store.jobs.transition(job_id, S.COMPLETED, output_path=str(render.target))

    renders.append(finished_but_completed_elsewhere)
    service.execute(store.jobs.claim_next())
    job = store.jobs.get(job_id)
    assert job.status == S.COMPLETED and Path(job.output_path).exists()


def test_the_user_can_cancel_waiting_work_and_retry_what_failed_or_was_cancelled(
    service, store, queue, renders
):
    job_id = queued(service)
    service.cancel(job_id)
    assert store.jobs.get(job_id).status == S.CANCELLED and queue.cancelled == [job_id]
    assert queue.waiting == {}
    with pytest.raises(VidgenError, match="nothing to cancel"):
        service.cancel(job_id)
    job = service.retry(job_id)
    assert job.status == S.QUEUED and queue.waiting == {job_id: None}
    assert service.execute(store.jobs.claim_next()).status == S.COMPLETED
    with pytest.raises(VidgenError, match="only failed or cancelled jobs retry"):
        service.retry(job_id)


def test_a_retry_after_the_last_attempt_gets_one_more(service, store, renders):
    job_id = queued(service)
    store.jobs.update(job_id, max_attempts=1)
    renders.append(fail_with(RenderError("FFmpeg stopped")))
    assert service.execute(store.jobs.claim_next()).status == S.FAILED
    job = service.retry(job_id)
    assert (job.max_attempts, job.error_code) == (2, None)
    assert service.execute(store.jobs.claim_next()).status == S.COMPLETED


def test_deleting_a_running_job_cancels_it_first(service, store, queue, renders):
    job_id = queued(service)
    store.jobs.claim_next()
    assert service.delete(job_id) is True
    assert queue.cancelled == [job_id]
    with pytest.raises(LookupError):
        store.jobs.get(job_id)
