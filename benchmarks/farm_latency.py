"""Render farm: how long from the desktop's defer to a worker starting the job.

Sets up a throwaway team backend on this machine — a fresh PostgreSQL
database (127.0.0.1:5432) and moto's S3 server over HTTP as the stand-in for
the team bucket (say so when quoting the figures) — starts one real
`vidgen worker`, then submits tiny jobs one after another through
`JobService` + `FarmQueue`. For each: the time from `FarmQueue.enqueue`
returning (the job is deferred) to the worker marking it `processing`
(`jobs.started_at` on the team database, same clock). Goal: p95 ≤ 200 ms.
Ends with one JSON line.

    python benchmarks/farm_latency.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

PG = "postgresql://postgres@127.0.0.1:5432"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines

    tmp = Path(tempfile.mkdtemp(prefix="vidgen-farm-bench-"))
    name = f"vidgen_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG}/{name}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint, bucket = f"http://{host}:{port}", "bench"
    env = {
        "VIDGEN_DATABASE_URL": url, "VIDGEN_S3_ENDPOINT": endpoint, "VIDGEN_S3_BUCKET": bucket,
        "AWS_ACCESS_KEY_ID": "AKIABENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_EC2_METADATA_DISABLED": "true", "VIDGEN_HOME": str(tmp / "desktop"),
    }  # fmt: skip
    os.environ.update(env)
    boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1"
    ).create_bucket(Bucket=bucket)

    from vidgen_desktop import store
    from vidgen_desktop.composition.model import Composition
    from vidgen_desktop.jobs.service import JobService
    from vidgen_desktop.queue import farm as farm_queue

    store.upgrade(farm_queue.sqlalchemy_url(url))
    farm_queue.ensure_schema(url)
    worker_home = tmp / "worker"
    worker_home.mkdir()
    log = (tmp / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "vidgen_desktop", "worker", "--name", "bench"],
        env={**os.environ, "VIDGEN_HOME": str(worker_home)}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    latencies: list[float] = []
    try:
        local = store.open_local(tmp / "desktop.sqlite3")
        queue = farm_queue.FarmQueue(local).open()
        service = JobService(local, queue=queue, threshold=0.0, learn=False,
                             output_folder=tmp / "out")  # fmt: skip
        remote = farm_queue.open_team(url)
        comp = Composition.from_data({
            "output": {"width": 64, "height": 48, "fps": 10, "duration": 0.5, "quality": "draft"},
            "elements": [{"id": "t", "type": "text", "text": "latency"}],
        })  # fmt: skip
        deferred: dict[uuid.UUID, dt.datetime] = {}
        original = queue.enqueue

        def timed_enqueue(job_id, **kwargs):
            original(job_id, **kwargs)
            deferred[job_id] = dt.datetime.now(dt.UTC)

        queue.enqueue = timed_enqueue
        for n in range(args.jobs + 1):  # the first job warms the worker up; not counted
            job_id = service.submit(comp).job_id
            deadline = time.monotonic() + 60
            while (job := remote.jobs.get(job_id)).status.value in ("queued", "pending"):
                if time.monotonic() > deadline:
                    raise SystemExit(f"no worker took job {job_id}: see {tmp / 'worker.log'}")
                time.sleep(0.01)
            started = job.started_at.replace(tzinfo=job.started_at.tzinfo or dt.UTC)
            if n:
                latencies.append((started - deferred[job_id]).total_seconds() * 1000)
            while remote.jobs.get(job_id).status.value == "processing":
                time.sleep(0.02)  # one job at a time: each defer finds the worker idle
        queue.close()
        remote.close()
        local.close()
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
        server.stop()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(round(0.95 * (len(latencies) - 1)))]
    print(f"defer -> worker start, {len(latencies)} jobs, one worker, loopback "
          f"(PostgreSQL here, moto S3 as the bucket stand-in): p50 {p50:.0f} ms, "
          f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms (goal p95 ≤ 200 ms)")  # fmt: skip
    figures = {
        "benchmark": "farm_latency", "jobs": len(latencies),
        "defer_to_start_p50_ms": round(p50, 1), "defer_to_start_p95_ms": round(p95, 1),
        "goal_ms": 200, "ok": p95 <= 200,
    }  # fmt: skip
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
