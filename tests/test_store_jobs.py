from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus
from vidgen_desktop.store import (
    ConcurrentChange,
    Database,
    JobNotFound,
    StepNotFound,
    StoreError,
    open_local,
)
from vidgen_desktop.store.schema import jobs as jobs_table

S = JobStatus
# How to bring a fresh (pending) job into each state through legal moves.
PATH_TO = {
    S.PENDING: [],
    S.QUEUED: [S.QUEUED],
    S.PROCESSING: [S.PROCESSING],
    S.COMPLETED: [S.PROCESSING, S.COMPLETED],
    S.FAILED: [S.PROCESSING, S.FAILED],
    S.CANCELLED: [S.CANCELLED],
}
LEGAL = {
    (S.PENDING, S.QUEUED), (S.PENDING, S.PROCESSING), (S.PENDING, S.FAILED),
    (S.PENDING, S.CANCELLED), (S.QUEUED, S.PROCESSING), (S.QUEUED, S.CANCELLED),
    (S.PROCESSING, S.COMPLETED), (S.PROCESSING, S.FAILED), (S.PROCESSING, S.CANCELLED),
    (S.PROCESSING, S.QUEUED), (S.FAILED, S.QUEUED), (S.CANCELLED, S.QUEUED),
}  # fmt: skip
ILLEGAL = [p for p in itertools.product(JobStatus, repeat=2) if p not in LEGAL]


def composition(name: str = "Spring promo") -> Composition:
    return Composition.from_data(
        {
            "name": name,
            "output": {"width": 1280, "height": 720, "format": "webm", "quality": "high"},
            "elements": [
                {"type": "video", "id": "clip", "source": "clip.mp4", "fit": "cover",
                 "x": "10%", "y": "192px", "start": 1.5, "duration": 4, "trim_start": 2,
                 "volume": 0.5, "track": 1},
                {"type": "image", "id": "logo", "source": "logo.png", "opacity": 0.8},
                {"type": "text", "id": "title", "text": "Hello"},
                {"type": "audio", "id": "music", "source": "music.mp3", "volume": 2},
            ],
        }
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with open_local(tmp_path / "jobs.sqlite3") as database:
        yield database


def job_in(db: Database, status: JobStatus) -> uuid.UUID:
    job = db.jobs.create(composition())
    for step in PATH_TO[status]:
        db.jobs.transition(job.id, step)
    assert db.jobs.get(job.id).status is status
    return job.id


def test_create_logs_the_composition_and_one_row_per_element(db: Database) -> None:
    job_id = uuid.uuid4()
    job = db.jobs.create(
        composition(),
        job_id=job_id,
        probes={"clip": {"duration": 10.0, "width": 1920, "has_audio": True}},
        estimated_seconds=42.0,
        threshold_seconds=30.0,
        response_type="async",
        route="local",
        route_reason="estimate 42 s is above the 30 s threshold",
    )
    assert job.id == job_id and job.status is S.PENDING and job.progress == 0
    assert job.project_name == "Spring promo" and job.output_format == "webm"
    assert job.composition == composition().model_dump(mode="json")
    assert job.output_settings["quality"] == "high"
    assert (job.estimated_seconds, job.threshold_seconds) == (42.0, 30.0)
    assert (job.response_type, job.route) == ("async", "local")
    assert (job.attempts, job.max_attempts) == (0, 3)
    assert job.created_at.tzinfo is not None and job.created_at == job.updated_at
    assert job.host and job.queued_at is None
    rows = db.jobs.elements(job_id)
    assert [e.element_id for e in rows] == ["clip", "logo", "title", "music"]
    assert [e.position for e in rows] == [0, 1, 2, 3]
    clip, logo, title, music = rows
    assert (clip.type, clip.source, clip.fit, clip.track) == ("video", "clip.mp4", "cover", 1)
    assert (clip.x, clip.y, clip.width, clip.height) == ("10%", "192px", "100%", "100%")
    assert (clip.start, clip.duration, clip.trim_start, clip.volume) == (1.5, 4.0, 2.0, 0.5)
    assert clip.probe == {"duration": 10.0, "width": 1920, "has_audio": True}
    assert (logo.opacity, logo.trim_start, logo.probe, logo.processed) == (0.8, None, None, False)
    assert (title.type, title.source) == ("text", None)
    assert (music.x, music.fit, music.volume) == (None, None, 2.0)
    db.jobs.mark_element(job_id, "logo", probe={"width": 64})
    logo = db.jobs.elements(job_id)[1]
    assert logo.processed and logo.probe == {"width": 64}


def test_create_straight_into_the_queue(db: Database) -> None:
    job = db.jobs.create(composition(), status=S.QUEUED)
    assert job.status is S.QUEUED and job.queued_at == job.created_at
    with pytest.raises(ValueError, match="starts 'pending' or 'queued'"):
        db.jobs.create(composition(), status=S.PROCESSING)
    with pytest.raises(ValueError, match="cannot set job field"):
        db.jobs.create(composition(), status_text="x")


def test_get_unknown_job(db: Database) -> None:
    missing = uuid.uuid4()
    with pytest.raises(JobNotFound, match=str(missing)):
        db.jobs.get(missing)
    assert db.jobs.find(str(missing)) is None
    with pytest.raises(JobNotFound):
        db.jobs.transition(missing, S.QUEUED)
    with pytest.raises(JobNotFound):
        db.jobs.update_progress(missing, 0.5)


@pytest.mark.parametrize(("old", "new"), sorted(LEGAL))
def test_every_legal_transition_in_the_database(db: Database, old: S, new: S) -> None:
    job_id = job_in(db, old)
    job = db.jobs.transition(job_id, new)
    assert job.status is new and db.jobs.get(job_id).status is new


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_illegal_transition_raises_and_leaves_the_row_as_it_was(
    db: Database, old: S, new: S
) -> None:
    job_id = job_in(db, old)
    before = db.jobs.get(job_id)
    with pytest.raises(IllegalTransition) as caught:
        db.jobs.transition(job_id, new, output_path="/tmp/x.mp4")
    assert f"'{old}'" in str(caught.value) and f"'{new}'" in str(caught.value)
    assert db.jobs.get(job_id) == before


@pytest.mark.parametrize(("old", "new"), [p for p in ILLEGAL if p[0] != p[1]][:6])
def test_the_database_refuses_an_illegal_change_made_behind_our_back(
    db: Database, old: S, new: S
) -> None:
    job_id = job_in(db, old)
    with pytest.raises(StoreError, match="illegal job transition"), db.write() as connection:
        connection.execute(
            sa.update(jobs_table).where(jobs_table.c.id == job_id).values(status=str(new))
        )
    assert db.jobs.get(job_id).status is old


def test_expected_status_detects_a_concurrent_change(db: Database) -> None:
    job_id = job_in(db, S.QUEUED)
    db.jobs.transition(job_id, S.CANCELLED)  # meanwhile, someone else cancels it
    with pytest.raises(ConcurrentChange, match="'cancelled', not 'queued'"):
        db.jobs.transition(job_id, S.PROCESSING, expected=S.QUEUED)
    assert db.jobs.get(job_id).status is S.CANCELLED


def test_timestamps_worker_and_attempts_follow_the_state(db: Database) -> None:
    t0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    job = db.jobs.create(composition(), at=t0)
    job = db.jobs.transition(job.id, S.QUEUED, at=t0 + dt.timedelta(seconds=1))
    assert job.queued_at == t0 + dt.timedelta(seconds=1) and job.updated_at == job.queued_at
    job = db.jobs.transition(job.id, S.PROCESSING, at=t0 + dt.timedelta(seconds=2), worker_pid=7)
    assert (job.worker_pid, job.attempts, job.started_at) == (7, 1, t0 + dt.timedelta(seconds=2))
    db.jobs.update_progress(job.id, 1.7, current_step="render")
    assert (db.jobs.get(job.id).progress, db.jobs.get(job.id).current_step) == (1.0, "render")
    job = db.jobs.transition(
        job.id, S.COMPLETED, at=t0 + dt.timedelta(seconds=12), output_path="/r/promo.mp4"
    )
    assert (job.progress, job.worker_pid, job.current_step) == (1.0, None, None)
    assert (job.actual_seconds, job.output_path) == (10.0, "/r/promo.mp4")
    assert job.completed_at == t0 + dt.timedelta(seconds=12)


def test_retry_after_failure_requeues_with_a_fresh_attempt(db: Database) -> None:
    job_id = job_in(db, S.PROCESSING)
    db.jobs.record_error(job_id, "render", "FFmpeg stopped")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    failed = db.jobs.transition(job_id, S.FAILED)
    assert (failed.error_code, failed.completed_at is not None) == ("render", True)
    queued = db.jobs.transition(job_id, S.QUEUED, next_attempt_at=later)
    assert queued.next_attempt_at == later and queued.completed_at is None
    assert queued.error_message == "FFmpeg stopped"  # why it is waiting
    running = db.jobs.transition(job_id, S.PROCESSING)
    assert (running.attempts, running.error_code, running.next_attempt_at) == (2, None, None)
    assert db.jobs.increment_attempts(job_id) == 3


def test_update_sets_fields_but_never_the_status(db: Database) -> None:
    job_id = job_in(db, S.PENDING)
    job = db.jobs.update(job_id, estimated_seconds=12.5, route="local", response_type="immediate")
    assert (job.estimated_seconds, job.route, job.response_type) == (12.5, "local", "immediate")
    with pytest.raises(ValueError, match="status"):
        db.jobs.update(job_id, status="completed")
    with pytest.raises(StoreError, match="refused"):
        db.jobs.update(job_id, route="moon")  # the CHECK constraint


def test_timeline_steps(db: Database) -> None:
    job_id = job_in(db, S.PROCESSING)
    t0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    probe = db.timeline.start(job_id, "probe", at=t0, details={"files": 3})
    assert (probe.status, probe.progress, probe.ended_at) == ("running", 0.0, None)
    assert db.jobs.get(job_id).current_step == "probe"
    db.timeline.progress(probe.id, 0.5, cpu_percent=80.0, memory_mb=512.0)
    done = db.timeline.finish(probe.id, details={"streams": 5}, at=t0 + dt.timedelta(seconds=2))
    assert (done.status, done.progress, done.duration_seconds) == ("completed", 1.0, 2.0)
    assert (done.details, done.cpu_percent, done.memory_mb) == ({"files": 3, "streams": 5}, 80, 512)
    render = db.timeline.start(job_id, "render", at=t0 + dt.timedelta(seconds=3))
    assert db.timeline.running(job_id) == render
    failed = db.timeline.fail(render.id, "render", "FFmpeg stopped", at=t0 + dt.timedelta(4))
    assert (failed.status, failed.error_code, failed.error_message) == (
        "failed",
        "render",
        "FFmpeg stopped",
    )
    note = db.timeline.note(job_id, "retrying", details={"attempt": 2}, at=t0 + dt.timedelta(5))
    assert (note.step, note.status, note.duration_seconds) == ("note", "note", 0.0)
    assert note.details == {"message": "retrying", "attempt": 2}
    assert [s.step for s in db.timeline.steps(job_id)] == ["probe", "render", "note"]
    with pytest.raises(StepNotFound):
        db.timeline.progress(uuid.uuid4(), 0.1)


def test_record_error_marks_the_job_and_the_failing_step(db: Database) -> None:
    job_id = job_in(db, S.PROCESSING)
    done = db.timeline.start(job_id, "probe")
    db.timeline.finish(done.id)
    render = db.timeline.start(job_id, "render")
    job = db.jobs.record_error(job_id, "disk_full", "The disk is full")
    assert (job.error_code, job.error_message) == ("disk_full", "The disk is full")
    step = db.timeline.get(render.id)
    assert (step.status, step.error_code, step.error_message) == (
        "failed",
        "disk_full",
        "The disk is full",
    )
    assert step.ended_at is not None and db.timeline.get(done.id).status == "completed"


def test_delete_cascades_to_elements_and_timeline(db: Database) -> None:
    job_id = job_in(db, S.PROCESSING)
    db.timeline.start(job_id, "render")
    assert db.jobs.delete(job_id) is True
    assert db.jobs.delete(job_id) is False
    assert db.jobs.elements(job_id) == [] and db.timeline.steps(job_id) == []


def test_claim_takes_the_oldest_due_job_and_counts_an_attempt(db: Database) -> None:
    t0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    first = db.jobs.create(composition("first"), status=S.QUEUED, at=t0)
    waiting = db.jobs.create(composition("backoff"), status=S.QUEUED, at=t0 - dt.timedelta(1))
    db.jobs.update(waiting.id, next_attempt_at=t0 + dt.timedelta(minutes=5))
    second = db.jobs.create(composition("second"), status=S.QUEUED, at=t0 + dt.timedelta(1))
    now = t0 + dt.timedelta(minutes=1)
    claimed = db.jobs.claim_next(4242, at=now)
    assert claimed is not None and claimed.id == first.id
    assert (claimed.status, claimed.worker_pid, claimed.attempts) == (S.PROCESSING, 4242, 1)
    assert db.jobs.claim_next(4243, at=now).id == second.id
    assert db.jobs.claim_next(4244, at=now) is None
    assert db.jobs.claim_next(4244, at=t0 + dt.timedelta(minutes=6)).id == waiting.id


def test_orphans_are_found_and_requeued_once(db: Database) -> None:
    dead, alive = 999_999_991, os.getpid()
    orphan = db.jobs.create(composition("orphan"), status=S.QUEUED)
    db.jobs.claim_next(dead)
    running = db.jobs.create(composition("running"), status=S.QUEUED)
    db.jobs.claim_next(alive)
    remote = job_in(db, S.PROCESSING)
    db.jobs.update(remote, route="remote", worker_pid=dead)
    other_host = job_in(db, S.PROCESSING)
    db.jobs.update(other_host, host="farm-7", worker_pid=dead)
    step = db.timeline.start(orphan.id, "render")

    found = db.jobs.orphans(alive=lambda pid: pid == alive)
    assert [job.id for job in found] == [orphan.id]
    assert db.jobs.get(running.id).status is S.PROCESSING
    assert db.jobs.requeue_orphan(found[0], "put back in the queue: its worker stopped") is True
    assert db.jobs.requeue_orphan(found[0], "again") is False  # someone got there first
    job = db.jobs.get(orphan.id)
    assert (job.status, job.worker_pid, job.attempts) == (S.QUEUED, None, 1)
    steps = db.timeline.steps(orphan.id)
    assert [(s.step, s.status) for s in steps] == [("render", "failed"), ("note", "note")]
    assert steps[0].id == step.id and steps[0].error_code == "worker_lost"
    assert steps[1].details == {
        "message": "put back in the queue: its worker stopped",
        "worker_pid": dead,
    }
    assert db.jobs.orphans() == []  # with the real liveness check: the dead pid is requeued


def test_records_are_frozen_and_evolve(db: Database) -> None:
    job = db.jobs.get(job_in(db, S.PENDING))
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.progress = 0.5  # type: ignore[misc]
    assert job.evolve(progress=0.5).progress == 0.5
    assert job.to_dict()["id"] == str(job.id) and job.to_dict()["status"] == "pending"


def test_metrics_keep_history_and_return_the_newest(db: Database) -> None:
    t0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert db.metrics.get("render_speed") is None
    db.metrics.put("render_speed", 2.0, unit="Mpx/s", details={"source": "calibrate"}, at=t0)
    db.metrics.put("render_speed", 2.5, unit="Mpx/s", at=t0 + dt.timedelta(hours=1))
    db.metrics.put("render_speed", 9.0, unit="Mpx/s", host="farm-7", at=t0)
    newest = db.metrics.get("render_speed")
    assert newest is not None and (newest.value, newest.unit) == (2.5, "Mpx/s")
    history = db.metrics.history("render_speed")
    assert [m.value for m in history] == [2.5, 2.0]
    assert history[1].details == {"source": "calibrate"} and history[1].recorded_at == t0
    assert db.metrics.get("render_speed", host="farm-7").value == 9.0


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        db.jobs.create(composition(), at=dt.datetime(2025, 1, 1))
