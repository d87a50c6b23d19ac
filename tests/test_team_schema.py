"""The job log's schema on PostgreSQL: migrations, the transition guard, NOTIFY, and RLS."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import teamkit as kit
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import migrate, open_url, schema, search
from vidgen_desktop.store.team import database as team_db

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with kit.database() as url:
        yield url


@pytest.fixture
def pg_empty() -> Iterator[str]:
    with kit.database(migrated=False) as url:
        yield url


PAYLOAD_KEYS = {"table", "op", "job_id", "id", "status", "progress", "step", "updated_at"}


def _drift(url: str) -> list[object]:
    engine = team_db.make_engine(url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_name": search.include_name}
            return compare_metadata(
                MigrationContext.configure(connection, opts=opts), schema.metadata
            )
    finally:
        engine.dispose()


def test_migrations_from_empty_give_the_schema_triggers_and_views(pg_empty: str) -> None:
    assert team_db.upgrade(pg_empty) == migrate.head()
    assert _drift(pg_empty) == []
    report = team_db.inspect(pg_empty)
    assert report.ok, report.problems
    assert set(report.triggers) == set(team_db.TRIGGERS)
    assert not report.supabase and not report.row_security
    engine = team_db.make_engine(pg_empty)
    try:
        with engine.connect() as connection:
            views = set(sa.inspect(connection).get_view_names())
        assert views == set(schema.VIEWS)
    finally:
        engine.dispose()
    assert team_db.upgrade(pg_empty) == migrate.head()  # again: nothing to do


def test_the_trigger_refuses_an_illegal_transition_even_in_raw_sql(pg_url: str) -> None:
    with open_url(team_db.sqlalchemy_url(pg_url)) as db:
        job = db.jobs.create(kit.composition())
        db.jobs.transition(job.id, JobStatus.QUEUED)
    with psycopg.connect(pg_url) as connection:
        with pytest.raises(psycopg.errors.CheckViolation, match="queued -> completed"):
            connection.execute("UPDATE jobs SET status = 'completed' WHERE id = %s", (job.id,))
        connection.rollback()
        connection.execute("UPDATE jobs SET status = 'processing' WHERE id = %s", (job.id,))


def test_job_and_timeline_changes_are_notified_with_the_payload_contract(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as listener:
        listener.execute("LISTEN vidgen_events")
        with open_url(team_db.sqlalchemy_url(pg_url)) as db:
            job = db.jobs.create(kit.composition())
            db.jobs.transition(job.id, JobStatus.PROCESSING)
            step = db.timeline.start(job.id, "render")
            db.timeline.progress(step.id, 0.5)
            db.timeline.finish(step.id)
        events = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=6)]
    assert all(set(event) == PAYLOAD_KEYS for event in events)
    assert [(e["table"], e["op"], e["status"], e["step"]) for e in events] == [
        ("jobs", "INSERT", "pending", None),
        ("jobs", "UPDATE", "processing", None),
        ("processing_timeline", "INSERT", "running", "render"),
        ("jobs", "UPDATE", "processing", "render"),
        ("processing_timeline", "UPDATE", "running", "render"),
        ("processing_timeline", "UPDATE", "completed", "render"),
    ]
    assert {e["job_id"] for e in events} == {str(job.id)}
    assert events[2]["id"] == str(step.id) and events[4]["progress"] == 0.5
    assert events[0]["updated_at"].endswith("Z")


SUPABASE_AUTH = """
DO $$ BEGIN
    CREATE ROLE anon NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE ROLE authenticated NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('request.jwt.claims', true)::json ->> 'sub', '')::uuid
$$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
CREATE PUBLICATION supabase_realtime;
"""


def _as_user(connection: psycopg.Connection, role: str, claims: dict[str, object]) -> None:
    """What Supabase's API does per request: the role, and the JWT's claims as a setting."""
    connection.execute(f"SET LOCAL ROLE {role}")
    connection.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))


def test_on_supabase_a_designer_reads_only_their_own_and_their_teams_jobs(pg_empty: str) -> None:
    for statement in team_db.split_sql(SUPABASE_AUTH):
        with psycopg.connect(pg_empty, autocommit=True) as connection:
            connection.execute(statement)
    team_db.upgrade(pg_empty)  # finds auth.uid(): row level security and the publication
    assert team_db.inspect(pg_empty).row_security
    alice, bob = uuid.uuid4(), uuid.uuid4()
    with open_url(team_db.sqlalchemy_url(pg_empty)) as db:
        mine, theirs, team = (db.jobs.create(kit.composition(n)) for n in ("mine", "bobs", "team"))
        for job in (mine, theirs, team):
            db.timeline.start(job.id, "render")
    with psycopg.connect(pg_empty) as connection:
        connection.execute("UPDATE jobs SET owner_id = %s WHERE id = %s", (alice, mine.id))
        connection.execute("UPDATE jobs SET owner_id = %s WHERE id = %s", (bob, theirs.id))
        connection.execute(
            "UPDATE jobs SET owner_id = %s, team_id = 'studio' WHERE id = %s", (bob, team.id)
        )
        connection.commit()
        published = connection.execute(
            "SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'"
        ).fetchall()
        assert {row[0] for row in published} == {"jobs", "processing_timeline"}

        def visible(claims: dict[str, object], sql: str = "SELECT project_name FROM jobs") -> set:
            _as_user(connection, "authenticated", claims)
            rows = {row[0] for row in connection.execute(sql)}
            connection.rollback()
            return rows

        assert visible({"sub": str(alice)}) == {"mine"}
        assert visible({"sub": str(alice), "app_metadata": {"team_id": "studio"}}) == {
            "mine",
            "team",
        }
        assert visible({"sub": str(bob)}) == {"bobs", "team"}
        assert visible({"sub": str(uuid.uuid4())}) == set()
        steps = "SELECT j.project_name FROM processing_timeline t JOIN jobs j ON j.id = t.job_id"
        assert visible({"sub": str(alice)}, steps) == {"mine"}
        assert visible({"sub": str(alice)}, "SELECT project_name FROM job_summary") == {"mine"}
        _as_user(connection, "anon", {})
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT * FROM jobs")
