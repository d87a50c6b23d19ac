"""The laptop and the team backend together: routing, replication, and the farm's mirror.

Real PostgreSQL and real `vidgen worker` processes; moto's S3 server over real
HTTP as the stand-in for the team bucket (fixtures shared with test_farm_e2e).
"""

from __future__ import annotations

import pytest

import test_farm_e2e as farm
from jobkit import clip, composition
from vidgen_desktop import store
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.jobs.states import JobStatus as S
from vidgen_desktop.queue import async_queue
from vidgen_desktop.queue.farm import FarmQueue
from vidgen_desktop.store.team.relay import Relay

# the farm tests' fixtures: PostgreSQL per test, moto S3, `vidgen worker` processes
template, pg_url, endpoint, bucket = farm.template, farm.pg_url, farm.endpoint, farm.bucket
team_env, workers, remote = farm.team_env, farm.workers, farm.remote

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]


def test_local_jobs_replicate_and_farm_jobs_come_back(tmp_path, team_env, workers, remote, pg_url):
    local = store.open_local(tmp_path / "laptop.sqlite3")
    queue = async_queue(local)
    assert isinstance(queue, FarmQueue)  # a team backend is configured: the farm takes them
    service = JobService(local, queue=queue, output_folder=tmp_path / "out", learn=False)
    relay = Relay(local, pg_url)
    try:
        source = clip(tmp_path, 1.0)
        here = service.submit(composition(source, name="here"), threshold=1000)
        away = service.submit(composition(source, name="farm"), threshold=0)
        assert (here.response_type, away.response_type) == ("immediate", "async")
        assert local.jobs.claim_next() is None  # the embedded queue never takes a farm job

        relay.drain()
        mirrored_here = remote.jobs.get(here.job_id)
        assert mirrored_here.status is S.COMPLETED and mirrored_here.route == "local"
        published = remote.jobs.get(away.job_id)
        sources = [e["source"] for e in published.composition["elements"]]
        assert all(s.startswith("s3://") for s in sources)  # the laptop's copy did not win

        workers.start("w")
        done = farm.wait_status(remote, away.job_id, S.COMPLETED, S.FAILED)
        assert done.status is S.COMPLETED, done.error_message
        relay.drain()
        assert relay.pull() == 1
        ours = local.jobs.get(away.job_id)
        assert ours.status is S.COMPLETED and ours.progress == 1.0
        assert ours.output_url == done.output_url
        steps = {s.step for s in local.timeline.steps(away.job_id)}
        assert {"download_sources", "render", "upload_output", "publish"} <= steps
        assert relay.pull() == 0  # nothing more to bring back
        assert remote.jobs.get(away.job_id).composition["elements"][0]["source"] == sources[0]
    finally:
        relay.close()
        queue.close()
        local.close()


def test_vidgen_submit_sends_its_job_to_the_team_database(tmp_path, team_env, remote):
    import subprocess
    import sys

    from jobkit import save

    project = save(composition(clip(tmp_path, 1.0), name="from the cli"), tmp_path / "p.json")
    done = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "submit", str(project), "--threshold", "1000",
         "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    import json

    answer = json.loads(done.stdout)
    assert answer["status"] == "completed"
    job = remote.jobs.get(answer["job_id"])  # sent by the submit itself, no relay run needed
    assert job.status is S.COMPLETED and job.project_name == "from the cli"


def test_a_job_is_not_sent_before_it_is_routed(tmp_path, team_env, remote, pg_url):
    """The team database never gets a job the laptop has not routed yet (it may be the farm's)."""
    local = store.open_local(tmp_path / "laptop.sqlite3")
    relay = Relay(local, pg_url)
    try:
        job = local.jobs.create(composition(clip(tmp_path, 1.0), name="not yet"))
        local.timeline.start(job.id, "probe")
        relay.drain()
        assert remote.jobs.find(job.id) is None  # pending: waiting for its route
        assert relay.status().pending > 0  # kept, not lost
        local.jobs.transition(job.id, S.FAILED, error_code="media", error_message="bad clip")
        relay.drain()
        sent = remote.jobs.get(job.id)
        assert sent.status is S.FAILED and sent.error_code == "media"
        assert [s.step for s in remote.timeline.steps(job.id)] == ["probe"]
        assert relay.status().pending == 0
    finally:
        relay.close()
        local.close()


def test_a_farm_job_is_cancelled_and_retried_on_the_team_database_and_mirrored(
    tmp_path, team_env, remote
):
    """The team database owns a farm job: the laptop's row only follows it (no worker runs)."""
    local = store.open_local(tmp_path / "laptop.sqlite3")
    queue = FarmQueue(local)
    service = JobService(local, queue=queue, output_folder=tmp_path / "out", learn=False)
    try:
        job_id = service.submit(composition(clip(tmp_path, 1.0), name="owned"), threshold=0).job_id
        service.cancel(job_id)
        assert remote.jobs.get(job_id).status is S.CANCELLED
        assert local.jobs.get(job_id).status is S.CANCELLED
        service.retry(job_id)
        theirs, ours = remote.jobs.get(job_id), local.jobs.get(job_id)
        assert theirs.status is ours.status is S.QUEUED
        assert ours.max_attempts == theirs.max_attempts

        def notes(db):
            return [s.details["message"] for s in db.timeline.steps(job_id) if s.step == "note"]

        # one history: the laptop shows the team's own record of what happened
        assert notes(local) == notes(remote)
        assert "queued again from the desktop" in notes(local)
    finally:
        queue.close()
        local.close()


def test_the_laptop_side_of_a_farm_job_is_the_pipelines_steps(tmp_path, team_env, remote):
    """probe → prepare → upload_sources, each a timeline row; the upload's is the team's own."""
    local = store.open_local(tmp_path / "laptop.sqlite3")
    queue = FarmQueue(local)
    service = JobService(local, queue=queue, output_folder=tmp_path / "out", learn=False)
    source = clip(tmp_path, 1.0)
    try:
        job_id = service.submit(composition(source, name="handed"), threshold=0).job_id
        ours = [s for s in local.timeline.steps(job_id) if s.step != "note"]
        assert [s.step for s in ours] == ["probe", "prepare", "upload_sources"]
        assert all(s.status == "completed" for s in ours)
        [theirs] = remote.timeline.steps(job_id)  # the farm's timeline starts with the upload
        assert theirs.step == "upload_sources" and theirs.id == ours[-1].id  # one row, mirrored
        assert theirs.details["bytes"] == source.stat().st_size
        assert theirs.details["uploaded"] == 1
        # timed from before the upload, though written once the job was on the team database
        job = remote.jobs.get(job_id)
        assert theirs.started_at <= job.created_at <= theirs.ended_at
        took = (theirs.ended_at - theirs.started_at).total_seconds()
        assert theirs.duration_seconds == pytest.approx(took)
        # the upload is logged where it was made, on the laptop, and once on the team's side
        [mine] = [op for op in local.storage_log.operations(job_id) if op.operation == "upload"]
        [team] = [op for op in remote.storage_log.operations(job_id) if op.operation == "upload"]
        assert (
            (mine.key, mine.size_bytes)
            == (team.key, team.size_bytes)
            == (team.key, source.stat().st_size)
        )
        with Relay(local, team_env["VIDGEN_DATABASE_URL"]) as relay:
            relay.drain()  # a farm job's local rows never travel: still one on the team's side
        assert len(remote.storage_log.operations(job_id)) == 1
    finally:
        queue.close()
        local.close()


def test_sources_that_cannot_go_up_fail_the_job_and_retry_hands_it_over(
    tmp_path, team_env, remote, endpoint, monkeypatch
):
    """An upload_sources failure is classified like any step's: the job fails, Retry works."""
    from vidgen_desktop.errors import VidgenError

    local = store.open_local(tmp_path / "laptop.sqlite3")
    queue = FarmQueue(local)
    service = JobService(local, queue=queue, output_folder=tmp_path / "out", learn=False)
    monkeypatch.setenv("VIDGEN_S3_ENDPOINT", f"http://127.0.0.1:{farm.free_port()}")  # nobody
    try:
        with pytest.raises(VidgenError) as raised:
            service.submit(composition(clip(tmp_path, 1.0), name="stuck"), threshold=0)
        [job] = local.jobs.list()
        assert job.status is S.FAILED  # not "queued" for ever with nothing on the farm
        assert job.error_code and job.error_message == raised.value.args[0]
        assert remote.jobs.find(job.id) is None  # nothing of it reached the team database

        monkeypatch.setenv("VIDGEN_S3_ENDPOINT", endpoint)  # the storage is back
        service.retry(job.id)
        theirs, ours = remote.jobs.get(job.id), local.jobs.get(job.id)
        assert theirs.status is ours.status is S.QUEUED
        assert theirs.composition["elements"][0]["source"].startswith("s3://")
        assert [s.step for s in remote.timeline.steps(job.id)] == ["upload_sources"]
    finally:
        queue.close()
        local.close()
