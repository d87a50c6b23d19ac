"""``vidgen jobs watch``: live progress from the job log, a line per change, the job's exit status.

The watched jobs are moved on in a real SQLite job log by this process while
``vidgen jobs watch`` runs as a separate process reading it, as it reads a
render in ``vidgen queue run`` or the editor. The terminal form is drawn into
a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from jobkit import vidgen, wait_for
from teamkit import composition
from vidgen_desktop import store
from vidgen_desktop.jobs.states import JobStatus as S


def running(db, name: str):
    job = db.jobs.create(composition(name), status=S.QUEUED)
    db.jobs.claim_next()
    return job, db.timeline.start(job.id, "render")


def test_watch_prints_each_change_and_exits_with_the_jobs_status(tmp_path):
    home = tmp_path / "home"
    with store.open_local(home / "data" / "jobs.sqlite3") as db:
        job, render = running(db, "promo")
        watch = vidgen(home, "jobs", "watch", str(job.id))
        wait_for(lambda: db.jobs.get(job.id).status is S.PROCESSING, timeout=5)
        time.sleep(3)  # the watch is up (a Python start on a busy machine)
        for fraction in (0.25, 0.5, 0.75):
            db.timeline.progress(render.id, fraction, job_id=job.id)
            time.sleep(0.8)
        db.timeline.finish(render.id)
        db.jobs.transition(job.id, S.COMPLETED, output_path=str(tmp_path / "promo.mp4"))
        out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    lines = out.splitlines()
    short = job.id.hex[:8]
    assert any(f"{short} processing render" in ln and "50.0%" in ln and "[" in ln for ln in lines)
    assert lines[-1] == f"{short} completed  {tmp_path / 'promo.mp4'}"
    assert len(lines) == len(set(lines))  # one line per change, none repeated

    with store.open_local(home / "data" / "jobs.sqlite3") as db:
        failed, step = running(db, "broken")
        db.jobs.record_error(failed.id, "render", "FFmpeg stopped", step_id=step.id)
        db.jobs.transition(failed.id, S.FAILED)
        cancelled, _ = running(db, "stopped")
        db.jobs.transition(cancelled.id, S.CANCELLED)
    both = vidgen(home, "jobs", "watch", str(failed.id), str(cancelled.id))
    out, _ = both.communicate(timeout=60)
    assert both.returncode == 1  # one failed: the worse of the two
    assert f"{failed.id.hex[:8]} failed     FFmpeg stopped" in out
    alone = vidgen(home, "jobs", "watch", str(cancelled.id))
    alone.communicate(timeout=60)
    assert alone.returncode == 2  # cancelled


def test_on_a_terminal_the_lines_are_redrawn_in_place(tmp_path):
    home = tmp_path / "home"
    with store.open_local(home / "data" / "jobs.sqlite3") as db:
        job, render = running(db, "teaser")
        db.timeline.progress(render.id, 0.4, job_id=job.id)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vidgen_desktop", "jobs", "watch", str(job.id)],
        env={**os.environ, "VIDGEN_HOME": str(home)}, stdout=follower, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 30
    while b"40.0%" not in seen and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            seen += os.read(leader, 4096)
    with store.open_local(home / "data" / "jobs.sqlite3") as db:
        db.timeline.finish(render.id)
        db.jobs.transition(job.id, S.COMPLETED)
    assert proc.wait(30) == 0
    while select.select([leader], [], [], 0.5)[0]:
        try:
            seen += os.read(leader, 4096)
        except OSError:
            break
    os.close(leader)
    text = seen.decode()
    assert "\x1b[2K" in text and "\x1b[1F" in text  # cleared and redrawn, not appended
    assert "40.0% [##########--------------]" in text and "completed" in text
