"""The render farm end to end: desktop submit → procrastinate → ``vidgen worker`` processes.

Real PostgreSQL (a fresh database per test, cloned from a template that has
our migrations and procrastinate's schema), moto's S3 server over real HTTP as
the stand-in for the team bucket, real FFmpeg, and workers as separate
``vidgen worker`` processes with short heartbeat and stall timings.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3
import psycopg
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from jobkit import alive, children, clip, composition, slow_composition, wait_for
from vidgen_desktop import store
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.queue import farm as farm_queue

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]

PG = "postgresql://postgres@127.0.0.1:5432"
KEY_ID, SECRET = "AKIAVIDGENFARM000001", "vidgen-farm-secret-do-not-print"
FAST = {  # worker timings for tests: seconds
    "VIDGEN_WORKER_HEARTBEAT": "0.5",
    "VIDGEN_WORKER_STALL_TIMEOUT": "3",
    "VIDGEN_WORKER_RECOVER_EVERY": "1",
    "VIDGEN_WORKER_POLL": "0.5",
    "VIDGEN_WORKER_RETRY_BASE": "0.5",
    "VIDGEN_WORKER_GRACE": "2",
    "VIDGEN_CHUNK_THRESHOLD": "3600",  # one-piece renders here (test_farm_chunks chunks)
}
S = JobStatus


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/test", autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def template():
    """A database with our migrations and procrastinate's schema, to clone per test."""
    name = f"farm_tpl_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    store.upgrade(farm_queue.sqlalchemy_url(f"{PG}/{name}"))
    farm_queue.ensure_schema(f"{PG}/{name}")
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(template):
    name = f"farm_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"{PG}/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def endpoint():
    """moto's S3 server, the stand-in for the team bucket, on a free port of 127.0.0.1."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@functools.cache
def s3(endpoint: str):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}),
    )  # fmt: skip


@pytest.fixture
def bucket(endpoint):
    name = f"farm-{uuid.uuid4().hex[:12]}"
    s3(endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def team_env(tmp_path, monkeypatch, pg_url, endpoint, bucket):
    """The team backend's environment, for this process (the desktop) and the workers."""
    env = {
        "VIDGEN_DATABASE_URL": pg_url, "VIDGEN_S3_ENDPOINT": endpoint,
        "VIDGEN_S3_BUCKET": bucket, "VIDGEN_S3_PREFIX": "vidgen/",
        "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true", "VIDGEN_HOME": str(tmp_path / "desktop"), **FAST,
    }  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env


class Workers:
    """``vidgen worker`` processes, each with its own VIDGEN_HOME; stopped at the end."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path, self.env = tmp_path, env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        home = self.tmp_path / f"worker-{name}"
        home.mkdir(exist_ok=True)
        with (self.tmp_path / f"worker-{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "vidgen_desktop", "worker", "--name", name, *args],
                env={**os.environ, **self.env, "VIDGEN_HOME": str(home), **env},
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs[name] = proc
        return proc

    def by_pid(self, pid: int) -> str:
        return next(name for name, proc in self.procs.items() if proc.pid == pid)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"worker-{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs.values():
            ffmpegs = children(proc.pid) if proc.poll() is None else []
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            for pid in ffmpegs:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(tmp_path, team_env):
    group = Workers(tmp_path, team_env)
    yield group
    group.stop()


@pytest.fixture
def remote(team_env):
    with farm_queue.open_team() as db:
        yield db


@pytest.fixture
def desktop(tmp_path, team_env):
    """The designer's side: the local job log, JobService and the FarmQueue."""
    local = store.open_local(tmp_path / "desktop.sqlite3")
    queue = farm_queue.FarmQueue(local)
    service = JobService(local, queue=queue, threshold=0.0, output_folder=tmp_path / "out",
                         learn=False)  # fmt: skip
    yield service
    queue.close()
    local.close()


def notes(remote, job_id) -> list[str]:
    return [s.details["message"] for s in remote.timeline.steps(job_id) if s.step == "note"]


def outputs(endpoint: str, bucket: str, job_id) -> list[str]:
    found = s3(endpoint).list_objects_v2(Bucket=bucket, Prefix=f"vidgen/outputs/{job_id}/")
    return [item["Key"] for item in found.get("Contents", [])]


def procrastinate_jobs(pg_url: str, job_id) -> list[tuple[str, int]]:
    with psycopg.connect(pg_url) as connection:
        rows = connection.execute(
            "SELECT status::text, attempts FROM procrastinate_jobs WHERE lock = %s ORDER BY id",
            (str(job_id),),
        ).fetchall()
    return [(status, attempts) for status, attempts in rows]


def wait_status(remote, job_id, *statuses: S, timeout: float = 40.0):
    def reached():
        job = remote.jobs.get(job_id)
        return job if job.status in statuses else None

    return wait_for(reached, timeout=timeout, every=0.1)


def ffmpeg_pid(remote, job_id) -> int:
    def started():
        for step in remote.timeline.steps(job_id):
            if step.step == "note" and step.details.get("ffmpeg_pid"):
                return step.details
        return None

    return wait_for(started, timeout=30, every=0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_workers_render_and_a_killed_worker_job_completes_once(
    tmp_path, desktop, workers, remote, endpoint, bucket, pg_url
):
    port = free_port()
    workers.start("a", "--metrics-port", str(port))
    workers.start("b")
    source = clip(tmp_path, 1.0)
    short = desktop.submit(composition(source, name="short", seconds=1.0))
    long = desktop.submit(slow_composition(tmp_path, name="long", seconds=12.0))
    assert (short.response_type, long.response_type) == ("async", "async")

    done = wait_status(remote, short.job_id, S.COMPLETED, S.FAILED)
    assert done.status is S.COMPLETED, done.error_message
    assert done.output_path == f"s3://{bucket}/vidgen/outputs/{short.job_id}/short.mp4"
    with urllib.request.urlopen(done.output_url, timeout=10) as response:
        body = response.read()
    key = f"vidgen/outputs/{short.job_id}/short.mp4"
    assert body == s3(endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert "X-Amz-Signature=" in done.output_url and "X-Amz-Expires=" in done.output_url
    steps = [s.step for s in remote.timeline.steps(short.job_id) if s.step != "note"]
    assert steps == ["upload_sources", "download_sources", "probe", "prepare", "render",
                     "upload_output", "publish"]  # fmt: skip
    assert all(s.status == "completed" for s in remote.timeline.steps(short.job_id)
               if s.step != "note")  # fmt: skip
    assert remote.storage_log.links(short.job_id)  # the share link is logged
    uploads = [op for op in remote.storage_log.operations(short.job_id) if op.operation == "upload"]
    assert sorted(op.details["role"] for op in uploads) == ["output", "source"]
    again = desktop.submit(composition(source, name="again", seconds=1.0))
    [step] = [s for s in remote.timeline.steps(again.job_id) if s.step == "upload_sources"]
    assert (step.details["uploaded"], step.details["already_stored"]) == (0, 1)  # same file
    assert (
        remote.jobs.get(again.job_id)
        .composition["elements"][0]["source"]
        .startswith(f"s3://{bucket}/vidgen/sources/")
    )

    # Kill -9 the worker that took the long render, mid-render.
    started = ffmpeg_pid(remote, long.job_id)
    running = remote.jobs.get(long.job_id)
    victim = workers.by_pid(running.worker_pid)
    wait_for(lambda: remote.jobs.get(long.job_id).progress > 0.05, timeout=20)
    orphans = children(running.worker_pid)
    os.kill(running.worker_pid, signal.SIGKILL)
    for pid in orphans:  # FFmpeg outlives a kill -9 of its parent
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert started["worker_pid"] == running.worker_pid

    job = wait_status(remote, long.job_id, S.COMPLETED, S.FAILED, timeout=60)
    assert job.status is S.COMPLETED, job.error_message
    assert job.attempts == 2 and job.worker_pid is None
    assert any("stopped" in note and "put back in the queue" in note
               for note in notes(remote, long.job_id))  # fmt: skip
    assert outputs(endpoint, bucket, long.job_id) == [f"vidgen/outputs/{long.job_id}/long.mp4"]
    # the task's outcome is written just after the job row's (same assertion, given the moment)
    wait_for(lambda: [s for s, _ in procrastinate_jobs(pg_url, long.job_id)] == ["succeeded"],
             timeout=10)  # fmt: skip
    completed = [s for s in remote.timeline.steps(long.job_id) if s.step == "publish"]
    assert [s.status for s in completed] == ["completed"]
    survivor = "b" if victim == "a" else "a"
    assert workers.procs[survivor].poll() is None

    # Health and metrics of the survivor.
    health = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "worker", "--health"],
        env={**os.environ}, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert health.returncode == 0, health.stderr
    if survivor == "a":
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        assert 'vidgen_jobs_total{status="completed"}' in text
        assert "vidgen_job_duration_seconds_count" in text


def test_a_source_outside_the_team_storage_is_refused_unread(tmp_path, workers, remote, pg_url):
    fifo = tmp_path / "would-block.mp4"
    os.mkfifo(fifo)  # opening this for reading would hang the worker: it must not try
    comp = Composition.from_data(
        {
            "name": "sneaky",
            "output": {"width": 64, "height": 48, "fps": 10, "duration": 1},
            "elements": [
                {"type": "image", "id": "passwd", "source": "/etc/passwd"},
                {"type": "image", "id": "url", "source": "file:///etc/passwd"},
                {"type": "video", "id": "fifo", "source": str(fifo)},
                {"type": "video", "id": "web", "source": "https://evil.example/x.mp4"},
            ],
        }
    )
    job = remote.jobs.create(comp, status=S.QUEUED, route="remote")
    app = farm_queue.make_app(pg_url)
    with app.open():
        farm_queue.defer_render(app, job.id)
    workers.start("a")
    failed = wait_status(remote, job.id, S.FAILED, S.COMPLETED, timeout=30)
    assert failed.status is S.FAILED and failed.attempts == 1
    assert failed.error_code == "source_refused"
    for text in ("'/etc/passwd' is a local path", "file: URL", "would-block.mp4",
                 "no URL prefix is allow-listed"):  # fmt: skip
        assert text in failed.error_message
    [step] = [s for s in remote.timeline.steps(job.id) if s.step != "note"]
    assert (step.step, step.status, step.error_code) == ("download_sources", "failed",
                                                        "source_refused")  # fmt: skip
    assert remote.storage_log.operations(job.id) == []
    assert [status for status, _ in procrastinate_jobs(pg_url, job.id)] == ["failed"]
    stale = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", "worker", "--health", "--max-age", "0.001"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert stale.returncode == 1 and "unhealthy" in stale.stderr


def test_cancel_from_the_desktop_aborts_the_farm_render(
    tmp_path, desktop, workers, remote, endpoint, bucket, pg_url
):
    workers.start("a")
    submitted = desktop.submit(slow_composition(tmp_path, name="endless", seconds=600.0))
    details = ffmpeg_pid(remote, submitted.job_id)
    pid = details["ffmpeg_pid"]
    assert alive(pid)
    wait_for(lambda: remote.jobs.get(submitted.job_id).progress > 0, timeout=30)
    desktop.cancel(submitted.job_id)
    assert desktop.store.jobs.get(submitted.job_id).status is S.CANCELLED
    wait_for(lambda: not alive(pid), timeout=10)
    job = remote.jobs.get(submitted.job_id)
    assert job.status is S.CANCELLED and job.output_url is None
    assert 0 < job.progress < 1.0  # a cancelled job keeps the progress it had
    wait_for(lambda: procrastinate_jobs(pg_url, submitted.job_id)[0][0] == "aborted", timeout=10)
    render = [s for s in remote.timeline.steps(submitted.job_id) if s.step == "render"]
    assert [s.status for s in render] == ["failed"]
    assert outputs(endpoint, bucket, submitted.job_id) == []
    assert workers.procs["a"].poll() is None  # the worker carries on


def test_transient_failure_is_retried_and_a_failing_worker_leaves_the_job(
    tmp_path, desktop, workers, remote, endpoint, bucket
):
    # A worker whose download cache cannot be written (a full or read-only disk, say).
    broken = tmp_path / "worker-bad" / "cache"
    broken.mkdir(parents=True)
    (broken / "storage").write_text("not a folder")
    workers.start("bad")
    source = clip(tmp_path, 1.0)
    submitted = desktop.submit(composition(source, name="retry", seconds=1.0))
    wait_for(lambda: sum("leaving it to other workers" in n
                         for n in notes(remote, submitted.job_id)), timeout=30)  # fmt: skip
    job = remote.jobs.get(submitted.job_id)
    assert job.status is S.QUEUED and job.attempts == 2 and job.error_code == "worker_storage"
    assert sum("trying again" in n for n in notes(remote, submitted.job_id)) == 2
    workers.start("good")
    job = wait_status(remote, submitted.job_id, S.COMPLETED, S.FAILED)
    assert job.status is S.COMPLETED, job.error_message
    assert job.attempts == 3 and job.error_code is None
    assert outputs(endpoint, bucket, submitted.job_id) == [
        f"vidgen/outputs/{submitted.job_id}/retry.mp4"
    ]
