"""`vidgen db check [--remote]` names every object, and `db backup/restore --remote` round-trip
the team database's Vidgen tables with the local restore's safety checks (issue 19)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import teamkit as kit
from vidgen_desktop import cli, config
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import NotAVidgenDatabase, SchemaTooNew, open_local, open_url
from vidgen_desktop.store.team import backup
from vidgen_desktop.store import migrate


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path))
    monkeypatch.delenv(config.DATABASE_URL_ENV, raising=False)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    return status, capsys.readouterr().out


def test_db_check_lists_every_object_and_names_what_is_wrong(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    status, out = _run(capsys, "db", "check")
    assert status == 1 and f"revision {migrate.HEAD}" in out and "missing: no schema" in out
    open_local().close()  # created and migrated
    status, out = _run(capsys, "db", "check")
    assert status == 0 and out.splitlines()[-1] == "ok"
    for line in ("table processing_error_log", "column jobs.status", "view job_status_realtime",
                 "trigger job_audit_log_no_update", "index ix_jobs_owner_id"):  # fmt: skip
        assert any(row.startswith(line) and row.endswith(" ok") for row in out.splitlines()), line
    with open_local() as db, db.write() as connection:  # damage it as a bad hand edit would
        connection.exec_driver_sql("DROP VIEW job_status_realtime")
        connection.exec_driver_sql("DROP TRIGGER job_audit_log_no_delete")
        connection.exec_driver_sql("DROP INDEX ix_processing_error_log_created_at")
        connection.exec_driver_sql("ALTER TABLE system_metrics DROP COLUMN host")
        connection.exec_driver_sql("ALTER TABLE system_metrics ADD COLUMN host INTEGER")
    status, out = _run(capsys, "db", "check", "--problems-only")
    assert status == 1 and out.splitlines()[-1] == "NOT ok"
    problems = {" ".join(line.split()[:2]): line.split(None, 2)[2] for line in out.splitlines()
                if line.split()[0] in ("view", "trigger", "index", "column")}  # fmt: skip
    assert problems == {
        "view job_status_realtime": "missing",
        "trigger job_audit_log_no_delete": "missing",
        "index ix_processing_error_log_created_at": "missing",
        "column system_metrics.host": "different: type is INTEGER, expected VARCHAR(255)",
    }
    assert "4 missing or different" in out


def _team_with_jobs(url: str, names: list[str]) -> None:
    with open_url(kit.team_db.sqlalchemy_url(url)) as team:
        for name in names:
            job = team.jobs.create(Composition(name=name), status=JobStatus.QUEUED)
            team.audit.record(job.id, "shared")


def _names(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT project_name FROM jobs ORDER BY 1").fetchall()
    return [name for (name,) in rows]


@pytest.mark.postgres
def test_remote_check_backup_and_restore_round_trip(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with kit.database() as url:
        monkeypatch.setenv(config.DATABASE_URL_ENV, url)
        _team_with_jobs(url, ["alpha", "beta"])
        with psycopg.connect(url) as connection:  # not Vidgen's: never in the archive
            connection.execute("CREATE TABLE team_notes (note text)")
            connection.execute("INSERT INTO team_notes VALUES ('keep me')")
        status, out = _run(capsys, "db", "check", "--remote")
        assert status == 0 and "trigger job_audit_log_no_truncate" in out and out.endswith("ok\n")
        archive = tmp_path / "team.dump"
        status, out = _run(capsys, "db", "backup", "--remote", str(archive))
        assert status == 0 and out.strip() == str(archive) and archive.read_bytes()[:5] == b"PGDMP"
        assert not list(tmp_path.glob(".*partial*"))
        _team_with_jobs(url, ["gamma"])
        with psycopg.connect(url) as connection:
            connection.execute("DELETE FROM jobs WHERE project_name = 'alpha'")
            connection.execute("UPDATE team_notes SET note = 'changed since'")
        assert _names(url) == ["beta", "gamma"]
        status, out = _run(capsys, "db", "restore", "--remote", str(archive))
        assert status == 0 and "kept as" in out
        assert _names(url) == ["alpha", "beta"]
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT note FROM team_notes").fetchone() == (
                "changed since",
            )
            audit = connection.execute("SELECT COUNT(*) FROM job_audit_log").fetchone()[0]
        assert audit == 4  # two created, two shared: the trail as it was
        before = next(tmp_path.glob("team.before-restore-*.dump"))
        assert backup.validate(before) == migrate.HEAD
        status, out = _run(capsys, "db", "check", "--remote")
        assert status == 0  # triggers, view and all came back


@pytest.mark.postgres
def test_remote_restore_refuses_what_is_not_a_vidgen_team_backup(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not an archive at all")
    with pytest.raises(NotAVidgenDatabase, match="junk.dump is not a team database backup"):
        backup.validate(junk)
    cut = tmp_path / "cut.dump"
    with kit.database() as url:
        monkeypatch.setenv(config.DATABASE_URL_ENV, url)
        _team_with_jobs(url, ["alpha"])
        whole = backup.dump(url, tmp_path / "whole.dump")
        cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
        with pytest.raises(NotAVidgenDatabase, match="cut.dump"):
            backup.validate(cut)
        with psycopg.connect(url) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
        newer = backup.dump(url, tmp_path / "newer.dump")
        with pytest.raises(SchemaTooNew, match="9999_future"):
            backup.validate(newer)
        with psycopg.connect(url) as connection:
            connection.execute(f"UPDATE alembic_version SET version_num = '{migrate.HEAD}'")
        assert cli.main(["db", "restore", "--remote", str(junk)]) == 1
        assert "junk.dump is not a team database backup" in capsys.readouterr().err
        assert _names(url) == ["alpha"]  # nothing changed


def test_jobs_errors_lists_the_error_log_by_time_and_code(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    from vidgen_desktop import errors
    from vidgen_desktop.jobs import outcome

    with open_local() as db:
        ids = []
        for exc in (errors.RenderError("the render failed", detail="x264 [error]"),
                    errors.MediaError("clip.mp4 cannot be read")):  # fmt: skip
            job = db.jobs.create(Composition(name="promo"), status=JobStatus.QUEUED)
            db.jobs.transition(job.id, JobStatus.PROCESSING)
            outcome.settle(db, job.id, exc)
            ids.append(job.id)
    status, out = _run(capsys, "jobs", "errors")
    lines = out.splitlines()
    assert status == 0 and len(lines) == 2
    assert str(ids[0]) in lines[0] and "render" in lines[0] and "retry after 10 s" in lines[0]
    assert str(ids[1]) in lines[1] and "bad_input" in lines[1] and lines[1].endswith("read")
    _, out = _run(capsys, "jobs", "errors", "--code", "media")
    assert out.count("\n") == 1 and str(ids[1]) in out
    _, out = _run(capsys, "jobs", "errors", "--since", "2999-01-01")
    assert out.strip() == "no errors logged"
    _, out = _run(capsys, "jobs", "errors", str(ids[0])[:8], "--json")
    [row] = __import__("json").loads(out)
    assert (row["strategy"], row["detail"]) == ("retry", "x264 [error]")
    _, out = _run(capsys, "jobs", "show", str(ids[0]))
    assert "errors:" in out and "try 1  render (transient): retry after 10 s" in out
    assert cli.main(["jobs", "errors", "--since", "yesterday"]) == 1
    assert "'yesterday' is not a date" in capsys.readouterr().err


def test_remote_backup_names_a_missing_tool_or_backend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cli.main(["db", "backup", "--remote", str(tmp_path / "t.dump")]) == 1
    assert "no team database is configured" in capsys.readouterr().err
    monkeypatch.setenv(config.DATABASE_URL_ENV, "postgresql://postgres@127.0.0.1:5432/test")
    argv = ["db", "backup", "--remote", str(tmp_path / "t.dump"), "--pg-dump", "/nowhere/pg_dump"]
    assert cli.main(argv) == 1
    assert "cannot find '/nowhere/pg_dump'" in capsys.readouterr().err
    assert not list(tmp_path.glob("*t.dump*"))  # nothing written, not even a partial
