# ruff: noqa: F811 - the farm fixtures of test_farm_e2e, imported, are arguments here
"""Chunked farm jobs end to end: real PostgreSQL, moto's S3 server (the stand-in for the
team bucket), real FFmpeg, workers as separate ``vidgen worker`` processes.

Workers cut renders longer than 1 s into 1 s chunks (``VIDGEN_CHUNK_*``).
"""

from __future__ import annotations

import os
import signal
import subprocess

import psycopg
import pytest

from jobkit import alive, children, clip, composition, wait_for
from mediakit import decode_audio, decode_frames, has_audio_stream
from test_farm_e2e import (  # noqa: F401 - the farm fixtures
    bucket,
    desktop,
    endpoint,
    outputs,
    pg_url,
    remote,
    s3,
    team_env,
    template,
    wait_status,
    workers,
)
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.media.ffmpeg import ffmpeg_exe
from vidgen_desktop.store.team import mirror

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]
S = JobStatus
# a stall timeout that a loaded machine's slow start does not reach (the hung test: its own)
CHUNKED = {"VIDGEN_CHUNK_THRESHOLD": "1", "VIDGEN_CHUNK_SECONDS": "1",
           "VIDGEN_WORKER_STALL_TIMEOUT": "10"}  # fmt: skip
LONGER = {**CHUNKED, "VIDGEN_CHUNK_SECONDS": "2"}


def slow(tmp_path, name: str, seconds: float):
    """640×360 x264 'slow': a chunk of a second or two renders for a second or more."""
    source = clip(tmp_path, seconds, (320, 240))
    return composition(source, name=name, seconds=seconds, size=(640, 360), quality="high",
                       fps=30)  # fmt: skip


def frames_in(path) -> int:
    """The video packets in a file (each a frame), counted without decoding."""
    out = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", f"file:{path}", "-map", "0:v:0", "-c", "copy",
         "-f", "framecrc", "-"], capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return sum(1 for line in out.splitlines() if line and not line.startswith("#"))


def chunk_rows(remote, job_id):
    return [s for s in remote.timeline.steps(job_id) if s.step == "render_chunk"]


def chunk_tasks(pg_url, job_id) -> dict[str, tuple[str, int]]:
    with psycopg.connect(pg_url) as connection:
        rows = connection.execute(
            "SELECT lock, status::text, attempts FROM procrastinate_jobs WHERE lock LIKE %s",
            (f"{job_id}#%",),
        ).fetchall()
    return {lock.split("#")[1]: (status, attempts) for lock, status, attempts in rows}


def fetch_output(endpoint, bucket, job, tmp_path):
    key = job.output_path.split(f"{bucket}/", 1)[1]
    path = tmp_path / "fetched.mp4"
    path.write_bytes(s3(endpoint).get_object(Bucket=bucket, Key=key)["Body"].read())
    return path


def test_chunks_render_on_both_workers_and_join_into_one_file(
    tmp_path, desktop, workers, remote, endpoint, bucket, pg_url
):
    workers.start("a", **CHUNKED)
    workers.start("b", **CHUNKED)
    source = clip(tmp_path, 8.0)
    job = desktop.submit(composition(source, name="chunked", seconds=8.0))
    done = wait_status(remote, job.job_id, S.COMPLETED, S.FAILED, timeout=240)
    assert done.status is S.COMPLETED, done.error_message
    path = fetch_output(endpoint, bucket, done, tmp_path)
    assert len(decode_frames(path, 160, 120)) == 120  # 8 s at 15 fps, not a frame more or less
    assert has_audio_stream(path) and len(decode_audio(path)) == 8 * 48000
    # the timeline: one render step, a row per chunk under it (worker, frames, duration)
    [render] = [s for s in remote.timeline.steps(job.job_id) if s.step == "render"]
    rows = chunk_rows(remote, job.job_id)
    assert render.status == "completed" and render.details["chunks"] == 4
    assert all(r.details["parent"] == str(render.id) for r in rows)
    landed = {r.details["index"]: r for r in rows if r.status == "completed"}
    assert sorted(landed) == [0, 1, 2, 3]
    assert sum(r.details["frames"] for r in landed.values()) == 120
    assert all(r.details["worker"] in ("a", "b") and r.duration_seconds > 0 for r in rows)
    # on a loaded machine a worker may stop a chunk (its database link lost, say): that
    # chunk alone is done again
    assert all(r.error_code in ("chunk_outage", "chunk_stalled") for r in rows
               if r.status == "failed"), [(r.status, r.error_message) for r in rows]  # fmt: skip
    chunking = render.details["chunking"]
    assert chunking["frames_per_chunk"] == [30, 30, 30, 30]
    assert set(chunking["workers"]) <= {"a", "b"}
    # the pieces are removed once the job is complete: only the joined file is left
    joined = [f"vidgen/outputs/{job.job_id}/chunked.mp4"]
    wait_for(lambda: outputs(endpoint, bucket, job.job_id) == joined, timeout=20)
    assert done.progress == pytest.approx(1.0)
    # the laptop's log (its mirror of the farm job) shows the same rows
    mirror.pull_job(desktop.store, remote, job.job_id)
    assert desktop.store.jobs.get(job.job_id).status is S.COMPLETED
    local = [s for s in desktop.store.timeline.steps(job.job_id) if s.step == "render_chunk"]
    assert sorted((r.details["index"], r.details["worker"]) for r in local) == sorted(
        (r.details["index"], r.details["worker"]) for r in rows
    )


def _running_chunk(remote, job_id, worker=None):
    def found():
        for row in chunk_rows(remote, job_id):
            if row.status == "running" and (worker is None or row.details["worker"] == worker):
                return row
        return None

    return wait_for(found, timeout=60, every=0.1)


def test_a_chunk_killed_with_its_worker_is_redone_elsewhere_and_the_job_completes_once(
    tmp_path, desktop, workers, remote, endpoint, bucket, pg_url
):
    a = workers.start("a", **LONGER)
    job = desktop.submit(slow(tmp_path, "killed", 6.0))
    row = _running_chunk(remote, job.job_id, "a")
    workers.start("b", **LONGER)
    ffmpegs = children(a.pid)
    os.kill(a.pid, signal.SIGKILL)  # the worker and (parent-death signal) its FFmpeg
    a.wait(10)
    wait_for(lambda: not any(alive(pid) for pid in ffmpegs), timeout=10)
    done = wait_status(remote, job.job_id, S.COMPLETED, S.FAILED, timeout=240)
    assert done.status is S.COMPLETED, done.error_message
    assert done.attempts == 1  # the job was not started again: only the chunk was
    redone = [
        r for r in chunk_rows(remote, job.job_id) if r.details["index"] == row.details["index"]
    ]
    assert [r.details["worker"] for r in redone if r.status == "completed"] == ["b"]
    tasks = chunk_tasks(pg_url, job.job_id)
    assert tasks[f"chunk{row.details['index']}"] == ("succeeded", 2)  # tried twice
    others = [
        v for k, v in tasks.items() if k.startswith("chunk") and k != f"chunk{row.details['index']}"
    ]
    assert others and all(task == ("succeeded", 1) for task in others)  # not redone
    assert len([s for s in remote.timeline.steps(job.job_id) if s.step == "publish"]) == 1
    assert frames_in(fetch_output(endpoint, bucket, done, tmp_path)) == 180


def chunk_ffmpeg(remote, job_id, index: int) -> int:
    """The pid of the FFmpeg rendering chunk ``index`` (its worker notes it on the timeline)."""

    def noted():
        for step in remote.timeline.steps(job_id):
            if step.step == "note" and step.details.get("chunk") == index:
                return step.details["ffmpeg_pid"]
        return None

    return wait_for(noted, timeout=60, every=0.05)


def test_a_hung_chunk_is_detected_and_redone(
    tmp_path, desktop, workers, remote, endpoint, bucket, pg_url
):
    a = workers.start("a", **{**LONGER, "VIDGEN_WORKER_STALL_TIMEOUT": "5"})
    job = desktop.submit(slow(tmp_path, "hung", 6.0))
    row = _running_chunk(remote, job.job_id, "a")
    ffmpeg = chunk_ffmpeg(remote, job.job_id, row.details["index"])
    assert ffmpeg in children(a.pid)
    os.kill(ffmpeg, signal.SIGSTOP)  # the chunk's FFmpeg hangs; the worker keeps heartbeating
    workers.start("b", **LONGER)
    try:
        done = wait_status(remote, job.job_id, S.COMPLETED, S.FAILED, timeout=240)
    finally:
        if alive(ffmpeg):
            os.kill(ffmpeg, signal.SIGCONT)
    assert done.status is S.COMPLETED, done.error_message
    same = [r for r in chunk_rows(remote, job.job_id) if r.details["index"] == row.details["index"]]
    assert same[0].status == "failed" and same[0].error_code == "chunk_stalled"
    assert any(r.status == "completed" for r in same[1:])
    assert frames_in(fetch_output(endpoint, bucket, done, tmp_path)) == 180


def test_cancel_cancels_every_chunk(tmp_path, desktop, workers, remote, pg_url):
    workers.start("a", **CHUNKED)
    workers.start("b", **CHUNKED)
    job = desktop.submit(slow(tmp_path, "cancelled", 8.0))
    _running_chunk(remote, job.job_id)
    desktop.cancel(job.job_id)
    wait_status(remote, job.job_id, S.CANCELLED, timeout=20)

    def settled():
        tasks = chunk_tasks(pg_url, job.job_id)
        return tasks if all(s not in ("todo", "doing") for s, _ in tasks.values()) else None

    tasks = wait_for(settled, timeout=30, every=0.2)
    # 8 s in chunks of a second, cut on H.264's 2 s keyframe grid: four chunks
    assert len(tasks) == 4 and "join" not in tasks
    assert all(s in ("cancelled", "aborted", "succeeded") for s, _ in tasks.values()), tasks
