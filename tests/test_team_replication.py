"""Local job log → team database through the outbox: offline for a while, lost acks, conflicts."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import teamkit as kit
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import Database, open_local, schema
from vidgen_desktop.store.team.relay import Relay, TeamUnavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with kit.database() as url:
        yield url


def _complete(db: Database, name: str) -> uuid.UUID:
    """A job's whole life in the local log: queued, two steps with progress, completed."""
    job = db.jobs.create(kit.composition(name), status=JobStatus.QUEUED)
    db.jobs.transition(job.id, JobStatus.PROCESSING)
    probe = db.timeline.start(job.id, "probe")
    db.timeline.finish(probe.id)
    render = db.timeline.start(job.id, "render")
    for tick in (0.25, 0.5, 0.75):
        db.timeline.progress(render.id, tick)
        db.jobs.update_progress(job.id, tick)
    db.timeline.finish(render.id)
    db.jobs.mark_element(job.id, "title")
    db.storage_log.record_operation("upload", backend="local", key=f"out/{name}", job_id=job.id)
    db.jobs.transition(job.id, JobStatus.COMPLETED, output_path=f"/tmp/{name}.mp4")
    return job.id


def _remote(url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every replicated row, change numbers included (an UPDATE would change them)."""
    return {
        table: _remote(url, f"SELECT * FROM {table} ORDER BY 1")
        for table in ("jobs", "processing_timeline", "storage_operations")
    } | {"elements": _remote(url, "SELECT job_id, element_id, processed FROM elements ORDER BY 1")}


def _set_connections(url: str, allowed: bool) -> None:
    name = url.rsplit("/", 1)[1]
    kit.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    if not allowed:
        kit.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )


@pytest.fixture
def local(tmp_path: Path) -> Database:
    with open_local(tmp_path / "jobs.sqlite3") as db:
        yield db


def test_a_hundred_jobs_made_while_the_database_is_down_arrive_once(
    local: Database, pg_url: str
) -> None:
    relay = Relay(local, pg_url, batch=200)
    done = [_complete(local, f"job-{n}") for n in range(10)]
    assert relay.drain() > 0
    _set_connections(pg_url, False)  # the team database goes away…
    try:
        done += [_complete(local, f"job-{n}") for n in range(10, 100)]
        for _ in range(3):
            with pytest.raises(TeamUnavailable, match="cannot reach the team database"):
                relay.run_once()
        status = relay.status()
        assert status.failures == 3 and status.pending > 90 and status.parked == 0
    finally:
        _set_connections(pg_url, True)  # …and comes back
    stop = threading.Event()
    runner = threading.Thread(
        target=relay.run_forever, args=(stop,), kwargs={"backoff": (0.05, 0.2)}
    )
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while relay.status().pending and time.monotonic() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        runner.join()
    relay.close()
    assert relay.status().pending == 0
    rows = _remote(pg_url, "SELECT id, status, progress, output_path FROM jobs")
    assert sorted(r[0] for r in rows) == sorted(done)
    assert {(r[1], r[2]) for r in rows} == {("completed", 1.0)}
    steps = _remote(pg_url, "SELECT job_id, step, status, progress FROM processing_timeline")
    assert len(steps) == 200 and {s[2:] for s in steps} == {("completed", 1.0)}
    assert _remote(pg_url, "SELECT count(*), count(DISTINCT job_id) FROM elements") == [(100, 100)]
    assert _remote(pg_url, "SELECT count(*) FROM elements WHERE processed") == [(100,)]
    assert _remote(pg_url, "SELECT count(*) FROM storage_operations") == [(100,)]


def test_a_batch_sent_again_after_a_lost_acknowledgement_changes_nothing(
    local: Database, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _complete(local, "once")
    relay = Relay(local, pg_url)

    def lost(changes: object) -> None:
        raise ConnectionResetError("the acknowledgement was lost")

    monkeypatch.setattr(relay, "_forget", lost)
    with pytest.raises(ConnectionResetError):
        relay.run_once()  # committed remotely, still in the outbox locally
    before = _snapshot(pg_url)
    monkeypatch.undo()
    with psycopg.connect(pg_url, autocommit=True) as listener:
        listener.execute("LISTEN vidgen_events")
        assert relay.drain() > 0
        assert list(listener.notifies(timeout=0.5)) == []  # no row was even touched
    assert _snapshot(pg_url) == before
    assert relay.status().pending == 0
    relay.close()


def test_an_old_status_never_overwrites_a_newer_one_nor_trips_the_guard(
    local: Database, pg_url: str
) -> None:
    job = local.jobs.create(kit.composition(), status=JobStatus.QUEUED)
    relay = Relay(local, pg_url)
    relay.drain()
    local.jobs.transition(job.id, JobStatus.PROCESSING)
    local.jobs.update_progress(job.id, 0.4, "render")
    # Meanwhile a worker finished the job on the team database itself.
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE jobs SET status = 'processing' WHERE id = %s", (job.id,))
        connection.execute(
            "UPDATE jobs SET status = 'completed', progress = 1,"
            " updated_at = now() + interval '1 hour' WHERE id = %s",
            (job.id,),
        )
    assert relay.drain() == 1
    assert relay.status().parked == 0
    assert _remote(pg_url, "SELECT status, progress FROM jobs") == [("completed", 1.0)]
    relay.close()


def test_a_row_the_database_refuses_is_parked_and_the_rest_flows(
    local: Database, pg_url: str
) -> None:
    job = local.jobs.create(kit.composition(), status=JobStatus.QUEUED)
    relay = Relay(local, pg_url)
    relay.drain()
    kit.execute("DELETE FROM jobs", pg_url)  # the team database lost the job
    local.timeline.note(job.id, "orphan step")  # refused: its job is not there
    # routed (queued): a pending job waits in the outbox until it is (test_team_roundtrip)
    other = local.jobs.create(kit.composition("other"), status=JobStatus.QUEUED)
    assert relay.drain() == 4  # the note, the other job, its element and its "created" audit row
    status = relay.status()
    assert status.parked == 1 and status.pending == 0
    assert _remote(pg_url, "SELECT id FROM jobs") == [(other.id,)]
    with local.read() as connection:
        error = connection.execute(schema.outbox.select()).mappings().one()["error"]
    assert "foreign key" in error
    relay.close()


def test_without_a_backend_the_outbox_is_emptied_and_a_later_relay_sends_everything(
    local, pg_url, tmp_path, monkeypatch
):
    from vidgen_desktop.queue.local import LocalQueue
    from vidgen_desktop.store.team.outbox import backlog

    for variable in ("VIDGEN_DATABASE_URL", "VIDGEN_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))  # no backend in these settings
    first, second = _complete(local, "before"), _complete(local, "also before")
    assert backlog(local)[0] > 0
    LocalQueue(local).recover()  # queue start-up: nobody will ever drain it
    assert backlog(local) == (0, 0)

    with Relay(local, pg_url) as relay:  # the team backend arrives later
        relay.drain()
        relay.drain()  # the history is queued once, not on every run
    ids = {row[0] for row in _remote(pg_url, "SELECT id FROM jobs")}
    assert ids == {first, second}
    statuses = _remote(pg_url, "SELECT status FROM jobs")
    assert statuses == [("completed",), ("completed",)]
    assert len(_remote(pg_url, "SELECT id FROM processing_timeline")) == 4
    assert backlog(local) == (0, 0)


def test_with_a_backend_the_outbox_is_kept_for_the_relay(local, monkeypatch, tmp_path):
    from vidgen_desktop.queue.local import LocalQueue
    from vidgen_desktop.store.team.outbox import backlog

    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIDGEN_DATABASE_URL", "postgresql://team@127.0.0.1:1/unreachable")
    _complete(local, "waiting")
    waiting = backlog(local)[0]
    LocalQueue(local).recover()
    assert backlog(local)[0] == waiting > 0
