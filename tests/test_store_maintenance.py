"""Backup, restore and health check of the local job log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import errors as job_errors
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import (
    Database,
    DatabaseBusy,
    NotAVidgenDatabase,
    SchemaTooNew,
    StoreError,
    migrate,
    open_local,
)
from vidgen_desktop.store.maintenance import validate


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with open_local(tmp_path / "live" / "jobs.sqlite3") as database:
        yield database


def _composition(name: str) -> Composition:
    return Composition.from_data(
        {"name": name, "elements": [{"type": "image", "id": "logo", "source": "logo.png"}]}
    )


def test_backup_and_restore_round_trip(db: Database, tmp_path: Path) -> None:
    kept = db.jobs.create(_composition("kept"), status=JobStatus.QUEUED)
    step = db.timeline.start(kept.id, "probe", details={"n": 1})
    db.metrics.put("render_speed", 3.0)
    backup = db.backup(tmp_path / "backups" / "jobs-backup.sqlite3")
    assert backup.is_file() and [p.name for p in backup.parent.iterdir()] == [backup.name]
    assert validate(backup) == migrate.head()

    # Life goes on after the backup...
    later = db.jobs.create(_composition("later"))
    db.jobs.transition(kept.id, JobStatus.CANCELLED)
    db.jobs.update(kept.id, output_path="/r/x.mp4")
    other = open_local(db.path)  # ...and another process has the log open
    try:
        previous = db.restore(backup)
        assert previous.is_file() and previous.parent == db.path.parent
        assert "before-restore" in previous.name

        for view in (db, other):
            assert view.jobs.find(later.id) is None
            job = view.jobs.get(kept.id)
            assert (job.status, job.output_path) == (JobStatus.QUEUED, None)
            assert [s.id for s in view.timeline.steps(kept.id)] == [step.id]
            assert view.jobs.elements(kept.id)[0].source == "logo.png"
            assert view.metrics.get("render_speed").value == 3.0
        assert db.check().ok
        with db.read() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # The job log keeps working normally after a restore.
        db.jobs.transition(kept.id, JobStatus.PROCESSING)
        assert other.jobs.get(kept.id).status is JobStatus.PROCESSING
    finally:
        other.close()
    # The copy made before restoring holds what was replaced.
    with open_local(previous) as before:
        assert before.jobs.get(later.id).project_name == "later"


def test_restore_from_an_older_revision_is_brought_up_to_date(db: Database, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    migrate.upgrade(old, "0001_initial")
    db.restore(old)
    assert db.revision() == migrate.head() and db.jobs.count() == 0


def test_restore_refuses_files_that_are_not_vidgen_job_logs(db: Database, tmp_path: Path) -> None:
    job = db.jobs.create(_composition("precious"))
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database at all" * 10)
    other_sqlite = tmp_path / "other.sqlite3"
    with sqlite3.connect(other_sqlite) as connection:
        connection.execute("CREATE TABLE songs (title TEXT)")
    connection.close()
    truncated = tmp_path / "truncated.sqlite3"
    good = db.backup(tmp_path / "good.sqlite3")
    truncated.write_bytes(good.read_bytes()[:5000])

    cases = [
        (tmp_path / "missing.sqlite3", "does not exist"),
        (text, "not SQLite"),
        (other_sqlite, "no alembic_version, elements, jobs, processing_timeline table"),
        (truncated, "damaged|cannot be read"),
    ]
    for path, message in cases:
        with pytest.raises(NotAVidgenDatabase, match=message):
            db.restore(path)
    assert db.jobs.get(job.id).project_name == "precious"


def test_restore_refuses_a_backup_from_a_newer_vidgen(db: Database, tmp_path: Path) -> None:
    future = db.backup(tmp_path / "future.sqlite3")
    with sqlite3.connect(future) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    with pytest.raises(SchemaTooNew, match="newer Vidgen"):
        db.restore(future)


def test_check_reports_problems(db: Database, tmp_path: Path) -> None:
    report = db.check()
    assert report.ok and report.revision == report.head == migrate.head()
    assert report.problems == ()
    migrate.downgrade(db.engine, "0001_initial")
    behind = db.check()
    assert not behind.ok and "behind" in behind.problems[0]
    db.upgrade()
    assert db.check().ok


def test_backup_needs_the_local_sqlite_log(tmp_path: Path) -> None:
    from vidgen_desktop.store import maintenance

    class Remote:
        path = None
        dialect = "postgresql"

    with pytest.raises(StoreError, match="pg_dump"):
        maintenance.backup(Remote(), tmp_path / "x.sqlite3")  # type: ignore[arg-type]


def test_a_busy_database_is_a_transient_failure() -> None:
    failure = job_errors.classify(DatabaseBusy())
    assert failure.retryable and "locked" in failure.message
