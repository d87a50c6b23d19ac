from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus
from vidgen_desktop.store import (
    Database,
    DatabaseBusy,
    JobQuery,
    SchemaTooNew,
    StoreError,
    default_path,
    migrate,
    open_local,
    open_url,
    schema,
    search,
)
from vidgen_desktop.store.engine import make_engine

TABLES = {
    "jobs",
    "elements",
    "processing_timeline",
    "storage_operations",
    "url_access_logs",
    "api_keys",
    "api_job_owners",
    "tracked_links",
    "system_metrics",
    "vidgen_outbox",  # revision 0005: changes waiting for the team database
    "processing_error_log",  # revision 0007
    "job_audit_log",  # revision 0007
}
VIEWS = {
    "job_summary", "active_jobs", "daily_job_stats", "storage_performance", "job_status_realtime",
}  # fmt: skip
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _inspect(engine: sa.Engine) -> tuple[set[str], set[str]]:
    """Tables and views, leaving out the search index (checked on its own below)."""
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        tables = {name for name in inspector.get_table_names() if not search.is_index_table(name)}
        return tables, set(inspector.get_view_names())


def _drift(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": search.include_name}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, schema.metadata)


def _has_search_index(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return search.present(connection)


def test_revisions_form_one_line() -> None:
    assert migrate.revisions() == [
        "0001_initial",
        "0002_views_and_guard",
        "0003_paging_indexes",
        "0004_job_search",
        "0005_remote_backend",
        "0006_search_text_index",
        "0007_job_log_design",
        "0008_share_links",
        "0009_batches",
        "0010_versions",
        "0012_api_keys",
    ]
    assert migrate.head() == "0012_api_keys"


def test_head_is_the_newest_migration_file() -> None:
    """``HEAD`` lets a log at the newest revision open without Alembic: it must name that file."""
    newest = sorted((migrate.MIGRATIONS / "versions").glob("[0-9]*.py"))[-1].stem
    assert migrate.HEAD == migrate.script_head() == newest


# Alembic and what it pulls in: not needed to open a log that is up to date
MIGRATION_ONLY = ("alembic", "mako", "pygments", "markupsafe")


def _open_in_new_process(path: Path) -> tuple[str, list[str]]:
    code = (
        "import sys\n"
        "from vidgen_desktop.store import open_local\n"
        f"with open_local({str(path)!r}) as db:\n"
        "    print(db.revision())\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {MIGRATION_ONLY!r}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return out[0], eval(out[1])  # noqa: S307 - our own child's repr of a list of names


def test_a_log_at_head_opens_without_importing_alembic(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with open_local(path) as db:  # first run: created and migrated
        db.jobs.create(Composition(name="kept"))
    revision, imported = _open_in_new_process(path)
    assert (revision, imported) == (migrate.HEAD, [])
    with open_local(path) as db:
        assert [job.project_name for job in db.jobs.list(JobQuery())] == ["kept"]


def test_a_log_behind_head_is_still_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    migrate.upgrade(path, "0004_job_search")
    revision, imported = _open_in_new_process(path)
    assert revision == migrate.HEAD and "alembic" in imported


def test_from_empty_to_head_matches_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    assert migrate.upgrade(path) == migrate.head()
    engine = make_engine(path)
    try:
        tables, views = _inspect(engine)
        assert tables == TABLES | {"alembic_version"} and views == VIEWS
        assert _drift(engine) == []
        assert migrate.upgrade(engine) == migrate.head()  # running again changes nothing
    finally:
        engine.dispose()


@pytest.mark.parametrize("start", ["0001_initial", "0002_views_and_guard", "0003_paging_indexes"])
def test_from_an_earlier_revision_keeps_the_data(tmp_path: Path, start: str) -> None:
    path = tmp_path / "jobs.sqlite3"
    assert migrate.upgrade(path, start) == start
    engine = make_engine(path)
    job_id = uuid.uuid4()
    now = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    try:
        old_views = VIEWS - {"job_status_realtime"}  # revision 0007
        assert _inspect(engine)[1] == (set() if start == "0001_initial" else old_views)
        assert not _has_search_index(engine)
        with engine.begin() as connection:
            connection.execute(
                sa.insert(schema.jobs).values(
                    id=job_id, status="completed", project_name="old", composition={},
                    output_settings={}, response_type="immediate", actual_seconds=4.0,
                    estimated_seconds=5.0, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            connection.execute(
                sa.insert(schema.processing_timeline).values(
                    id=uuid.uuid4(), job_id=job_id, step="render", status="completed",
                    started_at=now, duration_seconds=4.0,
                )
            )  # fmt: skip
    finally:
        engine.dispose()

    with open_local(path) as db:  # opening migrates
        assert db.revision() == migrate.head()
        assert _drift(db.engine) == []
        assert db.jobs.get(job_id).project_name == "old"
        assert _has_search_index(db.engine)  # filled from the rows already there
        assert [job.id for job in db.jobs.list(JobQuery(search="OLD"))] == [job_id]
        assert [job.id for job in db.jobs.list(JobQuery(search=job_id.hex[5:20]))] == [job_id]
        with db.read() as connection:
            summary = connection.execute(sa.text("SELECT * FROM job_summary")).mappings().one()
            daily = connection.execute(sa.text("SELECT * FROM daily_job_stats")).mappings().one()
        assert (summary["project_name"], summary["step_count"]) == ("old", 1)
        assert summary["timeline_seconds"] == 4.0
        assert (daily["day"], daily["total_jobs"], daily["completed_jobs"]) == ("2025-03-01", 1, 1)
        assert (daily["immediate_jobs"], daily["avg_estimate_error"]) == (1, 0.25)


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    migrate.upgrade(path)
    assert migrate.downgrade(path, "0003_paging_indexes") == "0003_paging_indexes"
    engine = make_engine(path)
    try:
        assert not _has_search_index(engine)
        with engine.connect() as connection:
            names = connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
        assert not [name for name in names if search.TABLE in name]  # triggers gone too
    finally:
        engine.dispose()
    assert migrate.downgrade(path, "0001_initial") == "0001_initial"
    assert migrate.downgrade(path, "base") is None
    engine = make_engine(path)
    try:
        assert _inspect(engine) == ({"alembic_version"}, set())
    finally:
        engine.dispose()
    assert migrate.upgrade(path) == migrate.head()


def test_a_database_from_a_newer_vidgen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    migrate.upgrade(path)
    engine = make_engine(path)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    finally:
        engine.dispose()
    with pytest.raises(SchemaTooNew, match="9999_future"):
        open_local(path)


def test_open_local_defaults_to_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path))
    assert default_path() == tmp_path / "data" / "jobs.sqlite3"
    with open_local() as db:
        assert db.path == tmp_path / "data" / "jobs.sqlite3" and db.path.is_file()
        assert db.check().ok
        with db.read() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10_000


def test_writes_begin_immediate_and_reads_do_not_lock(tmp_path: Path) -> None:
    first, second = open_local(tmp_path / "a.sqlite3"), open_local(tmp_path / "a.sqlite3")
    impatient = Database(make_engine(tmp_path / "a.sqlite3", busy_timeout=0.1), migrate_now=False)
    with first, second, impatient, first.write() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        # The write lock is held from BEGIN on, so a second writer cannot start...
        with pytest.raises(DatabaseBusy), impatient.write():
            pass
        # ...while a reader still can.
        assert second.jobs.count() == 0


def test_in_memory_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        make_engine("sqlite://")


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"vidgen_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:  # pragma: no cover - no server here
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable: {exc.orig}")
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.postgres
def test_postgres_migrations_and_repository(pg_url: str) -> None:
    assert migrate.upgrade(pg_url, "0001_initial") == "0001_initial"
    with open_url(pg_url, migrate_now=True) as db:
        assert db.revision() == migrate.head()
        assert _inspect(db.engine) == (TABLES | {"alembic_version"}, VIEWS)
        assert _drift(db.engine) == []
        composition = Composition.from_data(
            {"name": "pg", "elements": [{"type": "image", "id": "a", "source": "a.png"}]}
        )
        job = db.jobs.create(composition, status=JobStatus.QUEUED, probes={"a": {"w": 2}})
        claimed = db.jobs.claim_next(1234)
        assert claimed is not None and claimed.id == job.id and claimed.attempts == 1
        assert db.jobs.claim_next(1235) is None
        with pytest.raises(IllegalTransition):
            db.jobs.transition(job.id, JobStatus.PENDING)
        with pytest.raises(StoreError, match="illegal job transition"), db.write() as c:
            c.execute(sa.update(schema.jobs).values(status="pending"))
        db.timeline.start(job.id, "render")
        db.jobs.transition(job.id, JobStatus.COMPLETED)
        assert db.jobs.list()[0].created_at.tzinfo is not None
        assert db.jobs.count() == 1 and db.jobs.elements(job.id)[0].probe == {"w": 2}
        assert db.check().ok
        with db.read() as connection:
            daily = connection.execute(sa.text("SELECT * FROM daily_job_stats")).mappings().one()
        assert daily["total_jobs"] == 1 and daily["completed_jobs"] == 1
        assert migrate.downgrade(db.engine, "base") is None
