"""Listing and filtering a history of 100,000 jobs, one page at a time.

    python benchmarks/history_listing.py [--jobs N]

Fills a fresh SQLite job log with N jobs (varied states, names, errors and
dates over a year; inserted in bulk through the store's own table definition),
then times ``db.jobs.list`` for typical pages: newest first, a deep page,
by status, by date range, by text search (a name, an error, a term that
matches nothing, a two-letter term that the trigram index cannot answer), by
id prefix, and the counts for the pager. Goal: ≤ 50 ms per page. Ends with
one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import JobQuery, open_local
from vidgen_desktop.store.schema import jobs as jobs_table

NAMES = ["Spring promo", "Teaser", "Product launch", "Holiday sale", "Webinar intro", "Recap"]
STATUSES = [JobStatus.COMPLETED] * 7 + [JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED]


def fill(db, count: int) -> uuid.UUID:
    template = db.jobs.create(Composition.from_data({"name": "template"}))
    with db.read() as connection:
        row = dict(connection.execute(sa.select(jobs_table)).mappings().one())
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    batch, last = [], template.id
    for n in range(count - 1):
        status = STATUSES[n % len(STATUSES)]
        created = start + dt.timedelta(seconds=n * 315)  # spread over a year
        last = uuid.uuid4()
        batch.append({
            **row, "id": last, "status": str(status), "created_at": created,
            "updated_at": created, "project_name": f"{NAMES[n % len(NAMES)]} {n}",
            "error_message": "disk full" if status is JobStatus.FAILED else None,
            "completed_at": created if status is JobStatus.COMPLETED else None,
        })  # fmt: skip
        if len(batch) == 5000:
            with db.write() as connection:
                connection.execute(sa.insert(jobs_table), batch)
            batch = []
    if batch:
        with db.write() as connection:
            connection.execute(sa.insert(jobs_table), batch)
    return last


def timed(call, repeat: int = 7) -> float:
    call()  # warm
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidgen-history-") as tmp:
        db = open_local(Path(tmp) / "jobs.sqlite3")
        t0 = time.perf_counter()
        some_id = fill(db, args.jobs)
        print(f"{args.jobs} jobs written in {time.perf_counter() - t0:.1f} s")
        june = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
        queries = {
            "newest page": JobQuery(),
            "page 1000": JobQuery(offset=50 * 1000),
            "failed": JobQuery(statuses=(JobStatus.FAILED,)),
            "june": JobQuery(created_from=june, created_to=june + dt.timedelta(days=30)),
            "search name": JobQuery(search="launch 9"),
            "search error": JobQuery(search="disk full", statuses=(JobStatus.FAILED,)),
            "search none": JobQuery(search="no such job"),
            "search short": JobQuery(search="zq"),
            "id prefix": JobQuery(search=some_id.hex[:8]),
            "id part": JobQuery(search=str(some_id)[9:23]),
        }
        results = {name: timed(lambda q=q: db.jobs.list(q)) for name, q in queries.items()}
        results["count failed"] = timed(lambda: db.jobs.count(queries["failed"]))
        results["count search"] = timed(lambda: db.jobs.count(queries["search name"]))
        db.close()
    for name, seconds in results.items():
        print(f"{name:<14} {seconds * 1000:7.1f} ms")
    worst = max(results.values())
    print(f"slowest page {worst * 1000:.1f} ms (goal ≤ 50 ms)")
    print(json.dumps({
        "benchmark": "history_listing", "jobs": args.jobs,
        "ms": {k: round(v * 1000, 2) for k, v in results.items()},
        "worst_ms": round(worst * 1000, 2), "goal_ms": 50,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
