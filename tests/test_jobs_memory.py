"""One set of job-log rules, held by both job stores: the SQLite job log and the in-memory one.

``jobs.memory.MemoryStore`` is the fast tier's store (no database); every test
here runs against it and against the real SQLite file, so the policy tests
over the in-memory store (test_jobs_policy.py) prove what the real log does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
import uuid

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.memory import MemoryStore
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus
from vidgen_desktop.store import open_local

S = JobStatus
DEAD_PID = 2**22 + 12345  # above Linux's pid_max default: no such process


@pytest.fixture(params=["memory", "sqlite"])
def store(request, home):
    if request.param == "memory":
        yield MemoryStore()
        return
    db = open_local()
    yield db
    db.close()


def comp(name: str = "promo") -> Composition:
    return Composition.from_data({"name": name, "elements": [
        {"id": "title", "type": "text", "text": "hi"}, {"id": "logo", "type": "image",
                                                       "source": "/media/logo.png"}]})  # fmt: skip


def job_in(store, status: JobStatus):
    """A new job driven to ``status`` by legal steps."""
    if status is S.QUEUED:
        return store.jobs.create(comp(), status=S.QUEUED)
    job = store.jobs.create(comp())
    path = {S.PENDING: [], S.PROCESSING: [S.PROCESSING], S.COMPLETED: [S.PROCESSING, S.COMPLETED],
            S.FAILED: [S.FAILED], S.CANCELLED: [S.CANCELLED]}[status]  # fmt: skip
    for step in path:
        job = store.jobs.transition(job.id, step)
    return job


@pytest.mark.parametrize("old, new", list(itertools.product(S, S)))
def test_every_status_change_follows_the_one_table(store, old, new):
    job = job_in(store, old)
    if states.can_transition(old, new):
        assert store.jobs.transition(job.id, new).status == new
    else:
        with pytest.raises(IllegalTransition, match=f"'{old}' to '{new}'"):
            store.jobs.transition(job.id, new)
        assert store.jobs.get(job.id).status == old and store.jobs.get(job.id) == job


def test_a_change_made_meanwhile_is_detected_not_overwritten(store):
    job = store.jobs.create(comp(), status=S.QUEUED)
    store.jobs.transition(job.id, S.CANCELLED)  # another process cancelled it
    with pytest.raises(VidgenError, match="not 'queued' any more") as raised:
        store.jobs.transition(job.id, S.PROCESSING, expected=S.QUEUED)
    assert type(raised.value).__name__ == "ConcurrentChange"
    assert store.jobs.get(job.id).status == S.CANCELLED


def test_entering_a_state_sets_what_goes_with_it(store):
    job = store.jobs.create(comp(), status=S.QUEUED)
    assert (job.attempts, job.queued_at is not None, job.started_at) == (0, True, None)
    job = store.jobs.transition(job.id, S.PROCESSING, error_code="x", error_message="old")
    assert job.attempts == 1 and job.worker_pid == os.getpid() and job.started_at is not None
    store.jobs.update_progress(job.id, 1.7, "render")  # clamped
    assert store.jobs.get(job.id).progress == 1.0
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    job = store.jobs.transition(job.id, S.QUEUED, error_code="render", next_attempt_at=due)
    assert (job.worker_pid, job.started_at, job.progress, job.current_step) == (None, None, 0, None)
    assert job.error_code == "render" and job.next_attempt_at == due
    job = store.jobs.transition(job.id, S.PROCESSING)
    assert job.attempts == 2 and job.error_code is None and job.next_attempt_at is None
    job = store.jobs.transition(job.id, S.COMPLETED, output_path="/out/x.mp4")
    assert job.progress == 1.0 and job.completed_at is not None and job.worker_pid is None
    assert job.actual_seconds is not None and job.actual_seconds >= 0
    assert job.output_path == "/out/x.mp4" and job.attempts == 2


def test_a_new_job_starts_pending_or_queued_and_only_known_fields_change(store):
    with pytest.raises(ValueError, match="not 'processing'"):
        store.jobs.create(comp(), status=S.PROCESSING)
    job = store.jobs.create(comp(), route="local")
    with pytest.raises(ValueError, match="status"):
        store.jobs.update(job.id, status="completed")
    with pytest.raises(LookupError):
        store.jobs.get(uuid.uuid4())
    with pytest.raises(LookupError):
        store.jobs.transition(uuid.uuid4(), S.QUEUED)
    assert store.jobs.update(job.id, estimated_seconds=4.5).estimated_seconds == 4.5


def test_workers_take_the_oldest_due_job_and_never_the_same_one(store):
    now = dt.datetime.now(dt.UTC)
    later = store.jobs.create(comp("later"), status=S.QUEUED)
    store.jobs.transition(later.id, S.PROCESSING)
    store.jobs.transition(later.id, S.QUEUED, next_attempt_at=now + dt.timedelta(minutes=5))
    farm = store.jobs.create(comp("farm"), status=S.QUEUED, route="remote")  # the farm's
    first = store.jobs.create(comp("first"), status=S.QUEUED)
    second = store.jobs.create(comp("second"), status=S.QUEUED)
    assert store.jobs.claim_next(worker_pid=11).id == first.id
    assert store.jobs.claim_next(worker_pid=12).id == second.id
    assert store.jobs.claim_next(worker_pid=13) is None  # "later" is not due, "farm" not ours
    taken = store.jobs.claim_next(worker_pid=13, at=now + dt.timedelta(minutes=6))
    assert taken.id == later.id and taken.attempts == 2 and taken.worker_pid == 13
    assert store.jobs.get(farm.id).status == S.QUEUED


def test_two_workers_at_once_never_render_one_job_twice(store):
    ids = {store.jobs.create(comp(f"j{n}"), status=S.QUEUED).id for n in range(20)}
    got: list[uuid.UUID] = []

    def worker(pid: int) -> None:
        while (job := store.jobs.claim_next(worker_pid=pid)) is not None:
            got.append(job.id)

    threads = [threading.Thread(target=worker, args=(pid,)) for pid in (21, 22, 23)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(got) == sorted(ids)


def test_a_job_whose_worker_died_goes_back_once_with_a_note(store):
    job = store.jobs.create(comp(), status=S.QUEUED)
    job = store.jobs.claim_next(worker_pid=DEAD_PID)
    step = store.timeline.start(job.id, "render")
    (orphan,) = store.jobs.orphans()
    assert orphan.id == job.id
    assert store.jobs.requeue_orphan(orphan, "the worker stopped") is True
    assert store.jobs.requeue_orphan(orphan, "the worker stopped") is False  # once only
    assert store.jobs.get(job.id).status == S.QUEUED and store.jobs.orphans() == []
    failed = store.timeline.get(step.id)
    assert (failed.status, failed.error_code) == ("failed", "worker_lost")
    assert store.timeline.steps(job.id)[-1].details["message"] == "the worker stopped"


def test_a_job_this_process_runs_is_not_an_orphan(store):
    job = store.jobs.create(comp(), status=S.QUEUED)
    store.jobs.claim_next()
    assert store.jobs.orphans() == [] and store.jobs.get(job.id).worker_pid == os.getpid()


def test_the_timeline_records_steps_errors_and_notes(store):
    job = store.jobs.create(comp())
    probe = store.timeline.start(job.id, "probe", details={"sources": 1})
    assert store.jobs.get(job.id).current_step == "probe"
    done = store.timeline.finish(probe.id, details={"took": 2})
    assert (done.status, done.progress) == ("completed", 1.0)
    assert done.details == {"sources": 1, "took": 2}
    render = store.timeline.start(job.id, "render")
    store.timeline.progress(render.id, 0.5, memory_mb=12.0)
    assert store.timeline.running(job.id).progress == 0.5
    failed = store.jobs.record_error(job.id, "render", "FFmpeg stopped")
    assert (failed.error_code, failed.error_message) == ("render", "FFmpeg stopped")
    assert store.timeline.get(render.id).status == "failed"
    assert store.timeline.running(job.id) is None
    store.timeline.note(job.id, "trying again", details={"attempt": 1})
    assert [(s.step, s.status) for s in store.timeline.steps(job.id)] == [
        ("probe", "completed"), ("render", "failed"), ("note", "note")]  # fmt: skip
    assert store.timeline.steps(job.id)[-1].details == {"message": "trying again", "attempt": 1}


def test_elements_and_metrics(store):
    job = store.jobs.create(comp())
    store.jobs.mark_element(job.id, "logo", processed=False, probe={"width": 64})
    store.jobs.mark_element(job.id, "nobody", processed=True)  # no such element: nothing
    assert store.metrics.get("render_speed") is None
    store.metrics.put("render_speed", 1.0, details={"v": 1})
    store.metrics.put("render_speed", 2.0, details={"v": 2})
    assert (store.metrics.get("render_speed").value, store.metrics.get("render_speed").details) \
        == (2.0, {"v": 2})  # fmt: skip
    assert store.jobs.delete(job.id) is True and store.jobs.delete(job.id) is False
    assert store.timeline.steps(job.id) == []


def test_a_cancelled_job_keeps_the_progress_it_had(store):
    job = store.jobs.create(comp(), status=S.QUEUED)
    store.jobs.claim_next()
    render = store.timeline.start(job.id, "render")
    store.timeline.progress(render.id, 0.4, job_id=job.id)
    store.jobs.transition(job.id, S.CANCELLED)
    store.timeline.progress(render.id, 1.0, job_id=job.id)  # FFmpeg's last word as it stops
    assert store.jobs.get(job.id).progress == 0.4
