"""Listing, export and retention of the job history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import Database, JobQuery, JobRecord, open_local, queries, search
from vidgen_desktop.store.exports import EXPORT_FIELDS

S = JobStatus
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with open_local(tmp_path / "jobs.sqlite3") as database:
        yield database


def _job(db: Database, name: str, status: S, day: int, **fields: object) -> JobRecord:
    at = T0 + dt.timedelta(days=day)
    job = db.jobs.create(Composition.from_data({"name": name}), at=at)
    path = {
        S.PENDING: [],
        S.QUEUED: [S.QUEUED],
        S.PROCESSING: [S.PROCESSING],
        S.COMPLETED: [S.PROCESSING, S.COMPLETED],
        S.FAILED: [S.PROCESSING, S.FAILED],
        S.CANCELLED: [S.CANCELLED],
    }[status]
    for n, step in enumerate(path, start=1):
        db.jobs.transition(job.id, step, at=at + dt.timedelta(seconds=10 * n))
    if fields:
        db.jobs.update(job.id, **fields)
    return db.jobs.get(job.id)


@pytest.fixture
def history(db: Database) -> list[JobRecord]:
    return [
        _job(db, "Spring promo", S.COMPLETED, 0, output_path="/r/spring.mp4"),
        _job(db, "Summer 50% off", S.FAILED, 1, error_code="media", error_message="logo missing"),
        _job(db, "Autumn_teaser", S.QUEUED, 2),
        _job(db, "Winter promo", S.CANCELLED, 3),
        _job(db, "Interview", S.PROCESSING, 4),
        _job(db, "Draft", S.PENDING, 5),
        _job(db, "Old recap", S.COMPLETED, 6, output_path="/r/recap.mp4"),
    ]


def _names(jobs: list[JobRecord]) -> list[str]:
    return [job.project_name for job in jobs]


def test_listing_is_newest_first_and_pages(db: Database, history: list[JobRecord]) -> None:
    assert _names(db.jobs.list())[:2] == ["Old recap", "Draft"]
    first = db.jobs.list(JobQuery(limit=3))
    second = db.jobs.list(JobQuery(limit=3, offset=3))
    last = db.jobs.list(JobQuery(limit=3, offset=6))
    assert _names(first + second + last) == _names(history)[::-1]
    assert db.jobs.count(JobQuery(limit=3)) == 7
    oldest = db.jobs.list(JobQuery(descending=False, limit=1))
    assert _names(oldest) == ["Spring promo"]
    by_name = db.jobs.list(JobQuery(order_by="project_name", descending=False, limit=2))
    assert _names(by_name) == ["Autumn_teaser", "Draft"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (JobQuery(statuses=(S.COMPLETED,)), ["Old recap", "Spring promo"]),
        (JobQuery(statuses=(S.FAILED, S.CANCELLED)), ["Winter promo", "Summer 50% off"]),
        (
            JobQuery(created_from=T0 + dt.timedelta(days=1), created_to=T0 + dt.timedelta(days=3)),
            ["Autumn_teaser", "Summer 50% off"],
        ),
        (JobQuery(search="PROMO"), ["Winter promo", "Spring promo"]),
        (JobQuery(search="50%"), ["Summer 50% off"]),  # % is a character, not a wildcard
        (JobQuery(search="r_m"), []),  # and so is _ (it would match "rom")
        (JobQuery(search="logo missing"), ["Summer 50% off"]),
        (JobQuery(search="media"), ["Summer 50% off"]),
        (JobQuery(search="promo", statuses=(S.COMPLETED,)), ["Spring promo"]),
    ],
)
def test_filters(db: Database, history: list[JobRecord], query: JobQuery, expected: list[str]):
    assert _names(db.jobs.list(query)) == expected
    assert db.jobs.count(query) == len(expected)


def test_search_by_id_with_or_without_dashes(db: Database, history: list[JobRecord]) -> None:
    target = history[2]
    text = str(target.id)
    for term in (text, text[:8], text.replace("-", "")[:13].upper(), text[4:18]):
        assert _names(db.jobs.list(JobQuery(search=term))) == ["Autumn_teaser"], term


SEARCH_TERMS = ["promo", "PROMO", "50%", "r_m", "logo missing", "media", "ro", "o", "Ä", "zzz",
                 'say "hi"', "sing"]  # fmt: skip


def _scanned(db: Database, query: JobQuery) -> list[str]:
    """The same query answered by scanning, as on a database without the search index."""
    with db.read() as connection:
        statement = queries.select_jobs(query, db.dialect, indexed=False)
        return [row.project_name for row in connection.execute(statement)]


def test_the_search_index_answers_what_a_scan_would(db: Database, history: list[JobRecord]):
    with db.read() as connection:
        assert search.present(connection)  # SQLite here has FTS5 with the trigram tokenizer
    _job(db, 'Missing "hi" say "hi" again', S.PENDING, 7)
    for term in SEARCH_TERMS + [str(history[3].id)[9:23], history[3].id.hex[:2]]:
        query = JobQuery(search=term)
        assert _names(db.jobs.list(query)) == _scanned(db, query), term
        assert db.jobs.count(query) == len(_scanned(db, query)), term


def test_the_search_index_follows_updates_and_deletes(db: Database, history: list[JobRecord]):
    failed = history[1]
    db.jobs.update(failed.id, project_name="Summer sale", error_code=None, error_message=None)
    assert _names(db.jobs.list(JobQuery(search="logo missing"))) == []
    assert _names(db.jobs.list(JobQuery(search="er sa"))) == ["Summer sale"]
    assert _names(db.jobs.list(JobQuery(search="50%"))) == []
    db.jobs.delete(history[0].id)
    assert _names(db.jobs.list(JobQuery(search="promo"))) == ["Winter promo"]
    with db.read() as connection:
        rows = connection.exec_driver_sql(f"SELECT count(*) FROM {search.TABLE}").scalar()
    assert rows == len(history) - 1


def test_an_id_prefix_is_a_key_range(db: Database, history: list[JobRecord]) -> None:
    target = history[4].id
    clause = search.id_prefix(target.hex[:6])
    with db.read() as connection:
        plan = connection.execute(
            sa.text("EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE " + str(
                clause.compile(compile_kwargs={"literal_binds": True})))
        ).all()  # fmt: skip
    assert any("USING" in str(row[-1]) and "INDEX" in str(row[-1]) for row in plan), plan
    assert target in [job.id for job in db.jobs.list(JobQuery(search=target.hex[:1]))]


def _expected_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def test_csv_export_has_every_field_of_every_job(
    db: Database, history: list[JobRecord], tmp_path: Path
) -> None:
    target = tmp_path / "jobs.csv"
    assert db.export(target, "csv") == 7
    with open(target, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert "timeline" not in rows[0]
    assert [row["id"] for row in rows] == [str(job.id) for job in history]  # oldest first
    for row, job in zip(rows, history, strict=True):
        for field in EXPORT_FIELDS:
            assert row[field] == _expected_cell(getattr(job, field)), field
        assert dt.datetime.fromisoformat(row["created_at"]) == job.created_at
        assert json.loads(row["composition"]) == job.composition


def test_json_export_with_timeline(db: Database, history: list[JobRecord]) -> None:
    failed = history[1]
    step = db.timeline.start(failed.id, "render", at=T0 + dt.timedelta(days=1, seconds=11))
    db.timeline.fail(step.id, "media", "logo missing", at=T0 + dt.timedelta(days=1, seconds=15))
    stream = io.StringIO()
    count = db.export(
        stream, "json", query=JobQuery(statuses=(S.FAILED,), limit=None), include_timeline=True
    )
    data = json.loads(stream.getvalue())
    assert count == len(data) == 1
    (exported,) = data
    assert set(exported) == set(EXPORT_FIELDS) | {"timeline"}
    job = db.jobs.get(failed.id)
    for field in EXPORT_FIELDS:
        assert exported[field] == job.to_dict()[field], field
    assert exported["status"] == "failed" and exported["attempts"] == 1
    assert exported["error_message"] == "logo missing"
    assert exported["created_at"] == "2025-03-02T12:00:00+00:00"
    (timeline,) = exported["timeline"]
    assert timeline["id"] == str(step.id) and timeline["job_id"] == str(failed.id)
    assert (timeline["step"], timeline["status"], timeline["duration_seconds"]) == (
        "render",
        "failed",
        4.0,
    )
    assert timeline["started_at"] == "2025-03-02T12:00:11+00:00"


def test_export_pages_through_many_jobs(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from vidgen_desktop.store import exports

    monkeypatch.setattr(exports, "_PAGE", 3)
    for day in range(8):
        _job(db, f"job {day}", S.PENDING, day)
    stream = io.StringIO()
    assert db.export(stream, "json") == 8
    assert [j["project_name"] for j in json.loads(stream.getvalue())] == [
        f"job {d}" for d in range(8)
    ]
    assert db.export(io.StringIO(), "csv", query=JobQuery(limit=5, descending=False)) == 5
    with pytest.raises(ValueError, match="csv"):
        db.export(io.StringIO(), "xml")


def test_cleanup_removes_old_finished_jobs_and_returns_their_files(
    db: Database, history: list[JobRecord]
) -> None:
    now = T0 + dt.timedelta(days=33)
    step = db.timeline.start(history[0].id, "render")
    dry = db.jobs.cleanup(dt.timedelta(days=30), at=now, dry_run=True)
    assert dry.dry_run and db.jobs.count() == 7
    result = db.jobs.cleanup(dt.timedelta(days=30), at=now)
    # Older than 30 days: days 0-2; the queued one (day 2) is not finished, so it stays.
    assert set(result.job_ids) == {history[0].id, history[1].id} == set(dry.job_ids)
    assert result.output_paths == (Path("/r/spring.mp4"),)
    assert _names(db.jobs.list()) == _names(history[2:])[::-1]
    assert db.timeline.steps(history[0].id) == [] and db.jobs.elements(history[0].id) == []
    assert db.jobs.find(step.job_id) is None
    everything = db.jobs.cleanup(dt.timedelta(0), at=now, statuses=list(S))
    assert len(everything.job_ids) == 5 and db.jobs.count() == 0
