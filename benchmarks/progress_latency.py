"""Progress-event delivery latency: a timeline row's UPDATE committed → the feed's event.

    python benchmarks/progress_latency.py [--events 200] [--interval 0.02]

For both progress feeds on loopback, against a fresh database on the local
PostgreSQL (127.0.0.1:5432, user postgres; ``--server`` to change) migrated
to the team schema (its NOTIFY triggers):

* ``postgres``: ``PostgresFeed``, LISTEN/NOTIFY;
* ``supabase``: ``SupabaseFeed`` with the real supabase client, through the
  Phoenix-protocol stand-in for Supabase Realtime in ``tests/realtime_server.py``
  (fed by the same NOTIFY), so it measures the client, the protocol and our
  feed, not Supabase's servers.

A writer thread commits one progress value every ``--interval`` seconds; the
latency of a value is from just before its UPDATE to the moment the feed hands
its event to the subscriber on the asyncio loop. A value the stand-in coalesced
with the next one (it reads the row when it relays a NOTIFY) counts as missing.
Goal: p95 ≤ 500 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from realtime_server import RealtimeServer  # noqa: E402
from vidgen_desktop.realtime import ChangeEvent, FeedState  # noqa: E402
from vidgen_desktop.realtime.postgres import PostgresFeed  # noqa: E402
from vidgen_desktop.realtime.supabase_feed import Limits, SupabaseFeed  # noqa: E402
from vidgen_desktop.store.team import database as team_db  # noqa: E402

GOAL_P95 = 0.5  # seconds
ANON = "benchmark-anon-key"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_database(server: str) -> tuple[str, str]:
    name = f"vidgen_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    team_db.upgrade(url, supabase=False)
    return name, url


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_job(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    job_id, step_id = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO jobs (id, status, composition, output_settings, project_name,"
            " created_at, updated_at) VALUES (%s, 'queued', '{}', '{}', 'bench', now(), now())",
            (job_id,),
        )
        connection.execute(
            "INSERT INTO processing_timeline (id, job_id, step, status, started_at, progress)"
            " VALUES (%s, %s, 'render', 'running', now(), 0)",
            (step_id, job_id),
        )
    return job_id, step_id


async def measure(feed, url: str, events: int, interval: float) -> dict[str, float | int]:
    job_id, step_id = make_job(url)
    sent: dict[float, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    values = [round((i + 1) / (events + 1), 6) for i in range(events)]

    def on_event(event: ChangeEvent) -> None:
        if event.table != "processing_timeline":
            return
        started = sent.get(round(event.progress, 6))
        if started is not None:
            latencies.append(time.perf_counter() - started)
        if round(event.progress, 6) == values[-1]:
            done.set()

    feed.on_event(on_event, job_id)
    async with asyncio.timeout(15):
        while feed.state is not FeedState.LIVE:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # the first re-read is over

    def write() -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            for value in values:
                sent[value] = time.perf_counter()
                connection.execute(
                    "UPDATE processing_timeline SET progress = %s WHERE id = %s", (value, step_id)
                )
                time.sleep(interval)

    writer = threading.Thread(target=write, name="bench-writer")
    writer.start()
    try:
        async with asyncio.timeout(events * interval + 15):
            await done.wait()
    finally:
        await asyncio.get_running_loop().run_in_executor(None, writer.join)
        await feed.close()
    return {
        "events": events,
        "received": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
    }


async def run(url: str, events: int, interval: float) -> dict[str, dict[str, float | int]]:
    results = {"postgres": await measure(PostgresFeed(url), url, events, interval)}
    async with RealtimeServer(url, ANON) as server:
        feed = SupabaseFeed(server.url, ANON, limits=Limits(check_interval=0.1))
        results["supabase"] = await measure(feed, url, events, interval)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between writes")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    name, url = make_database(args.server)
    try:
        results = asyncio.run(run(url, args.events, args.interval))
    finally:
        drop_database(args.server, name)
    for feed, f in results.items():
        print(f"{feed:<9} p50 {f['p50_ms']:7.2f} ms  p95 {f['p95_ms']:7.2f} ms  "
              f"max {f['max_ms']:7.2f} ms  ({f['received']}/{f['events']} received)")  # fmt: skip
    ok = all(figures["p95_ms"] <= GOAL_P95 * 1000 for figures in results.values())
    print(json.dumps({
        "benchmark": "progress_latency",
        "target": "loopback: LISTEN/NOTIFY, and tests/realtime_server.py (Supabase stand-in)",
        "goal_p95_ms": GOAL_P95 * 1000, "meets_goal": ok, "interval_s": args.interval,
        "feeds": results,
    }))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
