"""The job log as the platform's design has it (issue 19): the error log and its strategies,
the append-only audit trail, the live-status view, in SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import errno
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

import teamkit as kit
from vidgen_desktop import errors
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import outcome
from vidgen_desktop.jobs.memory import MemoryStore
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import Database, StoreError, migrate, open_local, open_url, schema
from vidgen_desktop.store.engine import make_engine
from vidgen_desktop.store.team import outbox
from vidgen_desktop.store.team.relay import Relay

S = JobStatus
STDERR = "[libx264 @ 0x1] broken frame\nError while filtering: Invalid data found"


pg_empty = kit.pg_empty


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with open_local(tmp_path / "jobs.sqlite3") as database:
        yield database


def _processing(store: object) -> uuid.UUID:
    job = store.jobs.create(Composition(name="promo"), status=S.QUEUED)  # type: ignore[attr-defined]
    store.jobs.transition(job.id, S.PROCESSING)  # type: ignore[attr-defined]
    store.timeline.start(job.id, "render")  # type: ignore[attr-defined]
    return job.id


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_each_failed_attempt_is_logged_with_the_strategy_the_table_chose(
    tmp_path: Path, kind: str
) -> None:
    store = open_local(tmp_path / "j.sqlite3") if kind == "sqlite" else MemoryStore()
    job_id = _processing(store)
    first = outcome.settle(store, job_id, errors.RenderError("the render failed", detail=STDERR))
    assert first.status is S.QUEUED and first.delay == 10.0
    for _ in range(2):  # two more tries, the last one is the third of three
        store.jobs.transition(job_id, S.PROCESSING)
        store.timeline.start(job_id, "render")
        last = outcome.settle(store, job_id, errors.RenderError("the render failed", detail=STDERR))
    assert last.status is S.FAILED
    rows = store.errors.list(job_id=job_id)
    assert [(r.attempt, r.strategy, r.retry_after_seconds) for r in rows] == [
        (1, "retry", 10.0), (2, "retry", 30.0), (3, "fail", None),
    ]  # fmt: skip
    assert {(r.error_code, r.error_class, r.step) for r in rows} == {
        ("render", "transient", "render")
    }
    assert [r.severity for r in rows] == ["warning", "warning", "error"]
    assert rows[0].detail == STDERR  # FFmpeg's stderr tail, whole
    assert [r.follows_from for r in rows] == [None, rows[0].id, rows[1].id]
    assert rows[0].worker.endswith(f":{__import__('os').getpid()}")


def test_a_full_disk_skips_the_worker_and_bad_input_fails_at_once(db: Database) -> None:
    full = _processing(db)
    outcome.settle(db, full, OSError(errno.ENOSPC, "No space left on device"))
    bad = _processing(db)
    outcome.settle(db, bad, errors.MediaError("clip.mp4 cannot be read"))
    crash = _processing(db)
    outcome.settle(db, crash, ZeroDivisionError("division by zero"))
    by_job = {r.job_id: r for r in db.errors.list()}
    assert (by_job[full].error_code, by_job[full].strategy) == ("disk_full", "skip_worker")
    assert by_job[full].retry_after_seconds == 10.0
    assert (by_job[bad].error_class, by_job[bad].strategy) == ("bad_input", "fail")
    assert (by_job[crash].severity, by_job[crash].strategy) == ("critical", "fail")
    assert "ZeroDivisionError" in by_job[crash].detail
    assert [r.job_id for r in db.errors.list(code="media")] == [bad]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert db.errors.list(since=later) == []


def test_the_audit_trail_records_who_did_what_and_refuses_changes(db: Database) -> None:
    job = db.jobs.create(Composition(name="promo"), status=S.QUEUED)
    outcome.cancel(db, job.id, "cancelled by the user")
    outcome.queue_again(db, job.id, "queued again by the user")
    db.audit.record(job.id, "shared", details={"expires_in": 3600})
    db.jobs.delete(job.id)
    trail = db.audit.trail(job.id)  # outlives the job
    assert [r.action for r in trail] == ["created", "cancelled", "retried", "shared", "deleted"]
    assert {r.machine for r in trail} == {__import__("socket").gethostname()}
    assert trail[0].user_name and trail[3].details == {"expires_in": 3600}
    for statement in ("UPDATE job_audit_log SET action = 'created'", "DELETE FROM job_audit_log"):
        with pytest.raises(StoreError, match="append-only"), db.write() as connection:
            connection.exec_driver_sql(statement)
    assert len(db.audit.trail(job.id)) == 5
    with pytest.raises(ValueError, match="not an audit action"):
        db.audit.record(job.id, "renamed")


def test_the_live_status_view_gives_an_eta(db: Database) -> None:
    job_id = _processing(db)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    with db.write() as connection:  # as if it had started 30 s ago
        connection.execute(
            sa.update(schema.jobs).where(schema.jobs.c.id == job_id)
            .values(started_at=started, progress=0.25)
        )  # fmt: skip
    waiting = db.jobs.create(Composition(name="next"), status=S.QUEUED, estimated_seconds=12.0)
    with db.read() as connection:
        rows = {
            r["id"]: r
            for r in connection.execute(sa.text("SELECT * FROM job_status_realtime")).mappings()
        }
    running = rows[job_id.hex]
    assert (running["status"], running["current_step"]) == ("processing", "render")
    assert running["eta_seconds"] == pytest.approx(90.0, abs=2.0)  # 30 s for a quarter
    assert rows[waiting.id.hex]["eta_seconds"] == 12.0
    assert set(running) >= {"progress", "updated_at", "output_url"}


def test_from_0006_with_data_to_0007_and_back(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    migrate.upgrade(path, "0006_search_text_index")
    engine = make_engine(path)
    job_id, now = uuid.uuid4(), dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(schema.jobs).values(
                    id=job_id, status="failed", project_name="old", composition={},
                    output_settings={}, error_code="render", created_at=now, updated_at=now,
                )
            )  # fmt: skip
    finally:
        engine.dispose()
    with open_local(path) as db:
        assert db.revision() == migrate.HEAD
        assert db.jobs.get(job_id).project_name == "old"
        outcome.queue_again(db, job_id, "again")
        with db.read() as connection:
            view = connection.exec_driver_sql("SELECT status FROM job_status_realtime").scalar()
            sent = connection.exec_driver_sql(
                "SELECT COUNT(*) FROM vidgen_outbox WHERE table_name = 'job_audit_log'"
            ).scalar()
        assert (view, sent) == ("queued", 1)  # the audit row waits for the team database
    assert migrate.downgrade(path, "0006_search_text_index") == "0006_search_text_index"
    with open_local(path, migrate_now=False) as db, db.read() as connection:
        names = set(sa.inspect(connection).get_table_names())
        # (read as SQL: the code's schema has the columns of later revisions too)
        status = connection.execute(
            sa.text("SELECT status FROM jobs WHERE id = :id"), {"id": job_id.hex}
        ).scalar()
        assert "job_audit_log" not in names and status == S.QUEUED.value


@pytest.mark.postgres
def test_postgres_has_the_view_the_error_log_and_an_append_only_trail(tmp_path: Path) -> None:
    with kit.database() as url, open_url(kit.team_db.sqlalchemy_url(url)) as team:
        job_id = _processing(team)
        outcome.settle(team, job_id, errors.RenderError("the render failed", detail=STDERR))
        assert [r.strategy for r in team.errors.list(job_id=job_id)] == ["retry"]
        with psycopg.connect(url) as connection:
            status = connection.execute(
                "SELECT status, eta_seconds FROM job_status_realtime WHERE id = %s", (job_id,)
            ).fetchone()
            assert status[0] == "queued"
            for statement in (
                "UPDATE job_audit_log SET action = 'deleted'", "DELETE FROM job_audit_log",
                "TRUNCATE job_audit_log",
            ):  # fmt: skip
                with pytest.raises(psycopg.Error, match="append-only"):
                    connection.execute(statement)
                connection.rollback()
            count = connection.execute("SELECT COUNT(*) FROM job_audit_log").fetchone()[0]
        assert count == 1  # "created", still there


@pytest.mark.postgres
def test_local_errors_and_audit_rows_reach_the_team_database_once(
    db: Database, tmp_path: Path
) -> None:
    job_id = _processing(db)
    outcome.settle(db, job_id, errors.RenderError("the render failed", detail=STDERR))
    outcome.cancel(db, job_id, "cancelled by the user")
    with kit.database() as url:
        with Relay(db, url) as relay:
            relay.drain()
        assert outbox.reseed(db) > 0  # the whole history once more, the new tables with it
        with Relay(db, url) as relay:  # sent again: nothing doubles
            relay.drain()
        with psycopg.connect(url) as connection:
            actions = connection.execute(
                "SELECT action FROM job_audit_log WHERE job_id = %s ORDER BY created_at", (job_id,)
            ).fetchall()
            logged = connection.execute(
                "SELECT error_code, strategy, detail FROM processing_error_log WHERE job_id = %s",
                (job_id,),
            ).fetchall()
    assert [a for (a,) in actions] == ["created", "cancelled"]
    assert logged == [("render", "retry", STDERR)]


@pytest.mark.postgres
def test_a_farm_jobs_errors_come_back_with_its_mirror(db: Database) -> None:
    from vidgen_desktop.store.team import mirror

    with kit.database() as url, open_url(kit.team_db.sqlalchemy_url(url)) as team:
        mine = db.jobs.create(Composition(name="farm"), route="remote")
        team.jobs.create(Composition(name="farm"), job_id=mine.id, status=S.QUEUED, route="remote")
        team.jobs.transition(mine.id, S.PROCESSING)
        team.timeline.start(mine.id, "render")
        outcome.settle(team, mine.id, errors.RenderError("the render failed", detail=STDERR))
        assert mirror.pull_job(db, team, mine.id)
        assert mirror.pull_job(db, team, mine.id) is False  # nothing new: nothing doubles
    [row] = db.errors.list(job_id=mine.id)
    assert (row.strategy, row.detail, row.step) == ("retry", STDERR, "render")
    with db.read() as connection:
        waiting = connection.exec_driver_sql(
            "SELECT COUNT(*) FROM vidgen_outbox WHERE table_name = 'processing_error_log'"
        ).scalar()
    assert waiting == 0  # a farm job's rows never travel back


@pytest.mark.postgres
def test_postgres_from_0006_with_data_to_0007_and_back() -> None:
    with kit.database(migrated=False) as url:
        engine_url = kit.team_db.sqlalchemy_url(url)
        assert migrate.upgrade(engine_url, "0006_search_text_index", supabase=False)
        job_id, now = uuid.uuid4(), dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
        with psycopg.connect(url) as connection:
            connection.execute(
                "INSERT INTO jobs (id, status, project_name, composition, output_settings, "
                "created_at, updated_at) VALUES (%s, 'completed', 'old', '{}', '{}', %s, %s)",
                (job_id, now, now),
            )
        assert migrate.upgrade(engine_url) == migrate.HEAD
        with open_url(engine_url) as team:
            assert team.jobs.get(job_id).project_name == "old"
            team.audit.record(job_id, "shared")
            with team.read() as connection:
                row = connection.exec_driver_sql(
                    "SELECT status, eta_seconds FROM job_status_realtime"
                ).one()
            assert tuple(row) == ("completed", 0)
        assert migrate.downgrade(engine_url, "0006_search_text_index")
        with psycopg.connect(url) as connection:
            left = connection.execute(
                "SELECT to_regclass('job_audit_log'), to_regclass('job_status_realtime'), "
                "to_regprocedure('vidgen_audit_append_only()'), (SELECT COUNT(*) FROM jobs)"
            ).fetchone()
        assert left == (None, None, None, 1)
        assert migrate.upgrade(engine_url) == migrate.HEAD


@pytest.mark.postgres
def test_on_supabase_the_error_log_and_trail_follow_their_job(pg_empty: str) -> None:
    import json

    from test_team_schema import SUPABASE_AUTH

    for statement in kit.team_db.split_sql(SUPABASE_AUTH):
        with psycopg.connect(pg_empty, autocommit=True) as connection:
            connection.execute(statement)
    kit.team_db.upgrade(pg_empty)  # finds auth.uid(): 0005's and 0007's row level security
    alice = uuid.uuid4()
    with open_url(kit.team_db.sqlalchemy_url(pg_empty)) as team:
        ids = [_processing(team) for _ in range(2)]
        for job_id in ids:
            outcome.settle(team, job_id, errors.RenderError("the render failed"))
    with psycopg.connect(pg_empty) as connection:
        connection.execute("UPDATE jobs SET owner_id = %s WHERE id = %s", (alice, ids[0]))
        connection.commit()
        connection.execute("SET LOCAL ROLE authenticated")
        claims = json.dumps({"sub": str(alice)})
        connection.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
        for table in ("processing_error_log", "job_audit_log", "job_status_realtime"):
            column = "id" if table == "job_status_realtime" else "job_id"
            rows = connection.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()
            assert rows == [(ids[0],)], table
        connection.rollback()
        connection.execute("SET LOCAL ROLE anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT * FROM processing_error_log")
        connection.rollback()
        connection.execute("SET LOCAL ROLE authenticated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(
                "INSERT INTO job_audit_log (id, job_id, action, created_at) "
                "VALUES (gen_random_uuid(), gen_random_uuid(), 'shared', now())"
            )


@pytest.mark.parametrize(
    ("exc", "attempts", "expected"),
    [
        (errors.RenderError("x"), 1, ("retry", 10.0, "warning")),
        (errors.RenderError("x"), 2, ("retry", 30.0, "warning")),
        (errors.RenderError("x"), 3, ("fail", None, "error")),  # the third of three
        (OSError(errno.ENOSPC, "No space left on device"), 1, ("skip_worker", 10.0, "warning")),
        (MemoryError(), 1, ("skip_worker", 10.0, "warning")),
        (errors.MediaError("x"), 1, ("fail", None, "error")),
        (errors.RenderCancelled("x"), 1, ("fail", None, "warning")),
        (KeyError("bug"), 1, ("fail", None, "critical")),
    ],
)
def test_the_failure_table_is_where_strategies_come_from(exc, attempts, expected) -> None:
    from vidgen_desktop.jobs import errors as failures

    strategy = failures.recovery(failures.classify(exc), attempts, 3)
    assert (str(strategy.action), strategy.delay, str(strategy.severity)) == expected
    said = {"retry": "retry with backoff after", "skip_worker": "skip this worker", "fail": "fail"}
    assert strategy.describe().startswith(said[expected[0]])
