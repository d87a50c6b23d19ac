"""Row level security and privileges under Supabase's default privileges, on the local PostgreSQL.

A database is set up as Supabase sets one up: the roles ``anon`` and
``authenticated``, an ``auth`` schema with ``auth.uid()`` / ``auth.jwt()``
reading the request's JWT claims (as PostgREST sets them), USAGE and CREATE
on the public schema, and the ``postgres`` role's default privileges granting
ALL on every new table, sequence and function to both roles. Then Vidgen's
schema (``vidgen db upgrade --remote``) and procrastinate's (the first worker)
are applied, and each case is tried as each role.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from psycopg import errors as pg_errors

from teamkit import composition, database
from vidgen_desktop.queue import farm
from vidgen_desktop.store import open_url
from vidgen_desktop.store.team import database as team_db
from vidgen_desktop.store import migrate

pytestmark = pytest.mark.postgres

ROLES = ("anon", "authenticated")
SUPABASE_DEFAULTS = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN;
    END IF;
END $$;
CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
    $$ SELECT coalesce(current_setting('request.jwt.claims', true)::jsonb, '{}'::jsonb) $$;
GRANT USAGE ON SCHEMA auth TO anon, authenticated;
GRANT USAGE, CREATE ON SCHEMA public TO anon, authenticated;
""" + "".join(
    f"ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public "
    f"GRANT ALL ON {kind} TO anon, authenticated;\n"
    for kind in ("TABLES", "SEQUENCES", "FUNCTIONS")
)
REFUSED = {  # what neither role may do
    "read procrastinate's jobs": "SELECT count(*) FROM procrastinate_jobs",
    "read procrastinate's events": "SELECT count(*) FROM procrastinate_events",
    "queue a render task": "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
    "VALUES ('vidgen-render', 'vidgen.render', '{\"job_id\": \"x\"}')",
    "wipe the timeline": "TRUNCATE processing_timeline",
    "wipe the jobs": "TRUNCATE jobs CASCADE",
    "change a job": "UPDATE jobs SET status = 'cancelled'",
    "delete the timeline": "DELETE FROM processing_timeline",
    "write a job": "INSERT INTO jobs (id) VALUES (gen_random_uuid())",
    "create a table": "CREATE TABLE intruder (x int)",
    "drop a table": "DROP TABLE url_access_logs",
    "read the outbox": "SELECT count(*) FROM vidgen_outbox",
    "read the worker metrics": "SELECT count(*) FROM system_metrics",
}


@pytest.fixture
def supabase_like():
    with database(migrated=False) as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(SUPABASE_DEFAULTS)  # type: ignore[arg-type]
        yield url


def attempt(url: str, role: str, sql: str, user: uuid.UUID | None = None) -> Exception | list:
    """``sql`` as ``role`` (with a JWT for ``user``), rolled back; what it returned or raised."""
    claims = json.dumps({"sub": str(user), "role": role} if user else {"role": role})
    with psycopg.connect(url) as connection:
        try:
            connection.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
            connection.execute(f"SET LOCAL ROLE {role}")  # type: ignore[arg-type]
            cursor = connection.execute(sql)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as exc:
            return exc
        finally:
            connection.rollback()


def test_supabase_defaults_give_nothing_beyond_the_designers_own_rows(supabase_like):
    url = supabase_like
    assert team_db.upgrade(url) == migrate.HEAD  # Supabase detected: auth.uid() exists
    assert farm.ensure_schema(url)  # procrastinate's tables, made after our revoke
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    with open_url(farm.sqlalchemy_url(url)) as team:
        mine = team.jobs.create(composition("mine"))
        theirs = team.jobs.create(composition("theirs"))
        team.timeline.start(mine.id, "probe")
    with psycopg.connect(url, autocommit=True) as connection:  # as the relay stamps them
        for job, who in ((mine, owner), (theirs, stranger)):
            connection.execute("UPDATE jobs SET owner_id = %s WHERE id = %s", (who, job.id))

    # the defaults are really Supabase's: a table made now is wide open to both roles
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE canary (x int)")
    assert attempt(url, "anon", "SELECT count(*) FROM canary") == [(0,)]

    for role in ROLES:
        for case, sql in REFUSED.items():
            found = attempt(url, role, sql, owner)
            assert isinstance(found, pg_errors.InsufficientPrivilege), f"{role} could {case}"
        functions = attempt(
            url, role,
            "SELECT p.proname FROM pg_proc p WHERE p.proname LIKE 'procrastinate%' "
            "AND has_function_privilege(p.oid, 'EXECUTE')",
        )  # fmt: skip
        assert functions == [], f"{role} may call {functions}"
        defer = attempt(url, role, "SELECT procrastinate_cancel_job_v1(1, true, false)", owner)
        assert isinstance(defer, pg_errors.InsufficientPrivilege), f"{role} could cancel a task"

    assert isinstance(attempt(url, "anon", "SELECT id FROM jobs"), pg_errors.InsufficientPrivilege)
    seen = attempt(url, "authenticated", "SELECT project_name FROM jobs", owner)
    assert seen == [("mine",)]  # row level security: the designer's own job only
    steps = attempt(url, "authenticated", "SELECT step FROM processing_timeline", stranger)
    assert steps == []  # not their job's timeline
