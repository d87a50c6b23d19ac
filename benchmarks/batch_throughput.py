"""Batches: 50 short rows through `vidgen batch` against 50 separate `vidgen submit` calls.

    python benchmarks/batch_throughput.py [--rows 50] [--no-farm]

One template (160×90, 0.5 s, a picture and a title, both variables) and a
CSV of ``--rows`` rows. Measured, same run, in ABBA order (batch, separate,
separate, batch) so a machine that gets busier or quieter weighs on both:

- ``batch``: one `vidgen batch` process, the embedded queue (its default
  concurrency, 1: one render at a time, as the separate submits);
- ``separate``: one `vidgen submit ROW_k.json` process per row (the row's
  filled-in project), one after another, as a shell loop would;
- ``farm``: `vidgen batch` to two `vidgen worker` processes on this machine
  (a throwaway PostgreSQL database and moto's S3 server over HTTP as the
  stand-in for the team bucket), once, after the others.

Figures: jobs per second of each, the paired ratio batch/separate (goal ≥ 1),
and the per-job overhead beyond FFmpeg's own time: the wall time per job
minus the mean time FFmpeg ran (the render step's ``ffmpeg_seconds``), and,
inside a job, its processing time minus FFmpeg's. ``/proc/loadavg`` beside
them. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PG = "postgresql://postgres@127.0.0.1:5432"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def vidgen(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"vidgen {' '.join(args[:1])} failed: {done.stderr.strip()[-800:]}")
    return done


def make_inputs(folder: Path, rows: int) -> tuple[Path, Path, list[Path]]:
    from PIL import Image

    for name, rgb in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        Image.new("RGB", (32, 32), rgb).save(folder / f"{name}.png")
    template = {
        "schema_version": 2, "name": "bench",
        "output": {"width": 160, "height": 90, "fps": 10, "duration": 0.5, "quality": "draft"},
        "variables": {"who": {"type": "text", "default": "x"},
                      "pic": {"type": "image", "default": "red.png"}},
        "elements": [
            {"id": "pic", "type": "image", "source": "{{pic}}", "width": "30%", "height": "50%"},
            {"id": "who", "type": "text", "text": "Hello {{who}}", "y": "50%", "height": "50%"},
        ],
    }  # fmt: skip
    project = folder / "bench.json"
    project.write_text(json.dumps(template))
    table = folder / "rows.csv"
    lines = ["who,pic"] + [f"person {n},{'red' if n % 2 else 'blue'}.png" for n in range(rows)]
    table.write_text("\n".join(lines) + "\n")
    singles = []  # the same rows as plain projects, for `vidgen submit`
    for n in range(rows):
        data = json.loads(json.dumps(template))
        data["variables"] = {}
        data["elements"][0]["source"] = f"{'red' if n % 2 else 'blue'}.png"
        data["elements"][1]["text"] = f"Hello person {n}"
        path = folder / f"single-{n:03d}.json"
        path.write_text(json.dumps(data))
        singles.append(path)
    return project, table, singles


def job_figures(home: Path, env: dict[str, str], batch: bool) -> dict[str, float]:
    """Mean FFmpeg seconds and in-job overhead of the jobs in this home's log."""
    code = (
        "import json,sys\n"
        "from vidgen_desktop import store\n"
        "db=store.open_local()\n"
        "out=[]\n"
        "for j in db.jobs.list(store.JobQuery(limit=None)):\n"
        "  r=[s for s in db.timeline.steps(j.id) if s.step=='render' and s.status=='completed']\n"
        "  f=sum((s.details or {}).get('ffmpeg_seconds',0) for s in r)\n"
        "  out.append((f, j.actual_seconds or 0))\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    pairs = json.loads(done.stdout)
    return {
        "ffmpeg_s": statistics.mean(f for f, _ in pairs),
        "in_job_overhead_s": statistics.mean(max(0.0, a - f) for f, a in pairs),
    }


def run_batch(tmp: Path, project: Path, table: Path, env: dict[str, str], tag: str) -> dict:
    home = tmp / f"home-{tag}"
    env = {**env, "VIDGEN_HOME": str(home)}
    started = time.perf_counter()
    vidgen("batch", str(project), str(table), "--out", str(tmp / f"out-{tag}"), env=env)
    wall = time.perf_counter() - started
    return {"wall": wall, **job_figures(home, env, True)}


def run_separate(tmp: Path, singles: list[Path], env: dict[str, str], tag: str) -> dict:
    home = tmp / f"home-{tag}"
    env = {**env, "VIDGEN_HOME": str(home)}
    out = tmp / f"out-{tag}"
    out.mkdir()
    started = time.perf_counter()
    for path in singles:
        vidgen("submit", str(path), "-o", str(out / f"{path.stem}.mp4"), env=env)
    wall = time.perf_counter() - started
    return {"wall": wall, **job_figures(home, env, False)}


def run_farm(tmp: Path, project: Path, table: Path, env: dict[str, str]) -> dict:
    import logging

    import boto3
    import psycopg
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    name = f"vidgen_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"{PG}/{name}"
    farm_env = {
        **env, "VIDGEN_DATABASE_URL": url, "VIDGEN_S3_ENDPOINT": f"http://{host}:{port}",
        "VIDGEN_S3_BUCKET": "bench", "AWS_ACCESS_KEY_ID": "AKIABENCH",
        "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_EC2_METADATA_DISABLED": "true",
        "VIDGEN_HOME": str(tmp / "home-farm"), "VIDGEN_WORKER_POLL": "0.2",
    }  # fmt: skip
    boto3.session.Session().client(
        "s3", endpoint_url=farm_env["VIDGEN_S3_ENDPOINT"], region_name="us-east-1",
        aws_access_key_id="AKIABENCH", aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket="bench")  # fmt: skip
    vidgen("db", "upgrade", "--remote", env=farm_env)
    workers = []
    try:
        for worker in ("a", "b"):
            home = tmp / f"worker-{worker}"
            home.mkdir()
            log = (tmp / f"worker-{worker}.log").open("wb")
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "vidgen_desktop", "worker", "--name", worker],
                env={**farm_env, "VIDGEN_HOME": str(home)}, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        time.sleep(3)  # the workers connect and wait
        started = time.perf_counter()
        vidgen("batch", str(project), str(table), "--out", str(tmp / "out-farm"), env=farm_env)
        wall = time.perf_counter() - started
        return {"wall": wall, **job_figures(tmp / "home-farm", farm_env, True)}
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(30)
        server.stop()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--no-farm", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory(prefix="vidgen-batch-bench-") as name:
        tmp = Path(name)
        project, table, singles = make_inputs(tmp, args.rows)
        load_before = loadavg()
        a1 = run_batch(tmp, project, table, env, "a1")
        b1 = run_separate(tmp, singles, env, "b1")
        b2 = run_separate(tmp, singles, env, "b2")
        a2 = run_batch(tmp, project, table, env, "a2")
        farm = None if args.no_farm else run_farm(tmp, project, table, env)
        load_after = loadavg()
    n = args.rows
    ratios = [b1["wall"] / a1["wall"], b2["wall"] / a2["wall"]]  # throughput batch / separate

    def per_job(run: dict) -> float:
        return round(run["wall"] / n - run["ffmpeg_s"], 3)

    figures = {
        "benchmark": "batch_throughput", "rows": n,
        "batch_jobs_per_s": round(2 * n / (a1["wall"] + a2["wall"]), 2),
        "separate_jobs_per_s": round(2 * n / (b1["wall"] + b2["wall"]), 2),
        "farm_jobs_per_s": round(n / farm["wall"], 2) if farm else None,
        "paired_ratio_batch_over_separate": [round(r, 2) for r in ratios],
        "ffmpeg_s_per_job": round(statistics.mean([a1["ffmpeg_s"], a2["ffmpeg_s"]]), 3),
        "overhead_s_per_job_beyond_ffmpeg": {
            "batch": per_job({"wall": (a1["wall"] + a2["wall"]) / 2,
                              "ffmpeg_s": (a1["ffmpeg_s"] + a2["ffmpeg_s"]) / 2}),
            "separate": per_job({"wall": (b1["wall"] + b2["wall"]) / 2,
                                 "ffmpeg_s": (b1["ffmpeg_s"] + b2["ffmpeg_s"]) / 2}),
            "farm_two_workers": per_job(farm) if farm else None,
        },  # fmt: skip
        "in_job_overhead_s": {
            "batch": round((a1["in_job_overhead_s"] + a2["in_job_overhead_s"]) / 2, 3),
            "separate": round((b1["in_job_overhead_s"] + b2["in_job_overhead_s"]) / 2, 3),
            "farm": round(farm["in_job_overhead_s"], 3) if farm else None,
        },
        "goal": "batch throughput >= separate submits' (both paired ratios >= 1)",
        "ok": min(ratios) >= 1.0,
        "loadavg": {"before": load_before, "after": load_after},
    }  # fmt: skip
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
