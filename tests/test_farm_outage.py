"""The render farm while its team database goes away and comes back.

Real PostgreSQL (the outage is real: ``ALTER DATABASE … ALLOW_CONNECTIONS
false`` and ``pg_terminate_backend`` on every session), real ``vidgen worker``
processes and FFmpeg; moto's S3 server over real HTTP as the stand-in for the
team bucket (fixtures shared with test_farm_e2e).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

import test_farm_e2e as farm
from jobkit import clip, composition, wait_for
from vidgen_desktop.jobs.states import JobStatus as S
from vidgen_desktop.worker import link

template, pg_url, endpoint, bucket = farm.template, farm.pg_url, farm.endpoint, farm.bucket
team_env, workers, remote, desktop = farm.team_env, farm.workers, farm.remote, farm.desktop

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]

JOBS = 20
OUTAGE = 15.0  # seconds the team database refuses every connection


def _cut(database: str) -> None:
    farm._admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    farm._admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )


def _restore(database: str) -> None:
    farm._admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def _statuses(url: str) -> dict[str, str]:
    """Job id → status, read on a connection of its own (the pools were cut)."""
    with psycopg.connect(url) as connection:
        return {str(i): s for i, s in connection.execute("SELECT id, status FROM jobs").fetchall()}


def _publishes(url: str) -> Counter[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT job_id FROM processing_timeline WHERE step = 'publish' AND status = 'completed'"
        ).fetchall()
    return Counter(str(job_id) for (job_id,) in rows)


def test_the_farm_rides_out_a_database_outage(tmp_path, desktop, workers, pg_url, endpoint, bucket):
    database = pg_url.rsplit("/", 1)[1]
    # a stall timeout above the heartbeat's worst delay on a loaded test machine, below the
    # outage: the renders the outage stops are recovered, live workers are not taken for dead
    workers.start("a", VIDGEN_WORKER_STALL_TIMEOUT="8")
    workers.start("b", VIDGEN_WORKER_STALL_TIMEOUT="8")
    source = clip(tmp_path, 2.0)
    ids = [
        str(desktop.submit(composition(source, name=f"job{n}", seconds=2.0)).job_id)
        for n in range(JOBS)
    ]
    # cut the database once a few jobs are done and others are rendering
    wait_for(lambda: list(_statuses(pg_url).values()).count("completed") >= 3, timeout=60)
    rendering = [i for i, s in _statuses(pg_url).items() if s == "processing"]
    _cut(database)
    time.sleep(OUTAGE)
    _restore(database)

    def finished():
        found = _statuses(pg_url)
        return all(found[i] in ("completed", "failed", "cancelled") for i in ids) and found

    found = wait_for(finished, timeout=90, every=0.5)
    assert [i for i in ids if found[i] != "completed"] == [], found
    assert all(proc.poll() is None for proc in workers.procs.values()), "a worker exited"
    published = _publishes(pg_url)
    assert {i: published[i] for i in ids} == {i: 1 for i in ids}  # each published once
    for i in ids:
        assert farm.outputs(endpoint, bucket, i) == [f"vidgen/outputs/{i}/job{ids.index(i)}.mp4"]
        assert [s for s, _ in farm.procrastinate_jobs(pg_url, i)].count("succeeded") == 1
    assert rendering, "the outage came while nothing was rendering"
    for name in workers.procs:
        # one line when the database goes away and one when it is back, not one per retry
        # (nor a traceback per part that noticed): every loss is paired with its return. The
        # other worker may have rendered what was left before this one's probe, backing off
        # up to PROBE_MAX, found the database back: its line may still be on its way
        def paired(name=name):
            text = workers.log(name)
            lost, back = text.count("database unreachable"), text.count("reachable again")
            return lost == back >= 1

        with contextlib.suppress(AssertionError):
            wait_for(paired, timeout=link.PROBE_MAX * 1.2 + 15, every=0.5)
        text = workers.log(name)
        lost, back = text.count("database unreachable"), text.count("reachable again")
        assert lost == back >= 1, text
        others = "\n".join(line for line in text.splitlines() if "unreachable" not in line)
        for noise in ("worker part failed", "heartbeat not written", "ConnectorException",
                      "OperationalError", "error connecting", "Side task"):  # fmt: skip
            assert noise not in others, noise


def test_a_job_left_processing_by_a_failed_task_goes_back_to_the_queue(
    tmp_path, desktop, workers, remote, pg_url
):
    """The state the outage used to leave: the task ``failed``, the job row ``processing``."""
    job_id = desktop.submit(composition(clip(tmp_path, 1.0), name="lost", seconds=1.0)).job_id
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE lock = %s", (str(job_id),)
        )
        connection.execute(
            "UPDATE jobs SET status = 'processing', worker_pid = 999999, host = 'gone' "
            "WHERE id = %s",
            (job_id,),
        )
        connection.execute(
            "UPDATE jobs SET updated_at = now() - interval '10 seconds' WHERE id = %s", (job_id,)
        )
    workers.start("a")
    job = farm.wait_status(remote, job_id, S.COMPLETED, S.FAILED, timeout=40)
    assert job.status is S.COMPLETED, job.error_message
    assert any("ended without an outcome" in note for note in farm.notes(remote, job_id))
    assert [s for s, _ in farm.procrastinate_jobs(pg_url, job_id)] == ["failed", "succeeded"]


def test_the_shipped_unit_restarts_the_worker_whatever_its_exit_status():
    unit = Path(__file__).parent.parent / "packaging" / "vidgen-worker.service"
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read_string(unit.read_text())
    assert service["Service"]["Restart"] == "always"
    assert 1 <= float(service["Service"]["RestartSec"]) <= 60
    assert service["Unit"]["StartLimitIntervalSec"] == "0"  # systemd never gives up on it


def test_a_worker_refused_for_good_exits_with_one_line_and_status_1(tmp_path, pg_url):
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_farm_database"
    done = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "worker", "--name", "w"],
        env={**os.environ, "VIDGEN_DATABASE_URL": missing, "VIDGEN_HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "no_such_farm_database" in done.stderr and "refuses this worker" in done.stderr
    assert "Traceback" not in done.stderr
