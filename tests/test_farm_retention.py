"""The one worker started with --retention applies the retention settings to the team
database (issue 19); the others leave it alone. Real PostgreSQL and `vidgen worker`
processes; moto's S3 server as the stand-in for the team bucket (the farm fixtures)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

import test_farm_e2e as farm
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus as S
from vidgen_desktop.store import schema

template, pg_url, endpoint, bucket = farm.template, farm.pg_url, farm.endpoint, farm.bucket
team_env, workers, remote = farm.team_env, farm.workers, farm.remote

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


def _cancelled(remote, name: str, days: float):
    job = remote.jobs.create(Composition(name=name), status=S.QUEUED)
    remote.jobs.transition(job.id, S.CANCELLED)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with remote.write() as connection:
        connection.execute(sa.update(schema.jobs).where(schema.jobs.c.id == job.id)
                           .values(created_at=when, completed_at=when))  # fmt: skip
    return job.id


def test_only_the_designated_worker_applies_retention(team_env, workers, remote):
    old, recent = _cancelled(remote, "old", 40), _cancelled(remote, "recent", 1)
    workers.start("plain")
    deadline = time.monotonic() + 60
    while "worker plain" not in workers.log("plain") and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)
    assert remote.jobs.find(old) is not None  # an ordinary worker leaves the team's log alone
    workers.start("keeper", "--retention")
    deadline = time.monotonic() + 60
    while remote.jobs.find(old) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert remote.jobs.find(old) is None, workers.log("keeper")
    assert remote.jobs.find(recent) is not None
    [deleted] = [r for r in remote.audit.trail(old) if r.action == "deleted"]
    assert deleted.details["by"] == "retention"
    assert deleted.details["rule"] == "cancelled older than 30 days"


def _farm_render(remote, name: str, days: float, tmp_path):
    """A completed farm job finished ``days`` ago, its render and a part in the team bucket."""
    from vidgen_desktop import config, storage

    job = remote.jobs.create(Composition(name=name), status=S.QUEUED)
    remote.jobs.transition(job.id, S.PROCESSING)
    team = storage.from_settings(config.load(), recorder=remote.storage_log.recorder(job.id))
    video = tmp_path / f"{name}.mp4"
    video.write_bytes(name.encode() * 100)
    stored = team.upload_output(video, job.id)
    team.upload_output(video, job.id, name="chunk-000.mp4")
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with remote.write() as connection:
        connection.execute(sa.update(schema.jobs).where(schema.jobs.c.id == job.id).values(
            status="completed", route="remote", output_path=stored.uri,
            output_url=team.share_link(stored.key).url, created_at=when, completed_at=when,
        ))  # fmt: skip
        connection.execute(
            sa.update(schema.url_access_logs)  # the worker's link, long expired
            .where(schema.url_access_logs.c.job_id == job.id)
            .values(accessed_at=when, expires_at=when + dt.timedelta(days=7))
        )
    return job.id, sorted([stored.key, team.output_key(job.id, "chunk-000.mp4")])


def _keys(team_env, job_id) -> list[str]:
    listed = farm.s3(team_env["VIDGEN_S3_ENDPOINT"]).list_objects_v2(
        Bucket=team_env["VIDGEN_S3_BUCKET"], Prefix=f"vidgen/outputs/{job_id}/"
    )
    return sorted(item["Key"] for item in listed.get("Contents", []))


def _cleanup(team_env, *args: str) -> str:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "cleanup", "--retention", "--remote", *args],
        env={**os.environ, **team_env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_team_retention_deletes_a_farm_jobs_stored_render_unless_shared(team_env, remote, tmp_path):
    """moto's S3 server stands in for the team bucket; the team database is the real one."""
    old, old_keys = _farm_render(remote, "old", 400, tmp_path)
    shared, shared_keys = _farm_render(remote, "shared", 400, tmp_path)
    recent, recent_keys = _farm_render(remote, "recent", 1, tmp_path)
    remote.storage_log.record_link("https://example.test/x", "created", job_id=shared)

    listed = _cleanup(team_env, "--dry-run")  # lists, deletes nothing
    for key in old_keys:
        assert f"would remove stored object {key} of job {old}" in listed
    assert str(shared) not in listed and str(recent) not in listed
    assert remote.jobs.find(old) is not None and _keys(team_env, old) == old_keys

    done = _cleanup(team_env)
    assert f"removed stored object {old_keys[0]} of job {old}" in done
    assert remote.jobs.find(old) is None and _keys(team_env, old) == []
    assert remote.jobs.find(shared) is not None and _keys(team_env, shared) == shared_keys
    assert remote.jobs.find(recent) is not None and _keys(team_env, recent) == recent_keys
    [deleted] = [r for r in remote.audit.trail(old) if r.action == "deleted"]
    assert deleted.details["objects"] == old_keys
    deletes = [op for op in remote.storage_log.operations() if op.operation == "delete"]
    assert sorted(op.key for op in deletes) == old_keys
    assert {op.details["job"] for op in deletes} == {str(old)}
    assert all(op.status == "completed" and op.details["by"] == "retention" for op in deletes)


def test_team_outputs_days_deletes_the_render_and_keeps_the_job(team_env, remote, tmp_path):
    from vidgen_desktop.queue.farm_retention import TeamOutputs
    from vidgen_desktop.store import retention

    job_id, keys = _farm_render(remote, "kept", 10, tmp_path)
    report = retention.apply(remote, retention.Policy(outputs_days=5), stored=TeamOutputs(remote))
    assert [r.objects for r in report.outputs] == [tuple(keys)]
    assert _keys(team_env, job_id) == []
    job = remote.jobs.find(job_id)
    assert job is not None and job.output_path is None and job.output_url is None
    deletes = [op for op in remote.storage_log.operations(job_id) if op.operation == "delete"]
    assert sorted(op.key for op in deletes) == keys
