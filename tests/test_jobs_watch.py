"""Progress of a running render into the job log: one transaction per tick (real SQLite)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobkit import clip, composition
from vidgen_desktop import store
from vidgen_desktop.jobs import watch
from vidgen_desktop.jobs.events import EventFeed
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render.runner import Progress

pytestmark = pytest.mark.render  # clip() makes its media with FFmpeg


@pytest.mark.render
def test_a_progress_tick_moves_the_job_and_its_step_in_one_transaction(tmp_path):
    db = store.open_local(tmp_path / "jobs.sqlite3")
    job = db.jobs.create(composition(clip(tmp_path, 1.0)))
    db.jobs.transition(job.id, JobStatus.PROCESSING)  # progress moves only while it renders
    step = db.timeline.start(job.id, "render")
    outbox_before = _outbox(db)
    commits: list[int] = []
    sa.event.listen(db.engine, "commit", lambda connection: commits.append(1))
    recorder = watch.ProgressRecorder(db, EventFeed(), job.id, step.id)
    recorder(Progress(fraction=0.5, out_time=0.5, done=True))
    assert len(commits) == 1  # one lock, so no reader sees the job and its step disagree
    ours, render = db.jobs.get(job.id), db.timeline.get(step.id)
    assert (ours.progress, ours.current_step, render.progress) == (0.5, "render", 0.5)
    assert _outbox(db) - outbox_before <= 2  # the job row and the step row, once each
    db.close()


def _outbox(db: store.Database) -> int:
    from vidgen_desktop.store import schema

    with db.read() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(schema.outbox)).scalar()
