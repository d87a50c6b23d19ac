"""Jobs out as CSV or JSON, with every job field and, optionally, the timeline.

CSV has one row per job in ``EXPORT_FIELDS`` order; JSON-valued fields
(composition, output settings, the timeline) are JSON text in their cell.
Datetimes are ISO 8601 in UTC, ids are dashed UUIDs, empty cells are nulls.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from vidgen_desktop import files
from vidgen_desktop.store.records import JobQuery, JobRecord

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

FORMATS = ("csv", "json")
EXPORT_FIELDS = tuple(f.name for f in dataclasses.fields(JobRecord))
_PAGE = 1000  # jobs read per query while exporting


def _pages(db: Database, query: JobQuery) -> Iterator[JobRecord]:
    limit = query.limit
    offset = query.offset
    done = 0
    while limit is None or done < limit:
        size = _PAGE if limit is None else min(_PAGE, limit - done)
        page = db.jobs.list(dataclasses.replace(query, limit=size, offset=offset + done))
        yield from page
        done += len(page)
        if len(page) < size:
            return


def _row(db: Database, job: JobRecord, include_timeline: bool) -> dict[str, Any]:
    data = job.to_dict()
    if include_timeline:
        data["timeline"] = [step.to_dict() for step in db.timeline.steps(job.id)]
    return data


@contextlib.contextmanager
def _opened(destination: Path | str | IO[str]) -> Iterator[IO[str]]:
    """A file (written whole or not at all: an export that fails leaves the old one) or
    the caller's own stream."""
    if not isinstance(destination, str | Path):
        yield destination
        return
    with files.atomic_open(destination) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()  # the atomic writer closes (and flushes) the file itself


def export_jobs(
    db: Database,
    destination: Path | str | IO[str],
    fmt: str = "csv",
    *,
    query: JobQuery | None = None,
    include_timeline: bool = False,
) -> int:
    """Write the jobs matching ``query`` (all of them by default); return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"export format must be one of {FORMATS}, got {fmt!r}")
    query = query or JobQuery(limit=None, descending=False)
    count = 0
    with _opened(destination) as stream:
        if fmt == "csv":
            fields = EXPORT_FIELDS + (("timeline",) if include_timeline else ())
            writer = csv.DictWriter(stream, fieldnames=fields)
            writer.writeheader()
            for job in _pages(db, query):
                row = _row(db, job, include_timeline)
                writer.writerow({k: _cell(v) for k, v in row.items()})
                count += 1
        else:
            stream.write("[")
            for job in _pages(db, query):
                stream.write(",\n" if count else "\n")
                stream.write(json.dumps(_row(db, job, include_timeline), ensure_ascii=False))
                count += 1
            stream.write("\n]\n")
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value
