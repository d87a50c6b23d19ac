"""Several processes and threads on one SQLite file, as the GUI, CLI and workers are."""

from __future__ import annotations

import collections
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import open_local

JOBS = 60
WORKERS = 4

CLAIMER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from vidgen_desktop.store import open_local

    db_path, go = Path(sys.argv[1]), Path(sys.argv[2])
    with open_local(db_path) as db:
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.005)
        while (job := db.jobs.claim_next(os.getpid())) is not None:
            db.jobs.update_progress(job.id, 0.5, current_step="render")
            print(job.id, flush=True)
    """
)


def _queue_jobs(path: Path, count: int) -> set[uuid.UUID]:
    composition = Composition.from_data({"name": "busy"})
    with open_local(path) as db:
        return {db.jobs.create(composition, status=JobStatus.QUEUED).id for _ in range(count)}


def test_processes_never_claim_the_same_job(tmp_path: Path) -> None:
    path, go = tmp_path / "jobs.sqlite3", tmp_path / "go"
    queued = _queue_jobs(path, JOBS)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(path), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    go.touch()  # all start claiming at once
    claims: dict[int, list[uuid.UUID]] = {}
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        claims[worker.pid] = [uuid.UUID(line) for line in out.split()]

    everything = [job_id for ids in claims.values() for job_id in ids]
    assert len(everything) == len(set(everything)) == JOBS
    assert set(everything) == queued
    with open_local(path) as db:
        for pid, ids in claims.items():
            for job_id in ids:
                job = db.jobs.get(job_id)
                assert (job.status, job.worker_pid, job.attempts) == (JobStatus.PROCESSING, pid, 1)
                assert job.current_step == "render"


def test_threads_sharing_one_database_never_claim_the_same_job(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    queued = _queue_jobs(path, JOBS)
    claimed: collections.Counter[uuid.UUID] = collections.Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    with open_local(path) as db:
        barrier = threading.Barrier(WORKERS)

        def work(worker_pid: int) -> None:
            try:
                barrier.wait()
                while (job := db.jobs.claim_next(worker_pid)) is not None:
                    db.timeline.note(job.id, "claimed", details={"by": worker_pid})
                    with lock:
                        claimed[job.id] += 1
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, WORKERS + 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert set(claimed) == queued and set(claimed.values()) == {1}
        assert db.jobs.count() == JOBS
