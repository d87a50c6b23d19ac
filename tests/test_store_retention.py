"""Retention (issue 19): the settings' rules applied to the local log and the team database,
with a dry run, a log of what went, and shared jobs kept while their link lives."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import teamkit as kit
from vidgen_desktop import cli, config
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import Database, open_local, open_url, retention, schema
from vidgen_desktop.store.retention import Policy

S = JobStatus
NOW = dt.datetime.now(dt.UTC)
POLICY = Policy(completed_days=365, failed_days=90, cancelled_days=30, outputs_days=10,
                timelines_days=45)  # fmt: skip


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path))
    monkeypatch.delenv(config.DATABASE_URL_ENV, raising=False)
    return tmp_path


def _job(db: Database, name: str, status: S, days: float, output: Path | None = None) -> uuid.UUID:
    job = db.jobs.create(Composition(name=name), status=S.QUEUED)
    db.jobs.transition(job.id, S.PROCESSING)
    step = db.timeline.start(job.id, "render")
    db.timeline.finish(step.id)
    db.jobs.transition(job.id, status, output_path=str(output) if output else None)
    when = NOW - dt.timedelta(days=days)
    with db.write() as connection:
        connection.execute(sa.update(schema.jobs).where(schema.jobs.c.id == job.id)
                           .values(created_at=when, completed_at=when))  # fmt: skip
    return job.id


def _fill(db: Database, folder: Path) -> dict[str, uuid.UUID]:
    video = folder / "recent.mp4"
    video.write_bytes(b"video")
    ids = {
        "old completed": _job(db, "old completed", S.COMPLETED, 400),
        "old failed": _job(db, "old failed", S.FAILED, 100),
        "old cancelled": _job(db, "old cancelled", S.CANCELLED, 40),
        "recent cancelled": _job(db, "recent cancelled", S.CANCELLED, 5),
        "shared": _job(db, "shared", S.COMPLETED, 400),
        "link expired": _job(db, "link expired", S.COMPLETED, 400),
        "link revoked": _job(db, "link revoked", S.FAILED, 100),
        "public share": _job(db, "public share", S.FAILED, 100),
        "output": _job(db, "output", S.COMPLETED, 20, output=video),
        "failed 50 days": _job(db, "failed 50 days", S.FAILED, 50),
    }
    log = db.storage_log
    log.record_link("https://cdn/x.mp4?sig", "created", job_id=ids["shared"],
                    expires_at=NOW + dt.timedelta(days=3))  # fmt: skip
    log.record_link("https://cdn/y.mp4?sig", "created", job_id=ids["link expired"],
                    expires_at=NOW - dt.timedelta(days=3))  # fmt: skip
    log.record_link("https://cdn/z.mp4", "created", job_id=ids["link revoked"])
    db.audit.record(ids["link revoked"], "link_revoked")
    db.audit.record(ids["public share"], "shared", details={"expires_at": None})
    return ids


def _names(db: Database) -> set[str]:
    return {job.project_name for job in db.jobs.list()}


def test_retention_removes_what_the_rules_say_and_keeps_shared_jobs(
    home: Path, tmp_path: Path
) -> None:
    with open_local() as db:
        ids = _fill(db, tmp_path)
        before = _names(db)
        dry = retention.apply(db, POLICY, dry_run=True)
        assert _names(db) == before and (tmp_path / "recent.mp4").exists()  # nothing changed
        report = retention.apply(db, POLICY)
        assert [r.job_id for r in report.jobs] == [r.job_id for r in dry.jobs]
        gone = {"old completed", "old failed", "old cancelled", "link expired", "link revoked"}
        assert {r.project_name for r in report.jobs} == gone
        assert _names(db) == before - gone
        assert report.protected == 2  # "shared" (a live link) and "public share"
        assert not (tmp_path / "recent.mp4").exists()
        kept = db.jobs.get(ids["output"])
        assert kept.output_path is None
        assert "output removed" in db.timeline.steps(kept.id)[-1].details["message"]
        assert db.timeline.steps(ids["failed 50 days"]) == []  # its timeline went, the job stayed
        assert db.timeline.steps(ids["shared"])  # shared: not even its timeline
        trail = db.audit.trail(ids["old failed"])  # the log of what was removed
        assert trail[-1].action == "deleted"
        assert trail[-1].details["rule"] == "failed older than 90 days"
        assert trail[-1].details["by"] == "retention"
        run = db.metrics.get(retention.METRIC)
        assert run.value == 5 and run.details["outputs"] == 1
        assert retention.apply(db, POLICY).jobs == ()  # applied again: nothing more


def test_cleanup_retention_dry_run_on_the_command_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_local() as db:
        _fill(db, tmp_path)
    config.update(retention={"completed_days": 365, "failed_days": None, "cancelled_days": 30})
    assert cli.main(["cleanup", "--retention", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == ("would remove 3 job(s), 0 output(s), 0 timeline(s); "
                       "kept 1 shared or batch job(s)")  # fmt: skip
    assert any("old cancelled" in line and "cancelled older than 30 days" in line for line in out)
    with open_local() as db:
        assert len(db.jobs.list()) == 10


def test_the_editor_applies_retention_on_start(home: Path, tmp_path: Path) -> None:
    with open_local() as db:
        _job(db, "ancient", S.FAILED, 1000)
        daily = retention.Daily(db, lambda: Policy.from_settings(config.load()), every=3600)
        daily.start()
        try:
            kit_wait(lambda: daily.last is not None)
        finally:
            daily.stop()
        assert [r.project_name for r in daily.last.jobs] == ["ancient"]
        assert db.jobs.list() == []


def kit_wait(condition: object, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    assert condition()  # type: ignore[operator]


@pytest.mark.postgres
def test_the_designated_worker_applies_retention_to_the_team_database(
    home: Path, tmp_path: Path
) -> None:
    config.update(retention={"completed_days": 365, "failed_days": 90, "cancelled_days": 30})
    with kit.database() as url, open_url(kit.team_db.sqlalchemy_url(url)) as team:
        ids = _fill(team, tmp_path)
        lines = retention.run(team, dry_run=True)
        assert len(team.jobs.list()) == 10 and lines[-1].startswith("would remove 5 job(s)")
        lines = retention.run(team)
        assert lines[-1].startswith("removed 5 job(s)")
        assert {job.project_name for job in team.jobs.list()} >= {"shared", "public share"}
        assert ids["old completed"] not in {job.id for job in team.jobs.list()}
        with team.read() as connection:
            rows = connection.execute(sa.text(
                "SELECT details FROM job_audit_log WHERE action = 'deleted'"
            )).scalars().all()  # fmt: skip
        rules = sorted((r if isinstance(r, dict) else json.loads(r))["rule"] for r in rows)
        assert rules[0] == "cancelled older than 30 days" and len(rules) == 5


def test_the_laptops_retention_removes_a_farm_jobs_mirror_not_the_farm_job(home: Path) -> None:
    with open_local() as db:
        farm_job = _job(db, "farm job", S.COMPLETED, 400)
        with db.write() as connection:
            connection.execute(sa.update(schema.jobs).where(schema.jobs.c.id == farm_job)
                               .values(route="remote"))  # fmt: skip
            connection.execute(sa.delete(schema.outbox))  # as the relay leaves it
        own = _job(db, "own job", S.COMPLETED, 400)
        report = retention.apply(db, POLICY)
        assert {r.project_name for r in report.jobs} == {"farm job", "own job"}
        with db.read() as connection:
            rows = connection.execute(sa.select(schema.outbox.c.payload)).scalars().all()
        keys = {json.dumps(row) for row in rows}
        assert not [k for k in keys if farm_job.hex in k]  # nothing of it goes to the team
        assert [k for k in keys if own.hex in k and '"id"' in k]  # its own deletion does
