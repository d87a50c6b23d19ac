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
