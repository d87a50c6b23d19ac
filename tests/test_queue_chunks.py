"""The embedded queue cutting a long render into chunks for the cores of this machine."""

from __future__ import annotations

import pytest

import jobkit
from mediakit import decode_frames
from vidgen_desktop.jobs import speed
from vidgen_desktop.jobs.chunking import ChunkPolicy, machine_jobs
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.queue.local import LocalQueue

pytestmark = pytest.mark.render


def test_a_long_job_renders_in_chunks_recorded_under_its_render_step(db, home, monkeypatch):
    monkeypatch.setattr("vidgen_desktop.jobs.service.MIN_LEARN_SECONDS", 0.0)  # learn from it
    source = jobkit.clip(home, 4.0, (160, 120))
    service = JobService(db, chunking=ChunkPolicy(jobs=2, threshold=1.0))
    queue = LocalQueue(db, service)
    comp = jobkit.composition(source, name="long", seconds=4, size=(320, 240), quality="high",
                              fps=30)  # fmt: skip
    job_id = service.submit(comp, threshold=0, output=home / "long.mp4").job_id
    assert queue.run() == 1
    job = db.jobs.get(job_id)
    assert job.status == "completed", job.error_message
    assert len(decode_frames(home / "long.mp4", 320, 240)) == 120
    steps = db.timeline.steps(job_id)
    [render] = [s for s in steps if s.step == "render"]
    rows = [s for s in steps if s.step == "render_chunk"]
    assert render.details["chunking"]["chunks"] == 2
    assert render.details["chunking"]["frames_per_chunk"] == [60, 60]
    assert sorted(r.details["index"] for r in rows) == [0, 1]
    assert all(r.details["parent"] == str(render.id) and r.status == "completed" for r in rows)
    assert all(r.details["frames"] == 60 and r.duration_seconds > 0 for r in rows)
    # the estimate has a correction of its own for chunked renders here, learned like any
    prepare = [s for s in steps if s.step == "prepare"][-1]
    assert prepare.details["encoder"] == "libx264:high|chunks2"
    assert "libx264:high|chunks2" in speed.load(db.metrics).factors


def test_the_queue_uses_the_cores_one_encoder_leaves_idle(db, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)))
    assert machine_jobs(1) == 4 and machine_jobs(2) == 2 and machine_jobs(8) == 1
    assert LocalQueue(db, concurrency=2).service.chunking.jobs == 2
